import { rmSync, writeFileSync } from 'node:fs';
import { appendEvent } from '../store/events.js';
import { workerPaths } from '../core/paths.js';

import type { Tmux } from '../tmux/index.js';
import { workerTmux } from '../sites/remote.js';
import { runOnHost } from '../sites/ssh.js';
import { panesFor } from '../sites/seen.js';
import { runPanes } from './host-sync.js';
import { FINISHED, type DerivedState, type WorkerRecord } from '../core/worker.js';
import { RefusedTransition, settleWorker, transition } from '../store/worker.js';
import { waitForWorkers } from './wait.js';
import { readWorker } from '../store/records.js';
import { type RunRecord } from '../core/run.js';
import { KILL_KILL_WAIT_MS, KILL_TERM_WAIT_MS } from '../core/timing.js';

// A remote worker's pid is a pid on its host: signalled there (`kill` over its connection), never here.
async function signal(rec: WorkerRecord | undefined, sig: NodeJS.Signals): Promise<void> {
  const pid = rec?.agentPid;
  if (!pid) return;
  if (rec.host) {
    await runOnHost(rec.host, ['kill', '-s', sig.slice(3), String(pid)]).catch(() => undefined);
    return;
  }
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Notes, before the key goes, that orch-tmux interrupts this worker's turn and why: an exec agent's turn ended so is never done. */
export function markInterrupted(runDir: string, name: string, why: string): void {
  writeFileSync(workerPaths(runDir, name).interruptRequested, `${why}\n`, { mode: 0o600 });
}

/** Takes the note back when the interrupt key could not be sent. */
export function clearInterrupted(runDir: string, name: string): void {
  rmSync(workerPaths(runDir, name).interruptRequested, { force: true });
}

/** Stops one worker: interrupt key, grace period, SIGTERM, SIGKILL; its state becomes killed, its result stays. */
export async function killWorker(run: RunRecord, tmux: Tmux, name: string, graceMs: number): Promise<DerivedState> {
  const rec = readWorker(run.dir, name);
  if (!rec || FINISHED.has(rec.state)) return rec?.state ?? 'lost';
  // Never started: nothing runs to stop.
  if (rec.state === 'queued') {
    appendEvent(run.dir, { worker: name, kind: 'worker.kill', detail: { graceMs } });
    try {
      return transition(run.dir, name, 'killed', { reason: 'killed by orch-tmux kill (while queued)', endedAt: new Date().toISOString(), queuedCommand: undefined }, 'kill')?.state ?? 'killed';
    } catch (error) {
      if (!(error instanceof RefusedTransition)) throw error;
      return killWorker(run, tmux, name, graceMs); // started meanwhile: stopped the usual way
    }
  }
  await tmux.hasSession(run.session); // tmux missing is a usage error before anything is written
  // A fact from the user: the store reads an attempt that ends after this as killed.
  writeFileSync(workerPaths(run.dir, name).killRequested, new Date().toISOString(), { mode: 0o600 });
  appendEvent(run.dir, { worker: name, kind: 'worker.kill', detail: { graceMs } });
  if (rec.paneId) await workerTmux(rec, tmux).sendKeys(rec.paneId, rec.keys?.interrupt ?? ['C-c']).catch(() => undefined);
  const stopped = async (ms: number) => (await waitForWorkers(run, tmux, [name], { timeoutMs: ms })).finished;
  let done = await stopped(graceMs);
  // Read again before each signal: a worker that was pending when the kill began has an agent pid now.
  if (!done) {
    await signal(readWorker(run.dir, name), 'SIGTERM');
    done = await stopped(KILL_TERM_WAIT_MS);
  }
  if (!done) {
    await signal(readWorker(run.dir, name), 'SIGKILL');
    done = await stopped(KILL_KILL_WAIT_MS);
  }
  const settled = settleWorker(run.dir, name, { panes: await runPanes(run, tmux), by: 'kill' });
  if (settled && FINISHED.has(settled.state)) return settled.state;
  // Its host does not answer: the agent may still run there. The request stays (kill-requested), and the
  // sync that next reaches the host records how it ended; nothing is claimed now.
  if (rec.host && panesFor(rec, 'unknown') === 'unreachable') return 'unreachable';
  // The runner is gone too and reported nothing: record the outcome ourselves (unless it just did).
  try {
    return transition(run.dir, name, 'killed', { endedAt: new Date().toISOString(), reason: 'killed by orch-tmux kill' }, 'kill')?.state ?? 'killed';
  } catch (error) {
    if (error instanceof RefusedTransition) return readWorker(run.dir, name)?.state ?? 'killed';
    throw error;
  }
}
