import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';
import type { HookSpec } from '../workers/hooks.js';

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
  states: { working?: string[]; approval?: string[]; gate?: string[]; idle?: string[]; rateLimited?: string[]; footer?: string[] };
  keys: { approve: string[]; deny: string[]; interrupt: string[]; submit: string[] };
  /** Our sandbox modes to the agent's own argv items; a whole `{{sandbox}}` item expands to them. */
  sandbox?: Partial<Record<SandboxMode, string[]>>;
  /** The agent's own flags that turn web search on; a whole `{{webSearch}}` item expands to them for
   * stages that ask for it (researchers) and to nothing otherwise. */
  webSearch?: string[];
  /** Lifecycle hooks: how to install them for one worker (a whole `{{hooks}}` item) and what its events mean. */
  hooks?: HookSpec;
  /** Silence defaults (seconds) for this agent, under whatever the user's policy files say. */
  silence?: Partial<Record<'pokeAfter' | 'interruptAfter' | 'killAfter', number>>;
  /** What the agent's own exit codes mean, for the reason a failed worker shows. */
  exitCodes?: Record<string, string>;
  /** The agent CLI version this profile was proven with (doctor shows it beside the one found). */
  proven?: string;
  /** Where the profile came from (a file path or `builtin:NAME`). */
  source: string;
  /** Folder that relative paths in `command` are resolved against. */
  baseDir: string;
}

/** Where a worker's answer comes from: a file the agent writes, its stdout, its pane, or its JSON on stdout. */
export type LastMessage = 'file' | 'stdout' | 'pane' | 'json' | 'jsonl';

/** Our sandbox modes; a profile maps each to its agent's own flags. */
export const SANDBOX_MODES = ['read-only', 'workspace-write', 'danger-full-access'] as const;
/** One of our sandbox modes. */
export type SandboxMode = (typeof SANDBOX_MODES)[number];

/**
 * Paths (`.a.b`, `.list[0]`) into the agent's JSON: `result` (the answer, required), `sessionId`, `error`
 * (true when the agent says the turn failed), `errorText` (why), `denied` (tool calls it was refused),
 * `usage`, `cost`. For jsonl, `sessionId` is read from the first line that has it, the rest from the last
 * line that has `result` or `error`.
 */
export interface JsonPaths {
  result: string;
  sessionId?: string;
  error?: string;
  errorText?: string;
  denied?: string;
  usage?: string;
  cost?: string;
}

const KEYS = new Set(['name', 'description', 'mode', 'command', 'prompt', 'lastMessage', 'json', 'sessionId', 'resume', 'resumePrompt', 'sessionMissing', 'env', 'states', 'keys', 'sandbox', 'webSearch', 'silence', 'exitCodes', 'proven']);
const JSON_KEYS = new Set(['result', 'sessionId', 'error', 'errorText', 'denied', 'usage', 'cost']);
const SILENCE_KEYS = new Set(['pokeAfter', 'interruptAfter', 'killAfter']);
const JSON_PATH = /^(\.[A-Za-z_][\w-]*|\[\d+\])+$/;
const STATE_KEYS = new Set(['working', 'approval', 'gate', 'idle', 'rateLimited', 'footer']);
const KEY_KEYS = new Set(['approve', 'deny', 'interrupt', 'submit']);

/** Placeholders every profile may use in `command` and `resume`; `--var` names add to them. */
export const PROFILE_PLACEHOLDERS = ['promptFile', 'lastMessageFile', 'workerDir', 'runDir', 'cwd', 'sandbox', 'webSearch', 'sessionId', 'newSessionId'] as const;

function fail(source: string, what: string): never {
  throw new UsageError(`Agent profile ${source}: ${what}`);
}

function stringList(source: string, key: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(source, `\`${key}\` must be a list of strings`);
  return value as string[];
}

/** Checks a parsed YAML object against the contract; unknown keys and bad values name themselves. */
export function validateProfile(raw: unknown, source: string, baseDir: string): AgentProfile {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail(source, 'expected a YAML mapping');
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!KEYS.has(key)) fail(source, `unknown key \`${key}\` (known: ${[...KEYS].join(', ')})`);
  if (typeof o.name !== 'string' || !o.name) fail(source, '`name` is required');
  const mode = o.mode ?? 'exec';
  if (mode !== 'exec' && mode !== 'interactive') fail(source, '`mode` must be exec or interactive');
  const command = stringList(source, 'command', o.command);
  if (command.length === 0) fail(source, '`command` must not be empty');
  const prompt = o.prompt ?? 'stdin';
  if (!['stdin', 'arg', 'file', 'none'].includes(prompt as string)) fail(source, '`prompt` must be stdin, arg, file or none');
  if (prompt === 'file' && !command.some((c) => c.includes('{{promptFile}}'))) fail(source, '`prompt: file` needs {{promptFile}} in `command`');
  const lastMessage = o.lastMessage ?? 'stdout';
  if (!['file', 'stdout', 'pane', 'json', 'jsonl'].includes(lastMessage as string)) fail(source, '`lastMessage` must be file, stdout, pane, json or jsonl');
  const json = jsonPaths(source, o.json, lastMessage as LastMessage);
  if (lastMessage === 'file' && !command.some((c) => c.includes('{{lastMessageFile}}'))) fail(source, '`lastMessage: file` needs {{lastMessageFile}} in `command`');
  let sessionId: AgentProfile['sessionId'];
  if (o.sessionId !== undefined) {
    const s = o.sessionId as Record<string, unknown>;
    if (!s || typeof s !== 'object' || typeof s.regex !== 'string') fail(source, '`sessionId` needs `regex` (and `from`)');
    for (const key of Object.keys(s)) if (key !== 'from' && key !== 'regex') fail(source, `unknown key \`sessionId.${key}\``);
    const from = (s.from ?? 'output') as string;
    if (!['output', 'pane', 'stdout', 'stderr'].includes(from)) fail(source, '`sessionId.from` must be output, pane, stdout or stderr');
    try { new RegExp(s.regex as string); } catch { fail(source, `\`sessionId.regex\` is not a valid regex: ${String(s.regex)}`); }
    sessionId = { from: from as 'output', regex: s.regex as string };
  }
  const resume = o.resume === undefined ? undefined : stringList(source, 'resume', o.resume);
  const env: Record<string, string> = {};
  if (o.env !== undefined && o.env !== null) {
    if (typeof o.env !== 'object' || Array.isArray(o.env)) fail(source, '`env` must be a mapping');
    for (const [k, v] of Object.entries(o.env as object)) env[k] = String(v);
  }
  const states: AgentProfile['states'] = {};
  for (const [k, v] of Object.entries((o.states ?? {}) as object)) {
    if (!STATE_KEYS.has(k)) fail(source, `unknown key \`states.${k}\` (known: ${[...STATE_KEYS].join(', ')})`);
    const list = stringList(source, `states.${k}`, v);
    for (const re of list) { try { new RegExp(re, 'm'); } catch { fail(source, `\`states.${k}\` has an invalid regex: ${re}`); } }
    states[k as keyof AgentProfile['states']] = list;
  }
  const keys: AgentProfile['keys'] = { approve: ['y'], deny: ['Escape'], interrupt: ['C-c'], submit: ['Enter'] };
  for (const [k, v] of Object.entries((o.keys ?? {}) as object)) {
    if (!KEY_KEYS.has(k)) fail(source, `unknown key \`keys.${k}\` (known: ${[...KEY_KEYS].join(', ')})`);
    keys[k as keyof AgentProfile['keys']] = stringList(source, `keys.${k}`, v);
  }
  const resumePrompt = o.resumePrompt === undefined ? undefined : String(o.resumePrompt);
  const sessionMissing = o.sessionMissing === undefined ? undefined : String(o.sessionMissing);
  if (sessionMissing !== undefined) {
    try { new RegExp(sessionMissing); } catch { fail(source, `\`sessionMissing\` is not a valid regex: ${sessionMissing}`); }
  }
  const profile: AgentProfile = {
    name: o.name as string, description: o.description as string | undefined, mode, command,
    prompt: prompt as AgentProfile['prompt'], lastMessage: lastMessage as LastMessage, json,
    sessionId, resume, resumePrompt, sessionMissing, env, states, keys, source, baseDir,
    sandbox: sandboxMap(source, o.sandbox), silence: silenceDefaults(source, o.silence), exitCodes: exitCodes(source, o.exitCodes),
    proven: o.proven === undefined ? undefined : String(o.proven),
    webSearch: o.webSearch === undefined ? undefined : stringList(source, 'webSearch', o.webSearch),
  };
  return profile;
}

function mapping(source: string, key: string, value: unknown): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail(source, `\`${key}\` must be a mapping`);
  return value as Record<string, unknown>;
}

function jsonPaths(source: string, value: unknown, lastMessage: LastMessage): JsonPaths | undefined {
  const structured = lastMessage === 'json' || lastMessage === 'jsonl';
  if (value === undefined) {
    if (structured) fail(source, `\`lastMessage: ${lastMessage}\` needs \`json: { result: .path }\` (where the answer is in the agent's JSON)`);
    return undefined;
  }
  if (!structured) fail(source, '`json` is only read with `lastMessage: json` or `lastMessage: jsonl`');
  const m = mapping(source, 'json', value);
  for (const [k, v] of Object.entries(m)) {
    if (!JSON_KEYS.has(k)) fail(source, `unknown key \`json.${k}\` (known: ${[...JSON_KEYS].join(', ')})`);
    if (typeof v !== 'string' || !JSON_PATH.test(v)) fail(source, `\`json.${k}\` must be a path like .result or .data[0].text, got ${JSON.stringify(v)}`);
  }
  if (typeof m.result !== 'string') fail(source, '`json.result` is required: the path of the answer in the agent\'s JSON');
  return m as unknown as JsonPaths;
}

function sandboxMap(source: string, value: unknown): AgentProfile['sandbox'] {
  if (value === undefined) return undefined;
  const out: AgentProfile['sandbox'] = {};
  for (const [k, v] of Object.entries(mapping(source, 'sandbox', value))) {
    if (!(SANDBOX_MODES as readonly string[]).includes(k)) fail(source, `unknown key \`sandbox.${k}\` (known: ${SANDBOX_MODES.join(', ')})`);
    out[k as SandboxMode] = stringList(source, `sandbox.${k}`, v);
  }
  return out;
}

function silenceDefaults(source: string, value: unknown): AgentProfile['silence'] {
  if (value === undefined) return undefined;
  const out: NonNullable<AgentProfile['silence']> = {};
  for (const [k, v] of Object.entries(mapping(source, 'silence', value))) {
    if (!SILENCE_KEYS.has(k)) fail(source, `unknown key \`silence.${k}\` (known: ${[...SILENCE_KEYS].join(', ')})`);
    if (typeof v !== 'number' || v < 0) fail(source, `\`silence.${k}\` must be a number of seconds (0 or more)`);
    out[k as keyof typeof out] = v;
  }
  return out;
}

function exitCodes(source: string, value: unknown): AgentProfile['exitCodes'] {
  if (value === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(mapping(source, 'exitCodes', value))) {
    if (!/^\d{1,3}$/.test(k)) fail(source, `\`exitCodes\` keys must be exit codes (numbers), got ${JSON.stringify(k)}`);
    out[k] = String(v);
  }
  return out;
}

/** Parses a profile file; YAML errors carry the line. */
export function loadProfileFile(path: string, baseDir: string, source = path): AgentProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`Agent profile ${source} cannot be read: check the path`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new UsageError(`Agent profile ${source}${line ? `:${line}` : ''}: bad YAML: ${String((error as Error).message).split('\n')[0]}`);
  }
  return validateProfile(raw, source, baseDir);
}
