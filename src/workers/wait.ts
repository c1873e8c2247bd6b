import type { RunRecord } from '../runs/run.js';
import type { Tmux } from '../tmux/index.js';
import { FINISHED, runChannel } from './record.js';
import { runStatus, type WorkerStatus } from './status.js';

export interface WaitOutcome {
  finished: boolean;
  timedOut: boolean;
  workers: WorkerStatus[];
}

/** How often the files and tmux are checked when no wake-up comes (a runner killed -9 sends none). */
const FALLBACK_CHECK_MS = 2000;

/** Waits until the named workers (all when none named) finish, or any of them with `any`; woken by wait-for, decided by the files. */
export async function waitForWorkers(run: RunRecord, tmux: Tmux, names: string[], o: { any?: boolean; timeoutMs?: number; onTick?: (w: WorkerStatus[]) => void } = {}): Promise<WaitOutcome> {
  const deadline = o.timeoutMs === undefined ? Infinity : Date.now() + o.timeoutMs;
  for (;;) {
    const all = await runStatus(run, tmux);
    const workers = names.length ? all.filter((w) => names.includes(w.name)) : all;
    o.onTick?.(workers);
    const finished = workers.filter((w) => FINISHED.has(w.state));
    if (o.any ? finished.length > 0 || workers.length === 0 : finished.length === workers.length) {
      return { finished: true, timedOut: false, workers };
    }
    const left = deadline - Date.now();
    if (left <= 0) return { finished: false, timedOut: true, workers };
    await tmux.waitFor(runChannel(run.id), { timeoutMs: Math.min(left, FALLBACK_CHECK_MS) }).catch(() => undefined);
  }
}
