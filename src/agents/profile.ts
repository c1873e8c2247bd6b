import { readFileSync } from 'node:fs';
import { checkContract } from '../contracts/contract.js';
import { profileContract, SANDBOX_MODES } from '../contracts/profile.js';
import { parseYamlFile } from '../contracts/yaml-file.js';
import { UsageError } from '../core/errors.js';
import { type HookSpec } from '../core/hooks.js';
import type { JsonPaths, LastMessage } from '../core/worker.js';

/** How to start, feed, read, resume and drive one agent CLI (the agent-profile contract). */
export interface AgentProfile {
  name: string;
  description?: string;
  mode: 'exec' | 'interactive';
  command: string[];
  prompt: 'stdin' | 'arg' | 'file' | 'none';
  lastMessage: LastMessage;
  /** Paths into the agent's JSON output (`lastMessage: json | jsonl`): its answer and how its turn went. */
  json?: JsonPaths;
  sessionId?: { from: 'output' | 'pane' | 'stdout' | 'stderr'; regex: string };
  resume?: string[];
  /** The text a resumed exec agent gets on stdin. */
  resumePrompt?: string;
  /** A regex for what the agent prints when it has no such session to resume (killed before it saved
   * one): the runner then starts the task again, under a new id where the profile chose it. */
  sessionMissing?: string;
  env: Record<string, string>;
  /** The caller's variables this agent needs on another host (API keys, endpoints); a host gets nothing else of the caller's. */
  forwardEnv?: string[];
  states: { working?: string[]; approval?: string[]; gate?: string[]; idle?: string[]; rateLimited?: string[]; footer?: string[] };
  keys: { approve: string[]; deny: string[]; interrupt: string[]; submit: string[] };
  /** Our sandbox modes to the agent's own argv items; a whole `{{sandbox}}` item expands to them. */
  sandbox?: Partial<Record<SandboxMode, string[]>>;
  /** The agent's own flags that turn web search on; a whole `{{webSearch}}` item expands to them for
   * stages that ask for it (researchers) and to nothing otherwise. */
  webSearch?: string[];
  /** The agent's own flags that cap one session's spending in US dollars (Claude Code's `--max-budget-usd`): a
   * whole `{{budgetUsd}}` item expands to them and what is left of the run's --budget-usd, to nothing without one. */
  budgetUsd?: string[];
  /** Lifecycle hooks: how to install them for one worker (a whole `{{hooks}}` item) and what its events mean. */
  hooks?: HookSpec;
  /** Silence defaults (seconds) for this agent, under whatever the user's policy files say. */
  silence?: Partial<Record<'pokeAfter' | 'interruptAfter' | 'killAfter', number>>;
  /** What the agent's own exit codes mean, for the reason a failed worker shows. */
  exitCodes?: Record<string, string>;
  /** false: a worker that failed with nothing to resume is never started again from its prompt. */
  rerun: boolean;
  /** The agent CLI version this profile was proven with (doctor shows it beside the one found). */
  proven?: string;
  /** Where the profile came from (a file path or `builtin:NAME`). */
  source: string;
  /** Folder that relative paths in `command` are resolved against. */
  baseDir: string;
  /** The line of the profile file where each placeholder first appears (a loaded file's, for messages). */
  lines?: Record<string, number>;
}

/** Our sandbox modes; a profile maps each to its agent's own flags. */
export { SANDBOX_MODES };
/** One of our sandbox modes. */
export type SandboxMode = (typeof SANDBOX_MODES)[number];

/** A `{{name}}` (or `{{@name}}`) in a profile's argv: group 1 is the `@`, group 2 the name. */
export const PLACEHOLDER = /\{\{\s*(@?)([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Placeholders every profile may use in `command` and `resume`; `--var` names add to them. */
export const PROFILE_PLACEHOLDERS = ['promptFile', 'lastMessageFile', 'workerDir', 'runDir', 'cwd', 'sandbox', 'webSearch', 'budgetUsd', 'hooks', 'sessionId', 'newSessionId'] as const;

/** Checks a parsed profile (a built-in's or a test's object: no line to name) against the contract. */
export function validateProfile(raw: unknown, source: string, baseDir: string): AgentProfile {
  return { ...checkContract(profileContract, raw, { label: 'Agent profile ', file: source }), source, baseDir };
}

/** Reads a profile file; a problem is one line `Agent profile SOURCE:LINE: ...`. */
export function loadProfileFile(path: string, baseDir: string, source = path): AgentProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`Agent profile ${source} cannot be read: check the path`);
  }
  const place = { label: 'Agent profile ', file: source };
  const yaml = parseYamlFile(text, place);
  const profile = checkContract(profileContract, yaml.value, place, yaml.lineOf);
  // Lines for the user's files; a built-in is named by its name (`builtin:shell`), not by where it is installed.
  const lines: Record<string, number> = {};
  if (source === path) for (const key of ['command', 'resume'] as const) {
    (profile[key] ?? []).forEach((item, i) => {
      const line = yaml.lineOf([key, i]);
      for (const m of item.matchAll(PLACEHOLDER)) if (line !== undefined) lines[m[2]!] ??= line;
    });
  }
  return { ...profile, source, baseDir, lines };
}
