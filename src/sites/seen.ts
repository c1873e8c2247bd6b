// What this process last learnt of each host's panes for a run (by syncHosts): the store and status
// judge a remote worker by its host's panes, never by this machine's tmux.
import type { WorkerRecord } from '../core/worker.js';
import type { Panes } from '../core/truth.js';

const seen = new Map<string, { panes: Panes; why?: string }>();

const key = (runDir: string, host: string) => `${runDir}\0${host}`;

/** Notes a host's panes for a run (a listing, `gone`, or `unreachable` with why). */
export function noteHostPanes(runDir: string, host: string, panes: Panes, why?: string): void {
  seen.set(key(runDir, host), { panes, why });
}

/** Why the host was last found unreachable (ssh's own words). */
export function unreachableWhy(runDir: string, host: string): string | undefined {
  return seen.get(key(runDir, host))?.why;
}

/** The panes that judge this worker: its host's as last synced (unknown before any sync), else the local ones. */
export function panesFor(rec: WorkerRecord, local: Panes): Panes {
  return rec.host ? seen.get(key(rec.runDir, rec.host.name))?.panes ?? 'unknown' : local;
}
