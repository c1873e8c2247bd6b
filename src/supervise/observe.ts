// What status and wait answer: every worker's truth, derived from its record, its runner's facts and
// tmux, without writing anything (only the store writes).
import { existsSync } from 'node:fs';
import { workerPaths } from '../core/paths.js';

import type { Tmux } from '../tmux/index.js';
import { readAnswer } from '../store/answer.js';
import { runPanes } from './host-sync.js';
import { FINISHED, type DerivedState, type WorkerRecord } from '../core/worker.js';
import { gatherEvidence } from '../store/worker.js';
import { workerUsage, type Tokens } from '../core/usage.js';
import { deriveTruth, type Panes } from '../core/truth.js';
import { readWorker, workerNamesInOrder } from '../store/records.js';
import { type RunRecord } from '../core/run.js';

/** One worker as status reports it (the JSON shape documented in the README). */
export interface WorkerStatus {
  name: string;
  state: DerivedState;
  /** Where it runs: `local`, or the name of its host. */
  host: string;
  agent?: string;
  exitCode: number | null;
  signal: string | null;
  reason?: string;
  startedAt?: string;
  endedAt?: string;
  lastActivity?: string;
  paneId?: string;
  sessionId?: string;
  /** The file holding the worker's answer, or null when it gave none (yet). */
  result: string | null;
  /** Where the answer came from (the declared channel), or the fallback kept for people. */
  resultSource?: string;
  /** false: the state is derived from facts the store has not recorded yet (the next writer records it; readers never do). */
  recorded?: false;
  /** What the agent said it cost (USD) and the tokens it reported, where it did. */
  cost?: number;
  tokens?: Tokens;
  /** Restarts so far, where there were any: resumes (the same session) and reruns (the task again). */
  resumes?: number;
  reruns?: number;
}

/** A worker's restarts for its status, present only when it had any. */
function restarts(rec: WorkerRecord): { resumes?: number; reruns?: number } {
  const reruns = rec.reruns ?? 0;
  const resumes = rec.resumes - reruns;
  return { ...(resumes > 0 ? { resumes } : {}), ...(reruns > 0 ? { reruns } : {}) };
}

/**
 * Every worker of a run with its derived state; reads only. `filesOnly` leaves tmux unasked (panes
 * unknown: nothing is judged lost), for a waiter woken by a file change, which the files answer.
 */
export async function runStatus(run: RunRecord, tmux: Tmux, o: { filesOnly?: boolean } = {}): Promise<WorkerStatus[]> {
  const names = workerNamesInOrder(run.dir);
  // Finished workers are settled by their files: ask tmux only when some worker may still be live.
  const live = !o.filesOnly && names.some((n) => {
    const r = readWorker(run.dir, n);
    return !r || !FINISHED.has(r.state);
  });
  // tmux first, then the files: a runner that reports its outcome after our listing is still seen.
  const panes: Panes = live ? await runPanes(run, tmux) : 'unknown';
  return names.map((name) => workerStatus(run, name, panes));
}

/** One worker's status from its record, facts and the panes listed. */
export function workerStatus(run: RunRecord, name: string, panes: Panes): WorkerStatus {
  const rec = readWorker(run.dir, name);
  if (!rec) {
    return { name, state: 'lost', host: 'local', exitCode: null, signal: null, reason: 'worker.json is missing or damaged', result: existingResult(run.dir, name) };
  }
  const base = { name, host: rec.host?.name ?? 'local', agent: rec.agent, sessionId: rec.sessionId, paneId: rec.paneId, ...workerUsage(rec.spent), ...restarts(rec) };
  if (FINISHED.has(rec.state)) {
    return {
      ...base, state: rec.state, exitCode: rec.exitCode ?? null, signal: rec.signal ?? null, reason: rec.reason,
      startedAt: rec.startedAt, endedAt: rec.endedAt, lastActivity: rec.endedAt, result: existingResult(run.dir, name), resultSource: rec.resultSource,
    };
  }
  const evidence = gatherEvidence(rec, panes);
  const truth = deriveTruth(rec, evidence);
  return {
    ...base,
    state: truth.state,
    exitCode: truth.exit?.code ?? null,
    signal: truth.exit?.signal ?? null,
    reason: truth.reason,
    startedAt: rec.startedAt ?? truth.start?.time,
    endedAt: truth.exit?.time,
    lastActivity: truth.pane && truth.pane.activity > 0 ? new Date(truth.pane.activity).toISOString() : truth.exit?.time,
    paneId: truth.start?.paneId ?? rec.paneId,
    result: answerFile(rec, evidence.answered),
    resultSource: evidence.answered ? readAnswer(rec)?.source : undefined,
    ...(truth.state !== rec.state && truth.state !== 'unreachable' ? { recorded: false as const } : {}),
  };
}

function existingResult(runDir: string, name: string): string | null {
  const path = workerPaths(runDir, name).result;
  return existsSync(path) ? path : null;
}

// Before the store has copied the answer into result.md (a few ms after the exit), the declared file holds it.
function answerFile(rec: WorkerRecord, answered: boolean): string | null {
  const paths = workerPaths(rec.runDir, rec.name);
  if (existsSync(paths.result)) return paths.result;
  if (!answered) return null;
  return rec.lastMessage === 'file' ? paths.lastMessage : rec.lastMessage === 'stdout' ? paths.stdout : null;
}
