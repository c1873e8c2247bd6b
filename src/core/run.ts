// Pure: a run's record (run.json) and how an ended run went.

/** run.json: what a run is and where its tmux session lives. */
export interface RunRecord {
  id: string;
  name?: string;
  dir: string;
  cwd: string;
  session: string;
  socketPath: string;
  created: string;
  pattern?: string;
  inputs?: Record<string, unknown>;
  agent?: string;
  /** active until every worker has finished and no driver holds it; killed after `kill <run>`. */
  state: RunState;
  /** How an ended run went, beside its state: ok, or failed with `reason`. */
  outcome?: RunOutcome;
  /** Why the outcome is not ok: a verifier's FAIL line, the first worker that failed, a kill. */
  reason?: string;
  /** Earlier versions' outcome of a pattern run (read as `outcome`). */
  ok?: boolean;
  endedAt?: string;
}

/** How an ended run went (a later issue adds `over_budget`). */
export type RunOutcome = 'ok' | 'failed' | 'over_budget';

/** A run's outcome and reason, also for runs ended by earlier versions (`ok`, the `failed` state); undefined while active. */
export function outcomeOf(run: RunRecord): { outcome: RunOutcome; reason?: string } | undefined {
  if (run.outcome) return { outcome: run.outcome, reason: run.reason };
  if (run.state === 'failed' || run.ok === false) return { outcome: 'failed', reason: run.reason };
  if (run.state === 'killed') return { outcome: 'failed', reason: 'killed by orch-tmux kill' };
  if (run.state === 'finished') return { outcome: 'ok' };
  return undefined;
}

/** A run's life: `failed` is how earlier versions ended a pattern run that did not succeed. */
export type RunState = 'active' | 'finished' | 'killed' | 'failed';

/** True for a run that is over: the monitor leaves it alone. */
export function runEnded(state: RunState | undefined): boolean {
  return state === 'finished' || state === 'killed' || state === 'failed';
}
