import { writeFileSync } from 'node:fs';
import { profileOfWorker } from '../agents/resolve.js';
import { appendEvent } from '../runs/events.js';
import { workerPaths } from '../runs/paths.js';
import type { RunRecord } from '../runs/run.js';
import type { Tmux } from '../tmux/index.js';
import { FINISHED, readWorker, updateWorker, type WorkerState } from './record.js';
import { waitForWorkers } from './wait.js';

function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Stops one worker: interrupt key, grace period, SIGTERM, SIGKILL; its state becomes killed, its result stays. */
export async function killWorker(run: RunRecord, tmux: Tmux, name: string, graceMs: number): Promise<WorkerState> {
  const rec = readWorker(run.dir, name);
  if (!rec || FINISHED.has(rec.state)) return rec?.state ?? 'lost';
  await tmux.hasSession(run.session); // tmux missing is a usage error before anything is written
  writeFileSync(workerPaths(run.dir, name).killRequested, new Date().toISOString(), { mode: 0o600 });
  appendEvent(run.dir, { worker: name, kind: 'worker.kill', detail: { graceMs } });
  const interrupt = profileOfWorker(rec)?.keys.interrupt ?? ['C-c'];
  if (rec.paneId) await tmux.sendKeys(rec.paneId, interrupt).catch(() => undefined);
  const stopped = async (ms: number) => (await waitForWorkers(run, tmux, [name], { timeoutMs: ms })).finished;
  if (await stopped(graceMs)) return finalState(run, name);
  signal(rec.agentPid, 'SIGTERM');
  if (await stopped(1000)) return finalState(run, name);
  signal(rec.agentPid, 'SIGKILL');
  if (await stopped(2000)) return finalState(run, name);
  // The runner is gone too: record the outcome ourselves.
  updateWorker(run.dir, name, { state: 'killed', endedAt: new Date().toISOString(), reason: 'killed by orch-tmux kill' });
  appendEvent(run.dir, { worker: name, kind: 'worker.killed', detail: { by: 'kill' } });
  return 'killed';
}

function finalState(run: RunRecord, name: string): WorkerState {
  const rec = readWorker(run.dir, name);
  if (rec && rec.state !== 'killed' && rec.state !== 'done') {
    // The runner saw the marker unless it was already recording a failure; a kill we asked for reads as killed.
    updateWorker(run.dir, name, { state: 'killed' });
    return 'killed';
  }
  return rec?.state ?? 'killed';
}
