import type { z } from 'zod';
import type { Zod } from './contract.js';

/** Schema pieces more than one contract uses, built with the contracts' zod. */
export function commonParts(z: Zod) {
  return {
    strings: z.array(z.string()),
    /** YAML reads `2.1` or `true` as a number or a boolean where the key means the text. */
    scalarText: z.union([z.string(), z.number(), z.boolean()], { error: 'text' }).transform(String),
    seconds: z.number({ error: 'a number of seconds, 0 or more' }).min(0, { error: 'a number of seconds, 0 or more' }),
  };
}

/** A mapping that may be left out or empty in YAML (`env:` with nothing under it): both mean `{}`, defaults filled. */
export function emptyMeansDefaults<S extends z.ZodType>(schema: S) {
  return schema.nullish().transform((value): z.output<S> => value ?? schema.parse({}));
}
