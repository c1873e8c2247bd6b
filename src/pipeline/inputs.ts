// A pattern run's inputs: what `review` and `run` were given (saved in run.json so --resume carries on), the
// environment they run in, and the checks that turn --var values and files into the pattern's variables.
import { resolve } from 'node:path';
import type { AgentProfile } from '../agents/profile.js';
import { profileVariables } from '../agents/resolve.js';
import type { TemplateRegistry } from '../agents/templates.js';
import { checkContract } from '../contracts/contract.js';
import { contextContract } from '../contracts/context.js';
import { parseYamlFile } from '../contracts/yaml-file.js';
import { UsageError } from '../core/errors.js';
import { looksBinary, readUserFile } from '../os/files.js';
import type { TmuxServer } from '../tmux/index.js';
import { pickLenses } from './lenses.js';
import type { Pattern } from './pattern.js';

/** Documents up to this size go to reviewers inline as well as by path. */
export const INLINE_LIMIT = 48 * 1024;

/** What a pattern run needs besides the pattern; saved in run.json so --resume can carry on. */
export interface PatternInputs {
  patternFile: string;
  vars: Record<string, string>;
  agent: string;
  synthAgent?: string;
  dryRun: boolean;
  /** --worktrees: false (the user's tree), true (one worktree for the run), or `per-writer` (one per writer, merged after). */
  worktrees: boolean | 'per-writer';
  noSynth: boolean;
  context: Record<string, string>;
  /** --hosts: where read-only workers may run (`local` is this machine); the synthesis and writers stay here. */
  hosts?: string[];
  /** What the user typed for a variable when it was not `--var NAME` (review: the document argument, --lenses). */
  labels?: Record<string, string>;
  /** --budget-usd: past this reported cost nothing new starts, the live workers stop, and the run ends over_budget. */
  budgetUsd?: number;
  /** --budget-tokens: the same for the input and output tokens the agents reported (cache reads not counted). */
  budgetTokens?: number;
  /** --budget-minutes: the same for the workers' summed wall time (for agents that report no usage). */
  budgetMinutes?: number;
  /** --max-parallel: at most this many of the run's workers live at once; the rest wait their turn, in order. */
  maxParallel?: number;
  /** --rounds: how many times a verdict stage may send its FAIL back to its `verdict.retry` stage (1: never). */
  rounds?: number;
}

/** The environment a pattern run works in. */
export interface PatternEnv {
  server: TmuxServer;
  env: NodeJS.ProcessEnv;
  cwd: string;
  runsRoot: string;
  templates: TemplateRegistry;
  /** Where warnings for people go (an untrusted project config). */
  warn?: (line: string) => void;
}

/** Reads a --context YAML file of context-pack parts; a problem is one line `--context FILE:LINE: ...`. */
export function readContextFile(path: string): Record<string, string> {
  const place = { label: '--context ', file: path };
  const yaml = parseYamlFile(readUserFile(path, '--context').toString('utf8'), place);
  return checkContract(contextContract, yaml.value, place, yaml.lineOf);
}

/** Checks a document: it must exist, be a readable regular file, and be text. */
export function checkDocument(path: string, flag = 'document'): { path: string; text: string } {
  const bytes = readUserFile(path, flag, 16 * 1024 * 1024);
  if (looksBinary(bytes)) throw new UsageError(`${flag} ${JSON.stringify(path)} looks binary (NUL bytes or invalid UTF-8): give a text file`);
  if (bytes.toString('utf8').trim() === '') throw new UsageError(`${flag} ${JSON.stringify(path)} is empty: give a document with some text`);
  return { path: resolve(path), text: bytes.toString('utf8') };
}

/** The `--var` values meant for the agent profiles (their own placeholders, e.g. `command` for `shell`). */
export function agentVars(given: Record<string, string>, profiles: AgentProfile[]): Record<string, string> {
  const wanted = new Set(profiles.flatMap(profileVariables));
  return Object.fromEntries(Object.entries(given).filter(([k]) => wanted.has(k)));
}

/** Pattern variables with defaults applied and types checked; files become absolute paths plus `<name>_text`. `agentNames` are the profiles' own variables. */
export function resolvePatternVars(pattern: Pattern, given: Record<string, string>, agentNames: string[] = [], labels: Record<string, string> = {}): Record<string, string> {
  // Messages name what the user typed: `review doc.md` gave `doc` as its argument, not as --var doc.
  const flag = (name: string) => labels[name] ?? `--var ${name}`;
  for (const name of Object.keys(given)) {
    if (!(name in pattern.variables) && !agentNames.includes(name)) {
      const agent = agentNames.length ? `, and the agent takes: ${[...new Set(agentNames)].join(', ')}` : '';
      throw new UsageError(`Unknown variable \`${name}\` for pattern ${pattern.name}; it takes: ${Object.keys(pattern.variables).join(', ') || 'none'}${agent}`);
    }
  }
  // Every missing variable in one message.
  const missing = Object.entries(pattern.variables).filter(([name, spec]) => spec.required && !(given[name] ?? spec.default));
  if (missing.length) {
    const what = missing.map(([name, spec]) => `--var ${name}=...${spec.description ? ` (${spec.description})` : ''}`).join(', ');
    throw new UsageError(`Missing variable${missing.length > 1 ? 's' : ''} ${missing.map(([n]) => `\`${n}\``).join(', ')} for pattern ${pattern.name}: pass ${what}`);
  }
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(pattern.variables)) {
    const value = given[name] ?? spec.default;
    if (value === undefined) {
      values[name] = '';
      continue;
    }
    if (spec.type === 'file') {
      const doc = checkDocument(value, flag(name));
      values[name] = doc.path;
      values[`${name}_text`] = Buffer.byteLength(doc.text) <= INLINE_LIMIT ? doc.text : '';
    } else if (spec.type === 'lenses') {
      values[name] = pickLenses(value).map((l) => l.id).join(',');
    } else if (spec.type === 'int') {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 8) throw new UsageError(`Expected ${flag(name)} to be a whole number from 1 to 8, got ${JSON.stringify(value)}`);
      values[name] = value;
    } else {
      values[name] = value;
    }
  }
  return values;
}

/** An agent given as a path (./agent.yaml) made absolute; a built-in name stays as it is. */
export function absoluteRef(ref: string, cwd: string): string {
  return ref.includes('/') || ref.endsWith('.yaml') || ref.endsWith('.yml') ? resolve(cwd, ref) : ref;
}
