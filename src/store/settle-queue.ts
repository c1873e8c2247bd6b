// One settle step per run at a time. A runner that ended an attempt puts its launch file's path in the
// run's settle queue (settle/<worker>), then takes the run's settle lock and starts the settle step, or
// leaves it to the live step that holds the lock. The step drains the queue while it holds the lock and looks once more after letting go, so
// an attempt queued while it let go is never left behind (the runner queues before it looks at the lock).
// A burst of 32 ends thus costs one Node start-up, not 32.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { FolderWatch } from '../os/watch.js';
import { basename, join } from 'node:path';
import { acquireLock, lockHolder, releaseLock } from '../os/lock.js';
import { runPaths } from '../core/paths.js';
import { readLaunchFile } from '../runner/codec.js';
import { FINISHED, type WorkerRecord } from '../core/worker.js';
import { repairWorker, settleWorker } from './worker.js';
import { listWorkerNames, readWorker } from './records.js';
import { QUEUE_GRACE_MS } from '../core/timing.js';

/** The state a settled worker's window shows on its status line, by pane id. */
export type Shown = Map<string, string>;

/** Settles one ended attempt from its launch file (a damaged worker.json is written again from the record
 * the window started with) and takes it off the queue; returns the record as written. */
export function settleLaunch(file: string, shown: Shown): WorkerRecord | undefined {
  const launch = readLaunchFile(file);
  const rec = JSON.parse(launch.record!) as WorkerRecord;
  const attempt = Number(launch.attempt);
  const name = basename(launch.dir!);
  if (!readWorker(rec.runDir, name)) repairWorker({ ...rec, resumes: attempt });
  const settled = settleWorker(rec.runDir, name, { panes: 'unknown', by: 'runner', fallback: rec, attempt });
  if (settled?.paneId) shown.set(settled.paneId, settled.state);
  unqueue(rec.runDir, name, file);
  return settled;
}


/** Drains the run's settle queue while this process holds its settle lock (`inherited`: the runner that
 * started this process took it for it), staying `lingerMs` after it empties; `onPass` hears what each pass settled. */
export async function drainSettleQueue(runDir: string, onPass: (shown: Shown) => void, o: { inherited?: boolean; lingerMs?: number } = {}): Promise<void> {
  const tried = new Set<string>();
  const { settleLock, settleQueue } = runPaths(runDir);
  for (let round = 0; ; round++) {
    const parent = process.ppid;
    const lock = round === 0 && o.inherited && lockHolder(settleLock)?.pid === parent
      ? { release: () => releaseLock(settleLock, parent) }
      : acquireLock(settleLock, false);
    // Another live step holds it: it looks at the queue again after it lets go.
    if (!('release' in lock)) return;
    // The queue folder watched, so a lingering step records a new end at once.
    const news = new FolderWatch([settleQueue]);
    try {
      do {
        for (let more = true; more;) {
          news.reset();
          const shown: Shown = new Map();
          more = settlePass(runDir, tried, shown);
          if (shown.size) onPass(shown);
        }
      } while ((await news.changed(o.lingerMs && moreToCome(runDir) ? o.lingerMs : 0)) === 'change');
    } finally {
      news.close();
      lock.release();
    }
    if (!queued(runDir).some((e) => !tried.has(e.key))) return;
  }
}

// A worker of the run here has not ended yet (a remote one ends through whoever brings it home).
function moreToCome(runDir: string): boolean {
  return listWorkerNames(runDir).some((n) => {
    const rec = readWorker(runDir, n);
    return rec !== undefined && !rec.host && !FINISHED.has(rec.state);
  });
}


/** True while this worker's ended attempt waits in the run's queue and a settle step will come to it: one
 * is alive, or the entry is young enough that one is between letting go and looking again. */
export function settlePending(runDir: string, name: string): boolean {
  const { settleQueue, settleLock } = runPaths(runDir);
  let queuedAt: number;
  try {
    queuedAt = statSync(join(settleQueue, name)).mtimeMs;
  } catch {
    return false;
  }
  return Date.now() - queuedAt < QUEUE_GRACE_MS || lockHolder(settleLock) !== undefined;
}

// One look at the queue: every entry not tried yet is settled once (a failure is said and left for the
// monitor, never retried in a loop). True when it found any.
function settlePass(runDir: string, tried: Set<string>, shown: Shown): boolean {
  const fresh = queued(runDir).filter((e) => !tried.has(e.key));
  for (const e of fresh) {
    tried.add(e.key);
    try {
      settleLaunch(e.launch, shown);
    } catch (error) {
      process.stderr.write(`orch-tmux: could not record worker ${e.name}'s outcome: ${String((error as Error)?.message ?? error)}\n`);
    }
  }
  return fresh.length > 0;
}

interface Entry {
  name: string;
  launch: string;
  key: string;
}

function queued(runDir: string): Entry[] {
  const dir = runPaths(runDir).settleQueue;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Entry[] = [];
  for (const name of names) {
    if (name.endsWith('.tmp')) continue;
    try {
      const launch = readFileSync(join(dir, name), 'utf8').replace(/\n$/, '');
      // The entry's time too: a worker set aside and made again under its name queues the same launch file.
      out.push({ name, launch, key: `${name}\n${launch}\n${statSync(join(dir, name)).mtimeMs}` });
    } catch {
      /* taken off meanwhile */
    }
  }
  return out;
}

// Takes a worker off the queue unless a newer attempt of it was queued meanwhile.
function unqueue(runDir: string, name: string, launch: string): void {
  const entry = join(runPaths(runDir).settleQueue, name);
  try {
    if (readFileSync(entry, 'utf8').replace(/\n$/, '') === launch) rmSync(entry, { force: true });
  } catch {
    /* not queued (the runner could not write it) */
  }
}
