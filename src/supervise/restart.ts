import { join } from 'node:path';
import { acquireLock } from '../os/lock.js';
import { OrchError, UsageError } from '../core/errors.js';
import { workerPaths } from '../core/paths.js';
import { ensureSession, reopenRun, reviveBoard } from '../store/run.js';
import type { Tmux } from '../tmux/index.js';
import { forwardedEnv, waitForStart } from './launch.js';
import { prepareRunner } from '../runner/launch-file.js';
import { hasPane } from '../core/panes.js';
import { type WorkerRecord } from '../core/worker.js';
import { sessionIdOf } from '../store/session-id.js';
import { openOnHost, waitForRemoteStart } from './launch-remote.js';
import { panesFor } from '../sites/seen.js';
import { runPanes } from './host-sync.js';
import { markRestarting, RefusedTransition, settleWorker, type Restart } from '../store/worker.js';
import { workspacePrint } from '../os/workspace-print.js';
import { readWorker } from '../store/records.js';
import { type RunRecord } from '../core/run.js';
import { sessionPanes } from '../sites/panes.js';
import { START_TIMEOUT_MS } from '../core/timing.js';

export { sessionIdOf } from '../store/session-id.js';

/** What a restart (resume or rerun) started from. */
export interface ResumeReport {
  worker: string;
  /** The session resumed; a rerun's new one where the profile chooses it, else none. */
  sessionId?: string;
  attempt: number;
  previousState: WorkerRecord['state'];
  previousExitCode: number | null;
}

/** Restarts a worker's agent with its resume argv and session id, in the same window when it still exists. */
export async function resumeWorker(run: RunRecord, tmux: Tmux, name: string, env: NodeJS.ProcessEnv = process.env): Promise<ResumeReport> {
  const rec = await endedWorker(run, tmux, name, 'resume');
  if (!rec.resumeArgv) throw new UsageError(`Agent ${rec.agent} has no resume command in its profile: it cannot be resumed`, { code: 'not_resumable' });
  const sessionId = sessionIdOf(rec);
  if (!sessionId) throw new OrchError(`Worker ${name} has no recorded session id (the agent never printed one): it cannot be resumed`, { code: 'no_session_id' });
  return restart(run, tmux, rec, { kind: 'resume', sessionId }, env);
}

/**
 * Starts a worker's task again from its prompt.md as a new attempt (a rerun: there is nothing to resume).
 * A writer is rerun only on the workspace its attempt started from: a changed one is refused
 * (`workspace_changed`), so a rerun never lands on top of a half-made change.
 */
export async function rerunWorker(run: RunRecord, tmux: Tmux, name: string, env: NodeJS.ProcessEnv = process.env): Promise<ResumeReport> {
  const rec = await endedWorker(run, tmux, name, 'rerun');
  if (rec.workspacePrint && (await workspacePrint(rec.cwd)) !== rec.workspacePrint) {
    throw new OrchError(`Worker ${name}'s workspace ${rec.cwd} changed since its attempt started: it is not rerun on top of a half-made change`, { code: 'workspace_changed' });
  }
  return restart(run, tmux, rec, { kind: 'rerun' }, env);
}

// The worker as tmux and the runner's facts show it (a runner killed -9 left `running` behind), refused unless it ended without its answer.
async function endedWorker(run: RunRecord, tmux: Tmux, name: string, verb: string): Promise<WorkerRecord> {
  if (!readWorker(run.dir, name)) throw new UsageError(`Unknown worker ${JSON.stringify(name)} in run ${run.id}`, { code: 'unknown_worker' });
  const rec = settleWorker(run.dir, name, { panes: await runPanes(run, tmux), by: verb })!;
  if (rec.state === 'running' || rec.state === 'pending') throw new UsageError(`Worker ${name} is ${rec.state}: kill it first or let it finish`, { code: 'worker_running' });
  if (rec.state === 'done') throw new UsageError(`Worker ${name} is done: it has its result, there is nothing to ${verb}`, { code: 'worker_done' });
  return rec;
}

// One restart at a time per worker (the monitor and a pattern driver may both decide on one).
async function restart(run: RunRecord, tmux: Tmux, rec: WorkerRecord, how: Restart, env: NodeJS.ProcessEnv): Promise<ResumeReport> {
  const lock = acquireLock(join(workerPaths(run.dir, rec.name).dir, 'resume.lock'));
  if ('heldBy' in lock) throw new OrchError(`Worker ${rec.name} is being restarted by pid ${lock.heldBy.pid}`, { code: 'resume_in_progress' });
  try {
    return await restartLocked(run, tmux, rec, how, env);
  } finally {
    lock.release();
  }
}

async function restartLocked(run: RunRecord, tmux: Tmux, before: WorkerRecord, how: Restart, env: NodeJS.ProcessEnv): Promise<ResumeReport> {
  const name = before.name;
  // A writer's workspace as this attempt begins: what a later rerun must find unchanged.
  const print = before.workspacePrint !== undefined ? await workspacePrint(before.cwd) : undefined;
  // Refused (and logged) when someone else restarted it meanwhile: it is no longer failed, lost or killed.
  let rec: WorkerRecord | undefined;
  try {
    rec = markRestarting(run.dir, name, how, how.kind, print);
  } catch (error) {
    if (!(error instanceof RefusedTransition)) throw error;
    throw new OrchError(`Worker ${name} is ${readWorker(run.dir, name)?.state ?? 'gone'} now: someone else restarted it`, { code: 'resume_in_progress' });
  }
  // A run that had ended (every worker finished, or killed) is active again while this worker runs.
  const reopened = reopenRun(run.dir, true);
  await ensureSession(run, tmux);
  if (reopened) await reviveBoard(run, tmux);
  const now = rec ?? readWorker(run.dir, name)!;
  const attempt = now.resumes;
  const command = prepareRunner(now, { attempt, resume: how.kind === 'resume', env: forwardedEnv(env, before.host, before.forwardEnv) });
  const report = { worker: name, sessionId: how.kind === 'resume' ? how.sessionId : now.sessionId, attempt, previousState: before.state, previousExitCode: before.exitCode ?? null };
  if (before.host) {
    // On its host: the same window when its pane is still there (the host's own listing, just synced).
    const respawn = before.paneId && hasPane(panesFor(before, 'unknown'), before.paneId) ? before.paneId : undefined;
    const opened = await openOnHost(run, now, command, attempt, respawn);
    await waitForRemoteStart(run, name, START_TIMEOUT_MS, opened.paneId);
    return report;
  }
  const panes = await sessionPanes(tmux, run.session);
  const windowEnv = { ORCH_TMUX_WORKER: `${run.id}/${name}` };
  if (before.paneId && hasPane(panes, before.paneId)) {
    await tmux.respawnPane(before.paneId, command, { kill: true, cwd: before.cwd, env: windowEnv });
  } else {
    await tmux.newWindow({ target: run.session, name, cwd: before.cwd, env: windowEnv, command });
  }
  await waitForStart(tmux, run, name, START_TIMEOUT_MS);
  return report;
}
