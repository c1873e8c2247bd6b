import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock } from '../monitor/lock.js';
import { OrchError, UsageError } from '../errors.js';
import { appendEvent } from '../runs/events.js';
import { workerPaths } from '../runs/paths.js';
import { ensureSession, type RunRecord } from '../runs/run.js';
import { runnerScript } from '../paths.js';
import type { Tmux } from '../tmux/index.js';
import { forwardedEnv, waitForStart } from './launch.js';
import { writeEnvFile } from './env-file.js';
import { readWorker, updateWorker, type WorkerRecord } from './record.js';
import { findSessionId } from './runner.js';
import { sessionPanes } from './status.js';

/** What a resume started from. */
export interface ResumeReport {
  worker: string;
  sessionId: string;
  attempt: number;
  previousState: WorkerRecord['state'];
  previousExitCode: number | null;
}

/** The session id a resume needs: recorded by the runner, else found in the transcript. */
export function sessionIdOf(rec: WorkerRecord): string | undefined {
  if (rec.sessionId) return rec.sessionId;
  if (!rec.sessionIdRegex) return undefined;
  return findSessionId(workerPaths(rec.runDir, rec.name).paneLog, new RegExp(rec.sessionIdRegex));
}

/** Restarts a worker's agent with the profile's resume argv and its session id, in the same window when it still exists. */
export async function resumeWorker(run: RunRecord, tmux: Tmux, name: string, env: NodeJS.ProcessEnv = process.env): Promise<ResumeReport> {
  const rec = readWorker(run.dir, name);
  if (!rec) throw new UsageError(`Unknown worker ${JSON.stringify(name)} in run ${run.id}`);
  if (rec.state === 'running' || rec.state === 'pending') throw new UsageError(`Worker ${name} is ${rec.state}: kill it first or let it finish`);
  if (rec.state === 'done') throw new UsageError(`Worker ${name} is done: it has its result, there is nothing to resume`);
  if (!rec.resumeArgv) throw new UsageError(`Agent ${rec.agent} has no resume command in its profile: it cannot be resumed`);
  const sessionId = sessionIdOf(rec);
  if (!sessionId) throw new OrchError(`Worker ${name} has no recorded session id (the agent never printed one): it cannot be resumed`);
  const paths = workerPaths(run.dir, name);
  // The monitor and a pattern driver may both decide to resume: one lock per worker, one resume.
  const lock = acquireLock(join(paths.dir, 'resume.lock'));
  if ('heldBy' in lock) throw new OrchError(`Worker ${name} is being resumed by pid ${lock.heldBy.pid}`);
  try {
    return await resumeLocked(run, tmux, rec, sessionId, env);
  } finally {
    lock.release();
  }
}

async function resumeLocked(run: RunRecord, tmux: Tmux, stale: WorkerRecord, sessionId: string, env: NodeJS.ProcessEnv): Promise<ResumeReport> {
  const name = stale.name;
  const rec = readWorker(run.dir, name) ?? stale;
  if (rec.state === 'running' || rec.state === 'pending' || rec.state === 'done') throw new OrchError(`Worker ${name} is ${rec.state} now: someone else resumed it`);
  const paths = workerPaths(run.dir, name);
  if (existsSync(paths.killRequested)) rmSync(paths.killRequested);
  updateWorker(run.dir, name, { state: 'pending', pendingSince: new Date().toISOString(), starterPid: process.pid, sessionId, reason: undefined });
  appendEvent(run.dir, { worker: name, kind: 'worker.resume', detail: { sessionId, attempt: rec.resumes + 1, previousState: rec.state, previousExitCode: rec.exitCode ?? null } });
  await ensureSession(run, tmux);
  const panes = await sessionPanes(tmux, run.session);
  const command = [process.execPath, runnerScript, paths.dir, '--resume'];
  writeEnvFile(paths.envFile, forwardedEnv(env));
  const windowEnv = { ORCH_TMUX_WORKER: `${run.id}/${name}` };
  if (rec.paneId && panes?.has(rec.paneId)) {
    await tmux.respawnPane(rec.paneId, command, { kill: true, cwd: rec.cwd, env: windowEnv });
  } else {
    await tmux.newWindow({ target: run.session, name, cwd: rec.cwd, env: windowEnv, command });
  }
  await waitForStart(tmux, run, name, 15_000);
  return { worker: name, sessionId, attempt: rec.resumes + 1, previousState: rec.state, previousExitCode: rec.exitCode ?? null };
}
