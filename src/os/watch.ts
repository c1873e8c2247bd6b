// The one way orch-tmux waits on files: folders watched with inotify (fs.watch), the watch set up before the
// caller looks, so a change between its look and its wait still wakes it. Nothing is shared between
// watchers, so any number of waiters hear every change. (A tmux `wait-for` channel per run loses wake-ups:
// tmux keeps one pending signal per channel, the first waiter takes it, and a second signal before anyone
// waits cancels the first; measured on tmux 3.3a.)
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import { runPaths } from '../core/paths.js';

/** Watches folders; `changed()` resolves at the first change `news` accepts since `reset()`, or at a timeout. */
export class FolderWatch {
  private readonly watchers = new Map<string, FSWatcher>();
  private dirty = false;
  private wake: (() => void) | undefined;

  /** `news(dir, file)`: whether a change of `file` in `dir` wakes the waiter (default: every change). */
  constructor(dirs: readonly string[], private readonly news: (dir: string, file: string) => boolean = () => true) {
    for (const dir of dirs) this.add(dir);
  }

  /** Watches one more folder (a folder that is not there is left to the caller's fallback check). */
  add(dir: string): void {
    if (this.watchers.has(dir)) return;
    try {
      const w = watch(dir, { persistent: false }, (_event, file) => {
        if (this.news(dir, file === null ? '' : String(file))) this.poke();
      });
      w.on('error', () => {
        w.close();
        this.watchers.delete(dir);
      });
      this.watchers.set(dir, w);
    } catch {
      /* not there (yet), or not a folder */
    }
  }

  /** Watches a folder afresh (it was removed and made again under the same name). */
  renew(dir: string): void {
    this.watchers.get(dir)?.close();
    this.watchers.delete(dir);
    this.add(dir);
  }

  /** Marks a change (for callers that learn of one another way) and wakes the waiter. */
  poke(): void {
    this.dirty = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Forgets changes seen so far: call right before looking at the files. */
  reset(): void {
    this.dirty = false;
  }

  /** 'change' at the first change since `reset()` (at once if one came already), else 'timeout'. */
  changed(timeoutMs: number, signal?: AbortSignal): Promise<'change' | 'timeout'> {
    if (this.dirty) return Promise.resolve('change');
    if (signal?.aborted || timeoutMs <= 0) return Promise.resolve('timeout');
    return new Promise((resolve) => {
      const timer = setTimeout(() => done('timeout'), timeoutMs);
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

/** Watches the worker folders of some runs: a new worker folder is watched as soon as it appears, and the
 * workers whose files changed since `reset()` are told (`all` when a worker folder came or went). */
export class RunWatcher {
  private readonly folders: FolderWatch;
  private touched: Set<string> | 'all' = 'all';

  /** `hooks`: a new hooks.jsonl line (an agent asking approval, ending a turn) is news too (the monitor's case). */
  constructor(runDirs: readonly string[], o: { hooks?: boolean } = {}) {
    const parents = new Set(runDirs.map((d) => runPaths(d).workers));
    this.folders = new FolderWatch([], (dir, name) => {
      if (parents.has(dir)) {
        // A worker folder came, or went (set aside and made again under the same name): watch it afresh.
        if (name) this.folders.renew(join(dir, name));
        this.touched = 'all';
        return true;
      }
      if (name && !RECORD_FILES.test(name) && !(o.hooks && name === 'hooks.jsonl')) return false; // a transcript or a lock file is no news
      if (this.touched !== 'all') this.touched.add(basename(dir));
      return true;
    });
    for (const workers of parents) {
      this.folders.add(workers);
      for (const name of safeReaddir(workers)) this.folders.add(join(workers, name));
    }
  }

  /** Forget changes seen so far: call right before looking at the files. Returns the workers whose files
   * changed since the last reset (`all` at first, and when a worker folder came or went). */
  reset(): Set<string> | 'all' {
    const touched = this.touched;
    this.touched = new Set();
    this.folders.reset();
    return touched;
  }

  /** 'change' at the first change since `reset()` (at once if one came already), else 'timeout'. */
  changed(timeoutMs: number, signal?: AbortSignal): Promise<'change' | 'timeout'> {
    return this.folders.changed(timeoutMs, signal);
  }

  close(): void {
    this.folders.close();
  }
}

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
