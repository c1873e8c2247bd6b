import { UsageError } from '../core/errors.js';
import { workerTmux } from '../sites/remote.js';
import { checkWorkerName } from '../core/names.js';
import { findRun, tmuxForRun } from '../store/run.js';
import type { Tmux } from '../tmux/index.js';
import { FINISHED, type WorkerRecord } from '../core/worker.js';
import type { Context } from './command.js';
import { listWorkerNames, readWorker } from '../store/records.js';
import { type RunRecord } from '../core/run.js';

/** A run, one of its workers, and the tmux client for them: what most commands start from. */
export interface WorkerTarget {
  run: RunRecord;
  worker: WorkerRecord;
  /** The tmux server the worker's window is on: its host's, or the run's. */
  tmux: Tmux;
  /** The run's own tmux server (its session here). */
  runTmux: Tmux;
}

/** Finds `<run> <worker>`; an unknown run or worker is a usage error naming what exists. */
export function findWorker(ctx: Context, runRef: string, name: string): WorkerTarget {
  const run = findRun(runRef);
  const worker = workerOf(run, name);
  const runTmux = tmuxForRun(run, ctx.server);
  return { run, worker, tmux: workerTmux(worker, runTmux), runTmux };
}

/** A worker of a run, for commands that read its files only (no tmux); an unknown one names those that exist. */
export function workerOf(run: RunRecord, name: string): WorkerRecord {
  checkWorkerName(name);
  const worker = readWorker(run.dir, name);
  if (worker) return worker;
  const known = listWorkerNames(run.dir);
  throw new UsageError(`Unknown worker ${JSON.stringify(name)} in run ${run.id}: it has ${known.join(', ') || 'no workers'}`, { code: 'unknown_worker' });
}

/** The pane of a worker whose agent still runs (send, keys); a finished worker is refused. */
export function livePane(t: WorkerTarget): string {
  if (!t.worker.paneId) throw new UsageError(`Worker ${t.worker.name} has no window yet (state ${t.worker.state})`, { code: 'worker_not_started' });
  if (FINISHED.has(t.worker.state)) throw new UsageError(`Worker ${t.worker.name} has ended (${t.worker.state}): there is no agent to type to; see \`orch-tmux resume\``, { code: 'worker_ended' });
  return t.worker.paneId;
}
