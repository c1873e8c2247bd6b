// A pattern run's spending limits (--budget-usd, --budget-tokens): what the workers reported is added up as
// they end; once it passes a limit nothing new starts, the live workers are stopped (interrupt, then kill
// after the grace period), and the run ends over_budget. Usage arrives with each worker's end, so a run may
// overshoot by what its running workers spend before they stop.
import type { RunRecord } from '../core/run.js';
import { FINISHED } from '../core/worker.js';
import { KILL_GRACE_DEFAULT_S } from '../core/timing.js';
import { appendEvent } from '../store/events.js';
import { killWorker } from '../supervise/kill.js';
import type { WorkerStatus } from '../supervise/observe.js';
import type { Tmux } from '../tmux/index.js';

/** The limits as the drive keeps them: once one is passed, why the run stops, and the stopping of its live workers. */
export interface Budget {
  usd?: number;
  /** Input and output tokens (cache reads are not counted). */
  tokens?: number;
  /** The workers' summed wall time, first start to end, in minutes (ended workers). */
  minutes?: number;
  /** What each worker reported, from every status the drive's waits saw (each wait sees some of them): USD, and tokens. */
  spent: Map<string, number>;
  used: Map<string, number>;
  took: Map<string, number>;
  passed?: string;
  stopping?: Promise<void>;
}

/** Dollars as the budget's messages show them: enough digits for an agent's fractions of a cent. */
export function usd(n: number): string {
  return `$${Number(n.toPrecision(4))}`;
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((n, c) => n + c, 0);

/** What is left of the run's --budget-usd (never below 0); undefined without one. */
export function remainingUsd(b: Budget | undefined): number | undefined {
  return b?.usd === undefined ? undefined : Math.max(0, b.usd - sum(b.spent));
}

/** Adds up what the drive's workers reported; the first time it passes a limit, stops the live ones. */
export function checkBudget(b: Budget | undefined, run: RunRecord, tmux: Tmux, workers: WorkerStatus[]): void {
  if (!b || b.passed) return;
  for (const w of workers) {
    if (w.cost !== undefined) b.spent.set(w.name, w.cost);
    if (w.tokens) b.used.set(w.name, w.tokens.input + w.tokens.output);
    if (w.startedAt && w.endedAt && FINISHED.has(w.state)) b.took.set(w.name, Date.parse(w.endedAt) - Date.parse(w.startedAt));
  }
  const spent = sum(b.spent);
  const used = sum(b.used);
  const minutes = sum(b.took) / 60_000;
  if (b.usd !== undefined && spent > b.usd) b.passed = `over budget: ${usd(spent)} spent of ${usd(b.usd)}`;
  else if (b.tokens !== undefined && used > b.tokens) b.passed = `over budget: ${used} tokens used of ${b.tokens}`;
  else if (b.minutes !== undefined && minutes > b.minutes) b.passed = `over budget: ${Number(minutes.toPrecision(3))} worker-minutes of ${b.minutes}`;
  else return;
  const live = workers.filter((w) => w.state === 'pending' || w.state === 'running').map((w) => w.name);
  // Ended workers whose agents reported no cost count as $0 toward --budget-usd: named so nobody is misled.
  const unpriced = b.usd === undefined ? [] : workers.filter((w) => FINISHED.has(w.state) && w.cost === undefined).map((w) => w.name);
  appendEvent(run.dir, { kind: 'run.over-budget', detail: { spentUsd: spent, budgetUsd: b.usd ?? null, usedTokens: used, budgetTokens: b.tokens ?? null, workerMinutes: Number(minutes.toPrecision(3)), budgetMinutes: b.minutes ?? null, unpriced, stopping: live } });
  b.stopping = Promise.all(live.map((name) => killWorker(run, tmux, name, KILL_GRACE_DEFAULT_S * 1000).catch(() => undefined))).then(() => undefined);
}
