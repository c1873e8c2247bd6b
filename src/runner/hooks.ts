// Lifecycle hooks: the agent tells us what it does (session, working, asking approval, turn done) by running
// scripts/orch-hook for each event, which appends a line to the worker's hooks.jsonl. This module installs
// them for one worker (argv and files, never the user's or the repository's agent config) and reads them back.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../os/package.js';
import { workerPaths } from '../core/paths.js';
import { shellWord } from '../core/shell-quote.js';
import { HOOK_FACTS, type HookFact, type HookLine, type HookSpec } from '../core/hooks.js';
import { HOOK_TIMEOUT_S } from '../core/timing.js';

/** The program the agent runs for facts (POSIX sh). */
export const hookScript = join(packageRoot, 'scripts', 'orch-hook');
/** The program the agent runs for approvals (Node: it applies the run's policy). */
export const hookDecider = join(packageRoot, 'dist', 'supervise', 'hook-main.js');

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


/** The argv items and files that install a worker's hooks, for this invocation only. */
export function installHooks(spec: HookSpec, t: HookTarget): { argv: string[]; files: Record<string, string> } {
  const byEvent = Object.entries(spec.events).map(([event, fact]) => ({ event, fact, command: hookCommand(fact, t), timeout: fact === 'approval' ? HOOK_TIMEOUT_S.approval : HOOK_TIMEOUT_S.other }));
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
