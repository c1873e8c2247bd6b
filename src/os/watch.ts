// Every waiter hears every finish: each waiter watches the run's worker folders itself (inotify through
// fs.watch), set up before it looks at the files, so a finish between its look and its wait still wakes
// it. Nothing is shared between waiters, so any number of them can wait at once. (A tmux `wait-for`
// channel per run loses wake-ups: tmux keeps one pending signal per channel, the first waiter takes it,
// and a second signal before anyone waits cancels the first; measured on tmux 3.3a.)
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import { runPaths } from '../core/paths.js';

/** Watches the worker folders of some runs; `changed()` resolves at the next change (or a timeout). */
export class RunWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private dirty = false;
  /** The workers whose files changed since reset(); `all` when a worker folder came or went. */
  private touched: Set<string> | 'all' = 'all';
  private wake: (() => void) | undefined;

  /** `hooks`: a new hooks.jsonl line (an agent asking approval, ending a turn) is news too (the monitor's case). */
  constructor(runDirs: readonly string[], private readonly o: { hooks?: boolean } = {}) {
    for (const dir of runDirs) {
      const workers = runPaths(dir).workers;
      this.add(workers, true);
      for (const name of safeReaddir(workers)) this.add(join(workers, name), false);
    }
  }

  // One watcher per folder; a new worker folder is watched as soon as its parent reports it.
  private add(dir: string, parent: boolean): void {
    if (this.watchers.has(dir)) return;
    try {
      const w = watch(dir, { persistent: false }, (_event, file) => {
        const name = file === null ? '' : String(file);
        if (parent) {
          // A worker folder came, or went (set aside and made again under the same name): watch it afresh.
          if (name) this.renew(join(dir, name));
          this.poke('all');
        } else if (!name || RECORD_FILES.test(name) || (this.o.hooks && name === 'hooks.jsonl')) {
          this.poke(basename(dir)); // a transcript or a lock file changing is no news
        }
      });
      w.on('error', () => {
        w.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, w);
    } catch {
      /* not there (yet), or not a folder: the fallback check covers it */
    }
  }

  private renew(dir: string): void {
    this.watchers.get(dir)?.close();
    this.watchers.delete(dir);
    this.add(dir, false);
  }

  private poke(worker: string): void {
    if (worker === 'all') this.touched = 'all';
    else if (this.touched !== 'all') this.touched.add(worker);
    this.dirty = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Forget changes seen so far: call right before looking at the files. Returns the workers whose files
   * changed since the last reset (`all` at first, and when a worker folder came or went). */
  reset(): Set<string> | 'all' {
    const touched = this.touched;
    this.touched = new Set();
    this.dirty = false;
    return touched;
  }

  /** 'change' at the first change since `reset()` (at once if one came already), else 'timeout'. */
  changed(timeoutMs: number, signal?: AbortSignal): Promise<'change' | 'timeout'> {
    if (this.dirty) return Promise.resolve('change');
    if (signal?.aborted) return Promise.resolve('timeout');
    return new Promise((resolve) => {
      const timer = setTimeout(() => done('timeout'), Math.max(0, timeoutMs));
      const onAbort = () => done('timeout');
      const done = (how: 'change' | 'timeout') => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.wake = undefined;
        resolve(how);
      };
      this.wake = () => done('change');
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}

/** The files whose change is news to a waiter: the record and the runner's facts. */
const RECORD_FILES = /^(worker\.json|(start|exit)-\d+\.facts)$/;

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Whether the runners or the store wrote a record file after `sinceMs` (epoch ms): asked only when a waiter's
 * fallback interval ran out, so every wake-up does not stat every file of every worker (a run of 160
 * workers cost each `wait` ~1,600 stats per wake). File times come from a coarse clock, so a write within
 * a few ms after `sinceMs` may read as before it: this can miss a missed wake-up, never invent one.
 */
export function writtenSince(runDir: string, sinceMs: number): boolean {
  const workers = runPaths(runDir).workers;
  for (const name of safeReaddir(workers)) {
    for (const file of safeReaddir(join(workers, name))) {
      if (!RECORD_FILES.test(file)) continue;
      try {
        if (statSync(join(workers, name, file)).mtimeMs > sinceMs) return true;
      } catch {
        /* gone meanwhile */
      }
    }
  }
  return false;
}
