import type { z } from 'zod';
import type { DataPath } from './yaml-file.js';

type Issue = z.core.$ZodIssue;

/** The parts of a zod schema's definition the wording reads: an object's keys, a list's item type. */
interface SchemaDef {
  type?: string;
  shape?: Record<string, unknown>;
  element?: { _zod?: { def?: SchemaDef } };
}

/** Names the part of a file a path is in (`stage review: `) and the path left inside that part. */
export type SubjectOf = (path: DataPath, value: unknown) => { subject: string; rest: DataPath } | undefined;

/** Zod's error map for the contracts: an issue's message is what was expected there, in the user's words. */
export function expectedText(issue: z.core.$ZodRawIssue): string {
  const def = (issue.inst as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
  switch (issue.code) {
    case 'invalid_type': return typeText(issue.expected, def);
    case 'invalid_value': return choices(issue.values.map(String));
    case 'unrecognized_keys': return Object.keys(def?.shape ?? {}).join(', ');
    case 'invalid_union': return choices([...new Set(issue.errors.map((branch) => branch.find((i) => i.path.length === 0)?.message).filter((m) => m !== undefined))]);
    case 'too_small': return boundText(issue.origin, Number(issue.minimum), issue.inclusive !== false, 'least');
    case 'too_big': return boundText(issue.origin, Number(issue.maximum), issue.inclusive !== false, 'most');
    case 'invalid_format': return issue.format === 'regex' ? `text matching ${issue.pattern}` : `a valid ${issue.format}`;
    case 'invalid_key': return issue.issues[0]?.message ?? 'a valid key';
    default: return 'a valid value';
  }
}

/** One issue as one line (what is wrong, what was expected, what was found) and the path whose line it names. */
export function describeIssue(found: Issue, noun: string, value: unknown, subjectOf?: SubjectOf): { text: string; path: DataPath } {
  const issue = innermost(found);
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  if (issue.code === 'custom') return { text: issue.message, path };
  if (path.length === 0) return { text: `${noun} is a YAML mapping (expected ${issue.message}, got ${gotText(issue.input)})`, path };
  const part = subjectOf?.(path, value);
  const subject = part && part.rest.length > 0 ? part.subject : '';
  const key = `\`${pathText(subject ? part!.rest : path)}\``;
  const expected = issue.message;
  const got = gotText(issue.input);
  switch (issue.code) {
    case 'unrecognized_keys': return { text: `${subject}unknown key ${key} (known: ${expected})`, path };
    case 'invalid_type':
    case 'invalid_union':
      if (issue.input === undefined) return { text: `${subject}${key} is required (expected ${expected})`, path };
      if (issue.input === null) return { text: `${subject}${key} is empty (expected ${expected})`, path };
      return { text: `${subject}${key} has the wrong type (expected ${expected}, got ${got})`, path };
    case 'invalid_value': return { text: `${subject}${key} has an unknown value (expected ${expected}, got ${got})`, path };
    case 'too_small':
      if (isEmpty(issue.input)) return { text: `${subject}${key} is empty (expected ${expected})`, path };
      return { text: `${subject}${key} is too small (expected ${expected}, got ${got})`, path };
    case 'too_big': return { text: `${subject}${key} is too big (expected ${expected}, got ${got})`, path };
    case 'invalid_format': return { text: `${subject}${key} is not in the expected form (expected ${expected}, got ${got})`, path };
    case 'invalid_key': {
      const parent = subject ? part!.rest.slice(0, -1) : path.slice(0, -1);
      return { text: `${subject}\`${pathText(parent)}\` has a bad key (expected ${expected}, got ${gotText(path.at(-1))})`, path };
    }
    default: return { text: `${subject}${key} is invalid (expected ${expected}, got ${got})`, path };
  }
}

// A union where one branch got past the type (a list with a bad item) says more through that branch's issue.
function innermost(issue: Issue): Issue {
  if (issue.code !== 'invalid_union') return issue;
  const deeper = issue.errors.filter((branch) => branch.some((i) => i.path.length > 0 || i.code !== 'invalid_type'));
  const inner = deeper.length === 1 ? deeper[0]![0] : undefined;
  return inner ? innermost({ ...inner, path: [...issue.path, ...inner.path] }) : issue;
}

function typeText(expected: string, def: SchemaDef | undefined): string {
  switch (expected) {
    case 'string': return 'text';
    case 'number': return 'a number';
    case 'int': return 'a whole number';
    case 'boolean': return 'true or false';
    case 'array': return def?.element?._zod?.def?.type === 'string' ? 'a list of strings' : 'a list';
    case 'object': return def?.shape ? `a mapping with keys ${Object.keys(def.shape).join(', ')}` : 'a mapping';
    case 'record': return 'a mapping';
    default: return expected;
  }
}

function boundText(origin: string, n: number, inclusive: boolean, side: 'least' | 'most'): string {
  if (origin === 'array') return side === 'least' && n === 1 ? 'at least one item' : `at ${side} ${n} items`;
  if (origin === 'string') return side === 'least' && n === 1 ? 'non-empty text' : `at ${side} ${n} characters`;
  if (side === 'least') return inclusive ? `${n} or more` : `more than ${n}`;
  return inclusive ? `${n} or less` : `less than ${n}`;
}

function choices(words: string[]): string {
  return words.length < 2 ? (words[0] ?? 'nothing') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function isEmpty(input: unknown): boolean {
  return (typeof input === 'string' || Array.isArray(input)) && input.length === 0;
}

/** A path as the user writes it: `states.working[2]`. */
export function pathText(path: DataPath): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

/** A value found in the file, short: `"batch"`, `3`, `a list`, `nothing`. */
export function gotText(input: unknown): string {
  if (input === undefined || input === null) return 'nothing';
  if (typeof input === 'string') return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}...` : input);
  if (Array.isArray(input)) return input.length ? 'a list' : 'an empty list';
  if (typeof input === 'object') return 'a mapping';
  return String(input);
}
