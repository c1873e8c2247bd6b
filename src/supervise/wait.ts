
import type { Tmux } from '../tmux/index.js';
import { readFacts } from '../runner/facts.js';
import { alive } from '../os/process.js';
import { FINISHED, runChannel } from '../core/worker.js';
import { waitOnHost } from '../sites/remote.js';
import { liveRemoteWorkers } from './host-sync.js';
import { settlePending } from '../store/settle-queue.js';
import { runStatus, workerStatus, type WorkerStatus } from './observe.js';
import { RunWatcher, writtenSince } from '../os/watch.js';
import { readWorker } from '../store/records.js';
import { type RunRecord } from '../core/run.js';
import { FALLBACK_CHECK_MS } from '../core/timing.js';

export interface WaitOutcome {
  finished: boolean;
  timedOut: boolean;
  workers: WorkerStatus[];
  /** Fallback checks that found a change in the files no watch event announced: should stay 0. */
  missedWakeups: number;
}


/** Waits until the named workers (all when none named) finish, or any of them with `any`; woken by file changes, decided by the files and tmux. */
export async function waitForWorkers(run: RunRecord, tmux: Tmux, names: string[], o: { any?: boolean; timeoutMs?: number; onTick?: (w: WorkerStatus[]) => void; recorded?: boolean } = {}): Promise<WaitOutcome> {
  const deadline = o.timeoutMs === undefined ? Infinity : Date.now() + o.timeoutMs;
  // Watching starts before the first look, so no finish between a look and the wait goes unheard.
  const watcher = new RunWatcher([run.dir]);
  let missedWakeups = 0;
  let how: 'change' | 'timeout' | 'host' | undefined;
  let askedTmuxAt = 0;
  // An end once recorded stays recorded (keyed by its time: a resumed worker's next end is asked again).
  const ends = new Set<string>();
  const isRecorded = (w: WorkerStatus): boolean => {
    const end = `${w.name}@${w.endedAt}`;
    if (!ends.has(end) && recorded(run, w.name)) ends.add(end);
    return ends.has(end);
  };
  try {
    let all: WorkerStatus[] | undefined;
    for (;;) {
      const touched = watcher.reset();
      const lookedAt = Date.now(); // after the reset: a record written later must wake this waiter
      // A file change is answered by the files (a finish is on disk before its fact wakes us): only the
      // workers whose files changed are looked at again. tmux is asked (and every worker looked at) at the
      // first look and at least every fallback interval, for what writes no file (a pane that vanished, a
      // window closed before its runner started), however busy the run's files are.
      const filesOnly = how === 'change' && Date.now() - askedTmuxAt < FALLBACK_CHECK_MS;
      if (!filesOnly) askedTmuxAt = Date.now();
      all = filesOnly && all && touched !== 'all'
        ? all.map((w) => (touched.has(w.name) ? workerStatus(run, w.name, 'unknown') : w))
        : await runStatus(run, tmux, { filesOnly });
      const workers = names.length ? all.filter((w) => names.includes(w.name)) : all;
      o.onTick?.(workers);
      // `recorded`: a finish counts once the store has written it (result.md on disk), or nobody is left to.
      const finished = workers.filter((w) => FINISHED.has(w.state) && (!o.recorded || isRecorded(w)));
      if (o.any ? finished.length > 0 || workers.length === 0 : finished.length === workers.length) {
        return { finished: true, timedOut: false, workers, missedWakeups };
      }
      const left = deadline - Date.now();
      if (left <= 0) return { finished: false, timedOut: true, workers, missedWakeups };
      // Only a run with live remote workers listens to their hosts (local runs read no extra record).
      const remote = all.some((w) => w.host !== 'local' && !FINISHED.has(w.state));
      how = remote ? await changedHereOrThere(run, watcher, Math.min(left, FALLBACK_CHECK_MS)) : await watcher.changed(Math.min(left, FALLBACK_CHECK_MS));
      // The fallback is for what writes no file (a runner killed -9, a vanished pane); a file change it
      // finds should have woken us: counted, so a regression shows in tests and the benchmark.
      if (how === 'timeout' && writtenSince(run.dir, lookedAt)) missedWakeups++;
    }
  } finally {
    watcher.close();
  }
}

// A file here changed, or a host with live workers of the run signalled its run channel (a remote runner
// ended an attempt): `host` makes the next look bring the hosts' facts home.
async function changedHereOrThere(run: RunRecord, watcher: RunWatcher, ms: number): Promise<'change' | 'timeout' | 'host'> {
  const hosts = [...liveRemoteWorkers(run.dir).values()].map((recs) => recs[0]!.host!);
  const stop = new AbortController();
  try {
    // A host that fails to wait (unreachable) only stops hearing: the fallback look still comes.
    const never = new Promise<never>(() => undefined);
    return await Promise.race([watcher.changed(ms), ...hosts.map((h) => waitOnHost(h, runChannel(run.id), stop.signal).then((woke) => (woke ? 'host' as const : never)))]);
  } finally {
    stop.abort();
  }
}

// The worker's record says it finished, or nobody is left to write it: its runner is gone and the run's
// settle step is not alive with its ended attempt in the queue. A remote worker's end is recorded by
// whoever brought it home, before its state reads finished.
function recorded(run: RunRecord, name: string): boolean {
  const rec = readWorker(run.dir, name);
  if (!rec || FINISHED.has(rec.state) || rec.host) return true;
  const runner = readFacts(run.dir, name, rec.resumes).start?.runnerPid ?? rec.runnerPid;
  return !(runner && alive(runner)) && !settlePending(run.dir, name);
}
