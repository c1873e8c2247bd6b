import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';

/** How to start, feed, read, resume and drive one agent CLI (the agent-profile contract). */
export interface AgentProfile {
  name: string;
  description?: string;
  mode: 'exec' | 'interactive';
  command: string[];
  prompt: 'stdin' | 'arg' | 'file' | 'none';
  lastMessage: 'file' | 'stdout' | 'pane';
  sessionId?: { from: 'output' | 'pane' | 'stdout' | 'stderr'; regex: string };
  resume?: string[];
  /** The text a resumed exec agent gets on stdin. */
  resumePrompt?: string;
  env: Record<string, string>;
  states: { working?: string[]; approval?: string[]; idle?: string[]; rateLimited?: string[]; footer?: string[] };
  keys: { approve: string[]; deny: string[]; interrupt: string[]; submit: string[] };
  /** Where the profile came from (a file path or `builtin:NAME`). */
  source: string;
  /** Folder that relative paths in `command` are resolved against. */
  baseDir: string;
}

const KEYS = new Set(['name', 'description', 'mode', 'command', 'prompt', 'lastMessage', 'sessionId', 'resume', 'resumePrompt', 'env', 'states', 'keys']);
const STATE_KEYS = new Set(['working', 'approval', 'idle', 'rateLimited', 'footer']);
const KEY_KEYS = new Set(['approve', 'deny', 'interrupt', 'submit']);

/** Placeholders every profile may use in `command` and `resume`; `--var` names add to them. */
export const PROFILE_PLACEHOLDERS = ['promptFile', 'lastMessageFile', 'workerDir', 'runDir', 'cwd', 'sandbox', 'sessionId'] as const;

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
  if (!['file', 'stdout', 'pane'].includes(lastMessage as string)) fail(source, '`lastMessage` must be file, stdout or pane');
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
  const profile: AgentProfile = {
    name: o.name as string, description: o.description as string | undefined, mode, command,
    prompt: prompt as AgentProfile['prompt'], lastMessage: lastMessage as AgentProfile['lastMessage'],
    sessionId, resume, resumePrompt, env, states, keys, source, baseDir,
  };
  return profile;
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
