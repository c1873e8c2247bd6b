#!/usr/bin/env node
// The program an agent runs when it asks permission (its PermissionRequest hook), for one worker:
//   node hook-main.js WORKER_DIR approval SOCKET WORKER_CHANNEL EVENTS_CHANNEL   < the agent's event JSON
// It applies the run's frozen approval policy, records the request and the decision (hooks.jsonl and an
// event), tells the user at once when a person must answer, wakes the channels, and prints the decision in
// the agent's own format (nothing when a person must answer: the agent then shows its prompt).
// It is on the path of the agent's turn: it loads only what it needs (no config-file machinery, no tmux
// client unless the policy tells attached clients).
import { appendFileSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { runProgram } from '../os/run-program.js';
import { appendEvent } from '../store/events.js';
import { runPaths } from '../core/paths.js';
import { DEFAULT_POLICY, type Policy } from '../core/policy-defaults.js';
import { frozenPolicy } from '../store/policy-snapshot.js';
import { notify } from './notify.js';
import { approvalVerdict } from '../core/policy.js';
import { decisionOutput, requestText } from '../core/hooks.js';
import { HOOK_SIGNAL_TIMEOUT_MS } from '../core/timing.js';

async function main(): Promise<void> {
  const [workerDir, fact, socket, workerChannel, eventsChannel] = process.argv.slice(2);
  if (!workerDir || fact !== 'approval' || !socket || !workerChannel || !eventsChannel) {
    process.stderr.write('usage: hook-main.js WORKER_DIR approval SOCKET WORKER_CHANNEL EVENTS_CHANNEL\n');
    return; // exit 0, no output: the agent asks a person as it would without us
  }
  const raw = readFileSync(0, 'utf8');
  let event: Record<string, unknown> | null = null;
  try {
    event = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    event = null;
  }
  const runDir = dirname(dirname(workerDir));
  const worker = basename(workerDir);
  const run = JSON.parse(readFileSync(runPaths(runDir).runJson, 'utf8')) as { id: string; session: string };
  let policy: Policy;
  try {
    policy = frozenPolicy(runDir) ?? DEFAULT_POLICY;
  } catch {
    policy = DEFAULT_POLICY; // a damaged snapshot: the safe defaults ask a person
  }
  const request = requestText(event);
  const verdict = approvalVerdict(policy, request);
  const line = { time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), fact: 'approval', event, decision: verdict.decision, why: verdict.why };
  appendFileSync(`${workerDir}/hooks.jsonl`, `${JSON.stringify(line)}\n`, { mode: 0o600 });
  const kind = { allow: 'hook.approved', deny: 'hook.denied', ask: 'hook.asked' }[verdict.decision];
  appendEvent(runDir, { worker, kind, detail: { by: 'hook', request: request.slice(0, 500), why: verdict.why, tool: event?.tool_name ?? null } });
  const tmux = policy.notify.tmux ? new (await import('../tmux/index.js')).Tmux({ socketPath: socket }) : undefined;
  const notice = (ev: string) => notify(policy, tmux, run.session, { event: ev, run: run.id, worker, runDir, time: new Date().toISOString(), detail: { prompt: request.slice(0, 500), why: verdict.why, by: 'hook' } });
  // The agent's answer first (it waits for it), then the people and the waiters.
  process.stdout.write(decisionOutput(String(event?.hook_event_name ?? 'PermissionRequest'), verdict.decision, `orch-tmux: ${verdict.why}`));
  if (verdict.decision === 'ask') await notice('waiting_approval');
  else if (verdict.decision === 'deny') await notice('denied');
  await runProgram('tmux', ['-S', socket, 'wait-for', '-S', workerChannel, ';', 'wait-for', '-S', eventsChannel], { timeoutMs: HOOK_SIGNAL_TIMEOUT_MS });
}

main().catch((error) => {
  // Never block the agent: no output means it asks a person, as it would without hooks.
  process.stderr.write(`orch-tmux hook: ${String((error as Error)?.message ?? error)}\n`);
});
