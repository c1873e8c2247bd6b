// Pure: what a worker's state is, from its record, the runner's facts and what tmux shows. The store
// applies it; read commands (status, wait) compute it for their answer and write nothing.

import { FINISHED, type DerivedState, type WorkerRecord, type WorkerState } from './worker.js';
import type { PaneInfo, PaneMap } from './panes.js';
import { type ExitFact, type StartFact } from './facts.js';
import { REMOTE_FACT_CLOCK_MS, START_GRACE_MS, START_NOTICE_MS } from './timing.js';

/** What tmux said about a run's panes; `unreachable`: the worker's host did not answer. */
export type Panes = PaneMap | 'gone' | 'unknown' | 'unreachable';

/** A worker's state as the evidence shows it, with the fields a transition to it records. */
export interface Truth {
  state: DerivedState;
  reason?: string;
  /** The agent's own word decided the failure (an error result, refused tools, an explained exit code). */
  agentSaid?: true;
  pane?: PaneInfo;
  start?: StartFact;
  exit?: ExitFact;
}

/** What the derivation needs besides the record; the caller gathers it (files, tmux, processes). */
export interface Evidence {
  facts: { start?: StartFact; exit?: ExitFact };
  /** Panes of the run's session by id; `gone` when the session or the server is gone; `unknown` when tmux was not asked. */
  panes: Panes;
  /** Why the worker's host did not answer (ssh's words), when it did not. */
  unreachable?: string;
  /** `orch-tmux kill` asked this worker to stop. */
  killRequested: boolean;
  /** The agent's answer is on its declared channel. */
  answered: boolean;
  /** Why the agent's own report says the turn failed (an error result, refused tool calls). */
  agentFailure?: string;
  /** orch-tmux sent an exec agent its interrupt key (why): that turn is never done. */
  interrupted?: string;
  /** What the agent's exit codes mean (from its profile). */
  exitCodes?: Record<string, string>;
  /** The last line the agent left on its screen this attempt (its stderr, or stdout), for a failure's reason. */
  lastWords?: string;
  alive: (pid: number | undefined) => boolean;
  nowMs: number;
  /** How long a worker may stay pending before nobody is coming to start it. */
  startGraceMs?: number;
}

/** How an attempt ended, from its exit fact: done only with the agent's answer, exit 0, and no word of failure.
 * `agentSaid`: the agent itself said why (an error result, refused tools, an exit code its profile explains). */
export function judgeExit(exit: ExitFact, e: Pick<Evidence, 'killRequested' | 'answered' | 'agentFailure' | 'interrupted' | 'exitCodes' | 'lastWords'>): { state: WorkerState; reason?: string; agentSaid?: true } {
  if (e.killRequested) return { state: 'killed', reason: 'killed by orch-tmux kill' };
  if (exit.error) return { state: 'failed', reason: exit.error };
  if (e.interrupted) return { state: 'failed', reason: `interrupted: ${e.interrupted}` };
  if (e.agentFailure) return { state: 'failed', reason: e.agentFailure, agentSaid: true };
  const meaning = exit.code !== null && exit.code !== 0 ? e.exitCodes?.[String(exit.code)] : undefined;
  if (meaning) return { state: 'failed', reason: `agent exited with code ${exit.code}: ${meaning}`, agentSaid: true };
  // SIGKILL comes from outside (a person, the OOM killer): nothing the agent printed before it says why.
  const words = e.lastWords && exit.signal !== 'SIGKILL' ? `: ${e.lastWords}` : '';
  if (exit.signal) return { state: 'failed', reason: `agent ended by ${exit.signal}${words}` };
  if (exit.code !== 0) return { state: 'failed', reason: `agent exited with code ${exit.code}${words}` };
  if (!e.answered) return { state: 'failed', reason: 'no result' };
  return { state: 'done' };
}

/** The truth about one worker: finished records stand; otherwise facts first, then tmux and processes. */
export function deriveTruth(rec: WorkerRecord, e: Evidence): Truth {
  const { start, exit } = e.facts;
  const paneId = start?.paneId ?? rec.paneId;
  const known = e.panes instanceof Map ? e.panes : undefined;
  const pane = paneId ? known?.get(paneId) : undefined;
  if (FINISHED.has(rec.state)) return { state: rec.state, reason: rec.reason, pane };
  // Waiting for a slot: nothing runs, nothing to look at.
  if (rec.state === 'queued') return { state: 'queued' };
  if (exit) return { ...judgeExit(exit, e), pane, start, exit };
  // Its host does not answer: whatever happens there is unknown until it does (never lost for that).
  if (e.panes === 'unreachable') return { state: 'unreachable', reason: e.unreachable ?? `host ${rec.host?.name ?? '?'} is unreachable`, start };
  if (start || rec.state === 'running') {
    // A listing asked for before the runner reported its start says nothing about this attempt's pane
    // (missing, or still dead from the attempt before a resume): no evidence either way.
    // A remote worker's fact came home by tar, whose file times are whole seconds: its start may be up to
    // a second after the time it shows.
    const startedMs = Date.parse(start?.time ?? rec.startedAt ?? '') + (rec.host ? REMOTE_FACT_CLOCK_MS : 0);
    const stale = known?.listedAt !== undefined && !(startedMs < known.listedAt);
    if (stale) return { state: 'running', pane, start };
    if (!pane && e.panes !== 'unknown') return { state: 'lost', reason: e.panes === 'gone' ? 'tmux session or server gone' : 'worker pane vanished', start };
    if (pane?.dead) return { state: 'failed', reason: `runner died without recording an outcome (pane exit status ${pane.deadStatus ?? '?'})`, pane, start };
    if (!e.alive(start?.runnerPid ?? rec.runnerPid)) return { state: 'failed', reason: 'runner process is gone', pane, start };
    return { state: 'running', pane, start };
  }
  // Pending: a runner records its start within a second or two; long after that, nobody will.
  const age = e.nowMs - Date.parse(rec.pendingSince ?? rec.createdAt);
  const noRunnerComing = e.panes === 'unknown' ? false : paneId ? !pane || pane.dead : age > START_NOTICE_MS;
  if (rec.starterPid !== undefined && !e.alive(rec.starterPid) && noRunnerComing) return { state: 'lost', reason: 'its starter died before the agent started', pane };
  if (age > (e.startGraceMs ?? START_GRACE_MS) && e.panes !== 'unknown') return { state: 'lost', reason: e.panes === 'gone' ? 'tmux session gone before the worker started' : 'the worker never started (its starter died?)' };
  return { state: 'pending', pane };
}
