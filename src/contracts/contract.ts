import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { zodBundle } from '../os/package.js';
import { describeIssue, expectedText, type SubjectOf } from './issue-text.js';
import { placeText, type DataPath, type FilePlace } from './yaml-file.js';

/** The zod API the contracts are built with. */
export type Zod = typeof z;

/** A file format users write (profile, pattern, config, context pack): its schema and how its problems are worded. */
export interface Contract<S extends z.ZodType = z.ZodType> {
  readonly schema: S;
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

/**
 * A contract whose schema is built, and zod loaded, when it is first used: commands that never check a file
 * (status, wait, result) skip zod's start-up (0.1-0.15 s on a 2-core VM, a third of `status`'s time).
 */
export function defineContract<S extends z.ZodType>(noun: string, build: (z: Zod) => S, subjectOf?: SubjectOf): Contract<S> {
  let schema: S | undefined;
  return { noun, subjectOf, get schema() { return (schema ??= build(loadZod())); } };
}

/**
 * zod, through `require` (a CommonJS build) so that loading it late stays synchronous: the one-file bundle
 * the build makes (dist/chunks/zod.cjs; from node_modules zod is ~130 files to read), else zod itself. Build
 * every schema with this one instance: `.meta()` descriptions live in its registry, which z.toJSONSchema reads.
 */
export function loadZod(): Zod {
  return (createRequire(import.meta.url)(existsSync(zodBundle) ? zodBundle : 'zod') as { z: Zod }).z;
}
