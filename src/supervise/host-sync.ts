// Bringing a run's remote workers home: for every host with live workers, its panes are listed and their
// facts copied into the local run directory over the host's shared connection; an attempt whose end came
// home is recorded here, as the runner's settle step does locally (a host needs no Node of ours).
import { readFacts } from '../runner/facts.js';

import { FINISHED, type WorkerRecord } from '../core/worker.js';
import { settleWorker } from '../store/worker.js';
import type { Panes } from '../core/truth.js';

import type { Tmux } from '../tmux/index.js';
import { noteHostPanes } from '../sites/seen.js';
import { HostUnreachableError } from '../sites/ssh.js';
import { hostTmux, pullHome } from '../sites/remote.js';
import { listWorkerNames, readWorker } from '../store/records.js';
import { sessionPanes } from '../sites/panes.js';
import { type RunRecord } from '../core/run.js';

/** The run's live remote workers by host name. */
export function liveRemoteWorkers(runDir: string): Map<string, WorkerRecord[]> {
  const out = new Map<string, WorkerRecord[]>();
  for (const name of listWorkerNames(runDir)) {
    const rec = readWorker(runDir, name);
    if (!rec?.host || !rec.hostDir || FINISHED.has(rec.state)) continue;
    out.set(rec.host.name, [...(out.get(rec.host.name) ?? []), rec]);
  }
  return out;
}

const inFlight = new Map<string, Promise<void>>();

/** A sync of the run, or the one already under way in this process (pollers that only need a recent look: spawns waiting for their starts). */
export function syncHostsShared(run: RunRecord): Promise<void> {
  const going = inFlight.get(run.dir);
  if (going) return going;
  const started = syncHosts(run).finally(() => inFlight.delete(run.dir));
  inFlight.set(run.dir, started);
  return started;
}

/** Lists each host's panes and copies its live workers' facts home (hosts in parallel); an unreachable host is noted, not thrown. */
export async function syncHosts(run: RunRecord): Promise<void> {
  await Promise.all([...liveRemoteWorkers(run.dir)].map(async ([name, recs]) => {
    const host = recs[0]!.host!;
    try {
      // Panes first, then the files: an end recorded after the listing is still seen.
      const panes = await sessionPanes(hostTmux(host), run.session);
      // A worker whose window is gone writes no more: its transcript comes home too (its session id is in it).
      const gone = (r: WorkerRecord) => panes === 'gone' || (r.paneId !== undefined && (!panes.has(r.paneId) || panes.get(r.paneId)!.dead));
      await pullHome(host, run, recs[0]!.hostDir!, recs.map((r) => ({ name: r.name, attempt: r.resumes, final: gone(r) })));
      noteHostPanes(run.dir, name, panes);
      for (const r of recs) {
        if (readFacts(run.dir, r.name, r.resumes).exit) settleWorker(run.dir, r.name, { panes: 'unknown', by: 'runner', attempt: r.resumes });
      }
    } catch (error) {
      // Whatever went wrong with one host (no answer, a tmux error there, what it sent) leaves its workers
      // unknown, said with why; other hosts and this machine's workers are judged as usual.
      noteHostPanes(run.dir, name, 'unreachable', error instanceof HostUnreachableError ? error.message : `Host ${name}: ${(error as Error).message}`);
    }
  }));
}

/** The run's local panes, after its remote workers were brought home (what every judge of a run's workers calls). */
export async function runPanes(run: RunRecord, tmux: Tmux): Promise<Panes> {
  await syncHosts(run);
  return sessionPanes(tmux, run.session);
}
