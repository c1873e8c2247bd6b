import { rmSync, writeFileSync } from 'node:fs';
import { appendEvent } from '../runs/events.js';
import { workerPaths } from '../runs/paths.js';
import type { RunRecord } from '../runs/run.js';
import type { Tmux } from '../tmux/index.js';
import { sessionPanes } from './panes.js';
import { FINISHED, readWorker, type WorkerState } from './record.js';
import { RefusedTransition, settleWorker, transition } from './store.js';
import { waitForWorkers } from './wait.js';

function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
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
export async function killWorker(run: RunRecord, tmux: Tmux, name: string, graceMs: number): Promise<WorkerState> {
  const rec = readWorker(run.dir, name);
  if (!rec || FINISHED.has(rec.state)) return rec?.state ?? 'lost';
  await tmux.hasSession(run.session); // tmux missing is a usage error before anything is written
  // A fact from the user: the store reads an attempt that ends after this as killed.
  writeFileSync(workerPaths(run.dir, name).killRequested, new Date().toISOString(), { mode: 0o600 });
  appendEvent(run.dir, { worker: name, kind: 'worker.kill', detail: { graceMs } });
  if (rec.paneId) await tmux.sendKeys(rec.paneId, rec.keys?.interrupt ?? ['C-c']).catch(() => undefined);
  const stopped = async (ms: number) => (await waitForWorkers(run, tmux, [name], { timeoutMs: ms })).finished;
  let done = await stopped(graceMs);
  // Read again before each signal: a worker that was pending when the kill began has an agent pid now.
  if (!done) {
    signal(readWorker(run.dir, name)?.agentPid, 'SIGTERM');
    done = await stopped(1000);
  }
  if (!done) {
    signal(readWorker(run.dir, name)?.agentPid, 'SIGKILL');
    done = await stopped(2000);
  }
  const settled = settleWorker(run.dir, name, { panes: await sessionPanes(tmux, run.session), by: 'kill' });
  if (settled && FINISHED.has(settled.state)) return settled.state;
  // The runner is gone too and reported nothing: record the outcome ourselves (unless it just did).
  try {
    return transition(run.dir, name, 'killed', { endedAt: new Date().toISOString(), reason: 'killed by orch-tmux kill' }, 'kill')?.state ?? 'killed';
  } catch (error) {
    if (error instanceof RefusedTransition) return readWorker(run.dir, name)?.state ?? 'killed';
    throw error;
  }
}
