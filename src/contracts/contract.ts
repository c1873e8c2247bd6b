import type { z } from 'zod';
import { UsageError } from '../errors.js';
import { describeIssue, expectedText, type SubjectOf } from './issue-text.js';
import { placeText, type DataPath, type FilePlace } from './yaml-file.js';

/** A file format users write (profile, pattern, config, context pack): its schema and how its problems are worded. */
export interface Contract<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** What one such file is (`a pattern`), for a file that is not a mapping at all. */
  noun: string;
  /** Names the part of the file a problem is in (`stage review: `), where the path alone would not. */
  subjectOf?: SubjectOf;
}

/**
 * Checks parsed data against a contract. The first problem (an unknown key before the rest: it is usually a
 * misspelt one) is one line `LABEL FILE:LINE: what is wrong (expected ..., got ...)`; no line without `lineOf`.
 */
export function checkContract<S extends z.ZodType>(contract: Contract<S>, value: unknown, place: FilePlace, lineOf?: (path: DataPath) => number | undefined): z.output<S> {
  const result = contract.schema.safeParse(value, { error: expectedText, reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  const { text, path } = describeIssue(first, contract.noun, value, contract.subjectOf);
  throw new UsageError(`${placeText(place, lineOf?.(path))}: ${text}`);
}

/** A mapping that may be left out or empty in YAML (`env:` with nothing under it): both mean `{}`, defaults filled. */
export function emptyMeansDefaults<S extends z.ZodType>(schema: S) {
  return schema.nullish().transform((value): z.output<S> => value ?? schema.parse({}));
}
