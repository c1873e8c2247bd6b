// A usage limit is the account's, not one worker's: once a worker of an agent meets one with a reset time,
// the run knows the wall (`run.quota-wall` in events.jsonl) and starts no worker of that agent into it until
// the reset. The pattern driver and the monitor both record and read walls here, so a run gets one notice
// for a wall however many of its workers meet it.

import { statSync } from 'node:fs';
import { readEvents, appendEvent } from '../store/events.js';
import { withLock } from '../os/lock.js';
import { runPaths } from '../core/paths.js';

/** One wall: which agent and account (supervise/launch.ts accountOf; none when it cannot be told), until when, and who met it first. */
export interface QuotaWall {
  agent: string;
  account?: string;
  resetsAt: number;
  worker: string;
}

// The walls the run has recorded, in order; events.jsonl is read again only once it has grown (it is
// append-only), since a monitor pass asks for every dead worker.
const known = new Map<string, { size: number; walls: QuotaWall[] }>();
function walls(runDir: string): QuotaWall[] {
  const size = statSync(runPaths(runDir).events, { throwIfNoEntry: false })?.size ?? 0;
  const cached = known.get(runDir);
  if (cached?.size === size) return cached.walls;
  const read = readEvents(runDir).filter((e) => e.kind === 'run.quota-wall').map((e) => ({
    agent: String(e.detail?.agent), account: typeof e.detail?.account === 'string' ? e.detail.account : undefined, resetsAt: Date.parse(String(e.detail?.resetsAt)), worker: String(e.worker),
  }));
  known.set(runDir, { size, walls: read });
  return read;
}

/**
 * Records a wall a worker met. Workers of one agent meet the same wall at slightly different times, so a
 * wall is news only when none of the agent's is ahead: true then (the caller tells people). A later reset
 * than the one known is recorded (the queue waits for it) without telling again.
 */
export function recordQuotaWall(runDir: string, wall: QuotaWall, nowMs = Date.now()): boolean {
  return withLock(runPaths(runDir).lock, () => {
    const ahead = wallAhead(runDir, wall.agent, wall.account, nowMs);
    if (ahead !== undefined && ahead >= wall.resetsAt) return false;
    appendEvent(runDir, { worker: wall.worker, kind: 'run.quota-wall', detail: { agent: wall.agent, ...(wall.account ? { account: wall.account } : {}), resetsAt: new Date(wall.resetsAt).toISOString() } });
    return ahead === undefined;
  });
}

/** When the latest wall of this agent and account in this run resets, if that is still ahead. */
export function wallAhead(runDir: string, agent: string, account: string | undefined, nowMs = Date.now()): number | undefined {
  const latest = Math.max(...walls(runDir).filter((w) => w.agent === agent && w.account === account).map((w) => w.resetsAt), Number.NEGATIVE_INFINITY);
  return latest > nowMs ? latest : undefined;
}
