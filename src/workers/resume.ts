import { join } from 'node:path';
import { acquireLock } from '../runs/lock.js';
import { OrchError, UsageError } from '../errors.js';
import { workerPaths } from '../runs/paths.js';
import { ensureSession, reopenRun, reviveBoard, type RunRecord } from '../runs/run.js';
import type { Tmux } from '../tmux/index.js';
import { forwardedEnv, waitForStart } from './launch.js';
import { prepareRunner } from './launch-file.js';
import { hasPane, sessionPanes } from './panes.js';
import { readWorker, type WorkerRecord } from './record.js';
import { sessionIdOf } from './session-id.js';
import { openOnHost, waitForRemoteStart } from '../hosts/launch-remote.js';
import { panesFor } from '../hosts/seen.js';
import { runPanes } from '../hosts/sync.js';
import { markResuming, RefusedTransition, settleWorker } from './store.js';

export { sessionIdOf } from './session-id.js';

/** What a resume started from. */
export interface ResumeReport {
  worker: string;
  sessionId: string;
  attempt: number;
  previousState: WorkerRecord['state'];
  previousExitCode: number | null;
}

/** Restarts a worker's agent with its resume argv and session id, in the same window when it still exists. */
export async function resumeWorker(run: RunRecord, tmux: Tmux, name: string, env: NodeJS.ProcessEnv = process.env): Promise<ResumeReport> {
  if (!readWorker(run.dir, name)) throw new UsageError(`Unknown worker ${JSON.stringify(name)} in run ${run.id}`, { code: 'unknown_worker' });
  // What tmux and the runner's facts show first (a runner killed -9 left `running` behind).
  const rec = settleWorker(run.dir, name, { panes: await runPanes(run, tmux), by: 'resume' })!;
  if (rec.state === 'running' || rec.state === 'pending') throw new UsageError(`Worker ${name} is ${rec.state}: kill it first or let it finish`, { code: 'worker_running' });
  if (rec.state === 'done') throw new UsageError(`Worker ${name} is done: it has its result, there is nothing to resume`, { code: 'worker_done' });
  if (!rec.resumeArgv) throw new UsageError(`Agent ${rec.agent} has no resume command in its profile: it cannot be resumed`, { code: 'not_resumable' });
  const sessionId = sessionIdOf(rec);
  if (!sessionId) throw new OrchError(`Worker ${name} has no recorded session id (the agent never printed one): it cannot be resumed`, { code: 'no_session_id' });
  const paths = workerPaths(run.dir, name);
  // The monitor and a pattern driver may both decide to resume: one lock per worker, one resume.
  const lock = acquireLock(join(paths.dir, 'resume.lock'));
  if ('heldBy' in lock) throw new OrchError(`Worker ${name} is being resumed by pid ${lock.heldBy.pid}`, { code: 'resume_in_progress' });
  try {
    return await resumeLocked(run, tmux, rec, sessionId, env);
  } finally {
    lock.release();
  }
}

async function resumeLocked(run: RunRecord, tmux: Tmux, before: WorkerRecord, sessionId: string, env: NodeJS.ProcessEnv): Promise<ResumeReport> {
  const name = before.name;
  // Refused (and logged) when someone else resumed it meanwhile: it is no longer failed, lost or killed.
  let rec: WorkerRecord | undefined;
  try {
    rec = markResuming(run.dir, name, sessionId, 'resume');
  } catch (error) {
    if (!(error instanceof RefusedTransition)) throw error;
    throw new OrchError(`Worker ${name} is ${readWorker(run.dir, name)?.state ?? 'gone'} now: someone else resumed it`, { code: 'resume_in_progress' });
  }
  // A run that had ended (every worker finished, or killed) is active again while this worker runs.
  const reopened = reopenRun(run.dir, true);
  await ensureSession(run, tmux);
  if (reopened) await reviveBoard(run, tmux);
  const attempt = rec?.resumes ?? before.resumes + 1;
  const command = prepareRunner(rec ?? readWorker(run.dir, name)!, { attempt, resume: true, env: forwardedEnv(env, before.host) });
  if (before.host) {
    // On its host: the same window when its pane is still there (the host's own listing, just synced).
    const respawn = before.paneId && hasPane(panesFor(before, 'unknown'), before.paneId) ? before.paneId : undefined;
    const opened = await openOnHost(run, rec ?? before, command, attempt, respawn);
    await waitForRemoteStart(run, name, 15_000, opened.paneId);
    return { worker: name, sessionId, attempt, previousState: before.state, previousExitCode: before.exitCode ?? null };
  }
  const panes = await sessionPanes(tmux, run.session);
  const windowEnv = { ORCH_TMUX_WORKER: `${run.id}/${name}` };
  if (before.paneId && hasPane(panes, before.paneId)) {
    await tmux.respawnPane(before.paneId, command, { kill: true, cwd: before.cwd, env: windowEnv });
  } else {
    await tmux.newWindow({ target: run.session, name, cwd: before.cwd, env: windowEnv, command });
  }
  await waitForStart(tmux, run, name, 15_000);
  return { worker: name, sessionId, attempt, previousState: before.state, previousExitCode: before.exitCode ?? null };
}
