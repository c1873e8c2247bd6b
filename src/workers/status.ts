import { existsSync } from 'node:fs';
import { appendEvent } from '../runs/events.js';
import { workerPaths } from '../runs/paths.js';
import type { RunRecord } from '../runs/run.js';
import { NoServerError, TargetNotFoundError, type Tmux } from '../tmux/index.js';
import { FINISHED, listWorkerNames, readWorker, updateWorker, type WorkerRecord, type WorkerState } from './record.js';

/** One worker as status reports it (the JSON shape documented in the README). */
export interface WorkerStatus {
  name: string;
  state: WorkerState;
  agent?: string;
  exitCode: number | null;
  signal: string | null;
  reason?: string;
  startedAt?: string;
  endedAt?: string;
  lastActivity?: string;
  paneId?: string;
  sessionId?: string;
  result: string | null;
}

/** Live facts of one pane from a single list-panes call. */
export interface PaneInfo {
  paneId: string;
  dead: boolean;
  deadStatus?: number;
  activity: number;
  pid: number;
  currentCommand: string;
  windowName: string;
}

export const PANE_FIELDS = ['pane_id', 'pane_dead', 'pane_dead_status', 'window_activity', 'pane_pid', 'pane_current_command', 'window_name'] as const;

/** Parses one list-panes row into PaneInfo. */
export function paneInfo(row: Record<(typeof PANE_FIELDS)[number], string>): PaneInfo {
  return {
    paneId: row.pane_id,
    dead: row.pane_dead === '1',
    deadStatus: row.pane_dead_status === '' ? undefined : Number(row.pane_dead_status),
    activity: Number(row.window_activity) * 1000,
    pid: Number(row.pane_pid),
    currentCommand: row.pane_current_command,
    windowName: row.window_name,
  };
}

/** Panes of the run's session by pane id; undefined when the session or server is gone. */
export async function sessionPanes(tmux: Tmux, session: string): Promise<Map<string, PaneInfo> | undefined> {
  try {
    const rows = await tmux.listPanes(PANE_FIELDS, session);
    return new Map(rows.map((r) => [r.pane_id, paneInfo(r)]));
  } catch (error) {
    if (error instanceof NoServerError || error instanceof TargetNotFoundError) return undefined;
    throw error;
  }
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The truth about one worker: what its file says, corrected by tmux (a vanished pane is lost, a dead runner failed). */
export function reconcile(rec: WorkerRecord, panes: Map<string, PaneInfo> | undefined, startGraceMs = 20_000): { state: WorkerState; reason?: string; pane?: PaneInfo } {
  const pane = rec.paneId ? panes?.get(rec.paneId) : undefined;
  if (FINISHED.has(rec.state)) return { state: rec.state, reason: rec.reason, pane };
  if (rec.state === 'pending') {
    // A runner records `running` within a second or two; pending long after that means nobody will.
    const age = Date.now() - Date.parse(rec.pendingSince ?? rec.createdAt);
    // A runner in a live pane will still record itself; a dead pane (or none after a few seconds) will not.
    const noRunnerComing = rec.paneId ? !pane || pane.dead : age > 5000;
    const orphaned = rec.starterPid !== undefined && !alive(rec.starterPid) && noRunnerComing;
    if (orphaned) return { state: 'lost', reason: 'its starter died before the agent started', pane };
    if (age > startGraceMs) return { state: 'lost', reason: panes === undefined ? 'tmux session gone before the worker started' : 'the worker never started (its starter died?)' };
    return { state: 'pending', pane };
  }
  if (!pane) {
    return { state: 'lost', reason: panes === undefined ? 'tmux session or server gone' : 'worker pane vanished' };
  }
  if (pane.dead) return { state: 'failed', reason: `runner died without recording an outcome (pane exit status ${pane.deadStatus ?? '?'})`, pane };
  if (!alive(rec.runnerPid)) return { state: 'failed', reason: 'runner process is gone', pane };
  return { state: 'running', pane };
}

/** Every worker of a run with its reconciled state; a state tmux proves wrong is written back, with an event. */
export async function runStatus(run: RunRecord, tmux: Tmux): Promise<WorkerStatus[]> {
  const names = listWorkerNames(run.dir);
  const records = new Map(names.map((n) => [n, readWorker(run.dir, n)]));
  // Finished workers are settled by their files: ask tmux only when some worker may still be live.
  const live = [...records.values()].some((r) => r && !FINISHED.has(r.state));
  const panes = live ? await sessionPanes(tmux, run.session) : new Map<string, PaneInfo>();
  return names.map((name) => {
    let rec = records.get(name);
    if (!rec) {
      return { name, state: 'lost', exitCode: null, signal: null, reason: 'worker.json is missing or damaged', result: resultPath(run.dir, name) };
    }
    const settled = settle(run.dir, rec, panes, 'status');
    rec = settled.rec;
    const truth = settled.truth;
    return {
      name,
      state: truth.state,
      agent: rec.agent,
      exitCode: rec.exitCode ?? null,
      signal: rec.signal ?? null,
      reason: truth.reason ?? rec.reason,
      startedAt: rec.startedAt,
      endedAt: rec.endedAt,
      lastActivity: truth.pane && truth.pane.activity > 0 ? new Date(truth.pane.activity).toISOString() : rec.endedAt,
      paneId: rec.paneId,
      sessionId: rec.sessionId,
      result: resultPath(run.dir, name),
    };
  });
}

function resultPath(runDir: string, name: string): string | null {
  const path = workerPaths(runDir, name).result;
  return existsSync(path) ? path : null;
}

/**
 * The worker's truth, written back when tmux proves its file wrong (a runner that died unrecorded left
 * "running"); a runner that recorded its outcome between our read and the pane listing wins.
 */
export function settle(runDir: string, rec: WorkerRecord, panes: Map<string, PaneInfo> | undefined, by: string): { rec: WorkerRecord; truth: ReturnType<typeof reconcile> } {
  const truth = reconcile(rec, panes);
  if (truth.state === rec.state || (truth.state !== 'lost' && truth.state !== 'failed')) return { rec, truth };
  const fresh = readWorker(runDir, rec.name);
  if (fresh && FINISHED.has(fresh.state)) return { rec: fresh, truth: { state: fresh.state, reason: fresh.reason, pane: truth.pane } };
  if (!fresh) return { rec, truth };
  try {
    const written = updateWorker(runDir, rec.name, { state: truth.state, reason: truth.reason, endedAt: new Date().toISOString() }) ?? fresh;
    appendEvent(runDir, { worker: rec.name, kind: `worker.${truth.state}`, detail: { reason: truth.reason, by } });
    return { rec: written, truth };
  } catch {
    return { rec: fresh, truth }; // read-only or full disk: report the truth anyway
  }
}
