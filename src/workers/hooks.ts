// Lifecycle hooks: the agent tells us what it does (session, working, asking approval, turn done) by running
// scripts/orch-hook for each event, which appends a line to the worker's hooks.jsonl. This module installs
// them for one worker (argv and files, never the user's or the repository's agent config) and reads them back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { workerPaths } from '../runs/paths.js';
import { shellWord } from '../shell-quote.js';

/** What a hook line says about the worker: our words for the agent's events. */
export const HOOK_FACTS = ['session', 'working', 'tool', 'approval', 'turn_done'] as const;
/** One of our hook facts. */
export type HookFact = (typeof HOOK_FACTS)[number];

/** How an agent loads hooks for one invocation: codex takes `-c hooks.<Event>=...`, claude a `--settings` file. */
export const HOOK_INSTALLERS = ['codex', 'claude'] as const;

/** A profile's `hooks:`: how to install them, and which of the agent's events mean which fact. */
export interface HookSpec {
  install: (typeof HOOK_INSTALLERS)[number];
  events: Record<string, HookFact>;
}

/** One line of hooks.jsonl: when, what it means, the agent's own event, and (approvals) what was decided. */
export interface HookLine {
  time: string;
  fact: HookFact;
  event: Record<string, unknown> | null;
  decision?: 'allow' | 'deny' | 'ask';
  why?: string;
  /** 1-based line number in hooks.jsonl, for `explain`. */
  line: number;
}

/** The program the agent runs for facts (POSIX sh). */
export const hookScript = join(packageRoot, 'scripts', 'orch-hook');
/** The program the agent runs for approvals (Node: it applies the run's policy). */
export const hookDecider = join(packageRoot, 'dist', 'workers', 'hook-main.js');

/** Every readable line of a worker's hooks.jsonl (a torn or foreign line is skipped). */
export function readHookLines(worker: { runDir: string; name: string }): HookLine[] {
  let text: string;
  try {
    text = readFileSync(workerPaths(worker.runDir, worker.name).hooks, 'utf8');
  } catch {
    return [];
  }
  const out: HookLine[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    try {
      const v = JSON.parse(raw) as HookLine;
      if (typeof v.time === 'string' && (HOOK_FACTS as readonly string[]).includes(v.fact)) out.push({ ...v, line: i + 1 });
    } catch {
      /* a line the agent's payload broke: not evidence */
    }
  });
  return out;
}

/** The newest hook line of a worker whose profile has hooks (undefined without hooks or before the first). */
export function newestHookLine(rec: { hooks?: HookSpec; runDir: string; name: string }): HookLine | undefined {
  return rec.hooks ? readHookLines(rec).at(-1) : undefined;
}

/** The session id the agent's SessionStart hook gave, newest first. */
export function hookSessionId(lines: HookLine[]): string | undefined {
  for (const l of [...lines].reverse()) {
    const id = l.fact === 'session' ? l.event?.session_id : undefined;
    if (typeof id === 'string' && id) return id;
  }
  return undefined;
}

/** What an approval request asks, as text the allow and deny lists match: the command itself for a shell tool. */
export function requestText(event: Record<string, unknown> | null): string {
  const tool = String(event?.tool_name ?? 'tool');
  const input = event?.tool_input as Record<string, unknown> | undefined;
  if (input && typeof input.command === 'string') return input.command;
  return `${tool} ${JSON.stringify(input ?? {})}`;
}

// One string for TOML (a basic string: backslash and quote escaped, control characters as \uXXXX).
function tomlString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\x00-\x1f\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** Where the hook of one worker reports: its folder, the tmux socket, its channel and the server's events channel. */
export interface HookTarget {
  workerDir: string;
  socket: string;
  workerChannel: string;
  eventsChannel: string;
}

/** The shell line the agent runs for one event (the agent runs hooks through its shell; every word is quoted). */
export function hookCommand(fact: HookFact, t: HookTarget, node = process.execPath): string {
  const tail = [t.workerDir, fact, t.socket, t.workerChannel, t.eventsChannel];
  const argv = fact === 'approval' ? [node, hookDecider, ...tail] : ['/bin/sh', hookScript, ...tail];
  return argv.map(shellWord).join(' ');
}

/** Seconds the agent waits for a hook: approvals may start Node and run the notify command. */
const TIMEOUT = { approval: 30, other: 10 };

/** The argv items and files that install a worker's hooks, for this invocation only. */
export function installHooks(spec: HookSpec, t: HookTarget): { argv: string[]; files: Record<string, string> } {
  const byEvent = Object.entries(spec.events).map(([event, fact]) => ({ event, fact, command: hookCommand(fact, t), timeout: fact === 'approval' ? TIMEOUT.approval : TIMEOUT.other }));
  if (spec.install === 'codex') {
    // -c hooks are "untrusted" to codex until a person reviews them; these are ours, written for this worker.
    const argv = ['--dangerously-bypass-hook-trust'];
    for (const h of byEvent) argv.push('-c', `hooks.${h.event}=[{hooks=[{type="command",command=${tomlString(h.command)},timeout=${h.timeout}}]}]`);
    return { argv, files: {} };
  }
  const hooks: Record<string, unknown[]> = {};
  for (const h of byEvent) hooks[h.event] = [{ matcher: '*', hooks: [{ type: 'command', command: h.command, timeout: h.timeout }] }];
  const file = join(t.workerDir, 'hooks.json');
  return { argv: ['--settings', file], files: { [file]: `${JSON.stringify({ hooks }, null, 2)}\n` } };
}

/** The agent's answer to a permission request (codex and claude read the same shape); nothing for "ask". */
export function decisionOutput(event: string, decision: 'allow' | 'deny' | 'ask', why: string): string {
  if (decision === 'ask') return '';
  const body = decision === 'allow' ? { behavior: 'allow' } : { behavior: 'deny', message: why };
  return `${JSON.stringify({ hookSpecificOutput: { hookEventName: event, decision: body } })}\n`;
}
