// Concurrency limits for workers started one by one (`spawn`): over `concurrency.perRun` (the run's frozen
// policy) or `concurrency.global` (the caller's config, across every active run), a worker is recorded
// `queued` with its runner command prepared, and no window. Whoever writes next and sees a free slot starts
// the queued ones in the order they were made: the settle step that records an end in the run, `spawn`
// before it adds its own, and the monitor on each pass.
import type { RunRecord } from '../core/run.js';
import { workerPaths } from '../core/paths.js';
import { readIndex } from '../store/index-file.js';
import { listWorkerNames, madeAt, readWorker } from '../store/records.js';
import type { WorkerRecord } from '../core/worker.js';
import { loadPolicy, resolvePolicy } from '../store/policy.js';
import { notePane, transition } from '../store/worker.js';
import { appendEvent } from '../store/events.js';
import type { Tmux } from '../tmux/index.js';

/** How many more workers may start now in this run (Infinity without limits). */
export function freeSlots(run: RunRecord, env: NodeJS.ProcessEnv): number {
  const perRun = safely(() => loadPolicy(run.dir, run.cwd, env).concurrency?.perRun) ?? 0;
  return Math.min(perRun > 0 ? Math.max(0, perRun - live(run.dir)) : Number.POSITIVE_INFINITY, globalRoom(run, env));
}

/** How many more workers may start now across all runs under concurrency.global (Infinity without it). */
export function globalRoom(run: RunRecord, env: NodeJS.ProcessEnv): number {
  const global = safely(() => resolvePolicy(run.cwd, env).policy.concurrency?.global) ?? 0;
  if (global <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, global - readIndex().filter((e) => !e.state || e.state === 'active').reduce((n, e) => n + live(e.dir), 0));
}

// A broken config file must not stop a spawn or a monitor pass over it: no limit from it.
function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

// The run's workers that are started and not ended, by their records.
function live(runDir: string): number {
  return listWorkerNames(runDir).filter((n) => ['pending', 'running'].includes(readWorker(runDir, n)?.state ?? '')).length;
}

/** Starts the run's queued workers while slots are free, oldest first; returns the names started. */
export async function startQueued(run: RunRecord, tmux: Tmux, env: NodeJS.ProcessEnv, by: string): Promise<string[]> {
  // One read of each record (a monitor pass does this for every run).
  const queued = listWorkerNames(run.dir).map((n) => readWorker(run.dir, n)).filter((r) => r?.state === 'queued').sort((a, b) => madeAt(a) - madeAt(b));
  if (!queued.length) return [];
  const started: string[] = [];
  for (const { name } of queued.slice(0, freeSlots(run, env)) as WorkerRecord[]) {
    const rec = transition(run.dir, name, 'pending', { pendingSince: new Date().toISOString(), starterPid: process.pid }, by);
    if (!rec?.queuedCommand) continue;
    try {
      const { paneId } = await tmux.newWindow({ target: run.session, name, cwd: rec.cwd, env: { ORCH_TMUX_WORKER: `${run.id}/${name}` }, command: rec.queuedCommand });
      notePane(run.dir, name, paneId, by);
      started.push(name);
    } catch (error) {
      transition(run.dir, name, 'failed', { reason: `its window could not be opened: ${String((error as Error).message).split('\n')[0]}`, endedAt: new Date().toISOString() }, by);
      appendEvent(run.dir, { worker: name, kind: 'worker.start-failed', detail: { by, dir: workerPaths(run.dir, name).dir } });
    }
  }
  return started;
}
