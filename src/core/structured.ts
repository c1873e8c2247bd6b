// What an agent said about its own turn in its JSON output (`lastMessage: json | jsonl`): the answer, its
// session id, whether it failed and why, the tool calls it was refused, usage and cost. Read from the
// worker's stdout file through the profile's paths; nothing here guesses from text.
import { readFileSync } from 'node:fs';
import { type JsonPaths } from './worker.js';

/** The agent's own account of its turn; every field only as the agent gave it. */
export interface AgentReport {
  result?: string;
  sessionId?: string;
  error?: boolean;
  errorText?: string;
  denied?: unknown[];
  usage?: unknown;
  cost?: number;
}

/** The value at a path like `.a.b[0]` in parsed JSON, or undefined. */
export function pick(value: unknown, path: string): unknown {
  let here = value;
  for (const [, key, index] of path.matchAll(/\.([A-Za-z_][\w-]*)|\[(\d+)\]/g)) {
    if (here === null || typeof here !== 'object') return undefined;
    const at = key ?? Number(index);
    if (!Object.hasOwn(here, at)) return undefined; // never an inherited key (.constructor, .toString)
    here = (here as Record<string | number, unknown>)[at];
  }
  return here;
}

function parse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

// One JSON object, pretty-printed or not; a banner printed before it is skipped (from the first line that opens one).
function parseWhole(text: string): unknown {
  const whole = parse(text.trim());
  if (whole !== undefined) return whole;
  const start = text.search(/^\s*\{/m);
  return start > 0 ? parse(text.slice(start).trim()) : undefined;
}

/** Reads the agent's report from its JSON output: one object (json) or one object a line (jsonl). */
export function readReport(text: string, kind: 'json' | 'jsonl', paths: JsonPaths): AgentReport {
  const objects = kind === 'json' ? [parseWhole(text)] : text.split('\n').filter((l) => l.trimStart().startsWith('{')).map(parse);
  const found = objects.filter((o) => o !== null && typeof o === 'object');
  const report: AgentReport = {};
  for (const o of found) {
    const id = paths.sessionId ? pick(o, paths.sessionId) : undefined;
    if (typeof id === 'string' && id) {
      report.sessionId = id;
      break;
    }
  }
  const has = (o: unknown, path?: string) => path !== undefined && pick(o, path) !== undefined;
  const final = [...found].reverse().find((o) => has(o, paths.result) || has(o, paths.error));
  if (!final) return report;
  const result = pick(final, paths.result);
  if (typeof result === 'string') report.result = result;
  if (paths.error) {
    const error = pick(final, paths.error);
    if (error !== undefined && error !== null) report.error = error !== false && error !== '' && error !== 'false' && error !== 0;
  }
  // The first path with something to say: claude's `result` holds its error text, its `subtype` only a category.
  for (const path of [paths.errorText ?? []].flat()) {
    const why = pick(final, path);
    const text = typeof why === 'string' ? why.trim() : why === undefined || why === null ? '' : JSON.stringify(why);
    if (text) {
      report.errorText = text;
      break;
    }
  }
  if (paths.denied) {
    const denied = pick(final, paths.denied);
    if (Array.isArray(denied)) report.denied = denied;
  }
  if (paths.usage) report.usage = pick(final, paths.usage);
  if (paths.cost) {
    const cost = pick(final, paths.cost);
    if (typeof cost === 'number') report.cost = cost;
  }
  return report;
}

/** Why the agent's own report says its turn did not succeed, or undefined when it does not say so. */
export function reportedFailure(report: AgentReport, sandbox?: string): string | undefined {
  if (report.error) return `the agent reported an error${report.errorText ? `: ${oneLine(report.errorText)}` : ''}`;
  if (report.denied && report.denied.length > 0) {
    const tools = [...new Set(report.denied.map((d) => String(pick(d, '.tool_name') ?? pick(d, '.name') ?? pick(d, '.tool') ?? '?')))];
    return `blocked: the agent was refused ${report.denied.length} tool call${report.denied.length === 1 ? '' : 's'} (${tools.join(', ')})${sandbox ? ` under --sandbox ${sandbox}` : ''}`;
  }
  return undefined;
}

/** The first non-empty line of a text, trimmed to a length a reason column can show. */
export function oneLine(text: string, max = 200): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
