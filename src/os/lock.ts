import { linkSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { OrchError } from '../core/errors.js';
import { processStart, sameProcess } from './process.js';
import { LOCK_WAIT_MS, TORN_LOCK_MS } from '../core/timing.js';

/** Who holds the monitor lock. */
export interface LockOwner {
  pid: number;
  host: string;
  since: string;
  /** When the holder's process started (/proc), so a reused pid does not pass for it. */
  start?: string;
}

// The holder still runs: its pid lives and, where its start time was recorded, is the same process.
function holds(owner: LockOwner): boolean {
  return owner.host !== hostname() || sameProcess(owner.pid, owner.start);
}

const myStart = processStart(process.pid);

/**
 * Takes the lock file atomically (one winner among any number of racers); a lock whose process is
 * dead is taken over. Returns a release function, or the owner when someone else holds it.
 */
export function acquireLock(path: string, makeDir = true): { release: () => void } | { heldBy: LockOwner } {
  if (makeDir) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 3; attempt++) {
    // The lock appears whole: written to a temp file first, then hard-linked into place (link fails with
    // EEXIST like O_EXCL), so a racer never reads a half-written owner.
    const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), start: myStart };
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      writeFileSync(tmp, JSON.stringify(me), { mode: 0o600 });
    } catch (error) {
      rmSync(tmp, { force: true }); // a full disk: leave nothing half-made behind
      throw error;
    }
    try {
      linkSync(tmp, path);
      return { release: () => releaseLock(path, process.pid) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(tmp);
    }
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // released between our open and read: try again
    }
    let owner: LockOwner | undefined;
    try {
      owner = JSON.parse(text) as LockOwner;
    } catch {
      owner = undefined; // being written right now, or torn by a crash
    }
    if (owner && holds(owner)) return { heldBy: owner };
    if (!owner) {
      // Open and write are two steps: an empty or torn lock younger than this is being written, not stale.
      let ageMs: number;
      try {
        ageMs = Date.now() - statSync(path).mtimeMs;
      } catch {
        continue; // released meanwhile: try again
      }
      if (ageMs < TORN_LOCK_MS) return { heldBy: { pid: 0, host: hostname(), since: 'unknown (lock being written)' } };
    }
    // Stale: remove it only if it is still the same stale content, then race for it again.
    try {
      if (readFileSync(path, 'utf8') === text) unlinkSync(path);
    } catch {
      /* someone else took it over */
    }
  }
  return { heldBy: { pid: 0, host: hostname(), since: 'unknown' } };
}

// Sleeps the thread (no event loop turn): the store's critical sections are synchronous and short.
const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Runs `fn` holding the lock file at `path`, waiting (a few ms at a time, up to `timeoutMs`) while
 * another process holds it; a lock left by a dead process is taken over by acquireLock.
 */
export function withLock<T>(path: string, fn: () => T, timeoutMs = LOCK_WAIT_MS): T {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    // The folder must exist already: a lock never brings back a removed run directory.
    const lock = acquireLock(path, false);
    if ('release' in lock) {
      try {
        return fn();
      } finally {
        lock.release();
      }
    }
    if (Date.now() > deadline) throw new OrchError(`${path} is held by pid ${lock.heldBy.pid} since ${lock.heldBy.since}: try again, or remove the file if that process is gone`, { code: 'locked' });
    sleepSync(Math.min(2 + attempt, 20));
  }
}

/** Removes the lock file if `pid` holds it (a lock someone took over since is left alone). */
export function releaseLock(path: string, pid: number): void {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    if (owner.pid === pid) unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Who holds the lock file at `path` now: undefined when it is free or its holder is dead. */
export function lockHolder(path: string): LockOwner | undefined {
  let owner: LockOwner;
  try {
    owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
  return holds(owner) ? owner : undefined;
}
