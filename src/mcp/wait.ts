// The wait tool on a pattern run (review, run): the CLI's `wait` returns once the workers that exist have ended,
// but the run's driver starts later stages (the synthesis) afterwards, and right after a detached start there
// are no workers at all. So while the run is active and driven by a pattern, waiting goes on (each change of
// run.json or workers/ looked at again) until the run ends or the time is up: "all ended" then means the answer.
import { watch, type FSWatcher } from 'node:fs';
import { findRun, type RunRecord } from '../runs/run.js';
import { runPaths } from '../runs/paths.js';

/** A look at the run every so often even when no file event came (inotify is the fast path, not the only one). */
const RUN_CHANGE_FALLBACK_MS = 1000;

/** Runs `wait` (argv for the given seconds), parsed. */
export type WaitOnce = (seconds: number) => Promise<Record<string, unknown>>;

const ENDED = new Set(['done', 'failed', 'killed', 'lost']);

// True while the run's pattern driver may start more workers.
function driven(run: RunRecord): boolean {
  return run.state === 'active' && typeof run.inputs?.patternFile === 'string';
}

// Resolves at the first change in the run's folder or its workers/ folder, or after `ms`.
function changeIn(run: RunRecord, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const watchers: FSWatcher[] = [];
    const done = () => {
      clearTimeout(timer);
      for (const w of watchers) w.close();
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    for (const dir of [run.dir, runPaths(run.dir).workers]) {
      try {
        watchers.push(watch(dir, done));
      } catch {
        /* not there yet: the run folder's own watcher sees it made */
      }
    }
  });
}

/** Waits for a run's workers and, for a pattern run, for its driver to end it; bounded by `seconds`. */
export async function waitForRun(runRef: string, seconds: number, waitOnce: WaitOnce): Promise<Record<string, unknown>> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const left = Math.max(0, (deadline - Date.now()) / 1000);
    const out = await waitOnce(Math.round(left * 10) / 10);
    if (out.error) return out;
    let run: RunRecord;
    try {
      run = findRun(runRef);
    } catch {
      return out; // removed since wait read it: what wait saw is the answer
    }
    const running = ((out.workers ?? []) as { state: string }[]).some((w) => !ENDED.has(w.state));
    if (out.timedOut || running || !driven(run)) return { ...out, runState: run.state };
    if (Date.now() >= deadline) return { ...out, timedOut: true, exitCode: 124, runState: run.state };
    await changeIn(run, Math.min(RUN_CHANGE_FALLBACK_MS, deadline - Date.now()));
  }
}
