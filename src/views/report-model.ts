// What a run report shows, gathered from the run directory alone (read only; tmux is not asked, so a
// report of a run whose tmux server is gone still works): the workers as status derives them, each
// worker's attempts and the marks on its timeline from events.jsonl, the plan, the synthesis and results.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvents, type RunEvent } from '../store/events.js';
import { readPlan } from '../store/plan.js';

import { workerStatus, type WorkerStatus } from '../supervise/observe.js';
import { readWorker, workerNamesInOrder } from '../store/records.js';
import { type Plan } from '../core/plan.js';
import { outcomeOf, type RunRecord } from '../core/run.js';

/** One run of a worker's agent: from its start to its end (open while it runs). */
export interface Attempt {
  start: number;
  end?: number;
  state: string;
}

/** Something that happened to a worker at one moment, drawn on its bar. */
export interface Mark {
  time: number;
  kind: 'approval' | 'denial' | 'poke' | 'interrupt' | 'resume' | 'rerun' | 'kill' | 'asked';
  label: string;
}

/** One worker in the report. */
export interface ReportWorker extends WorkerStatus {
  attempts: Attempt[];
  marks: Mark[];
  /** Restarts of the same session, and reruns of the task from its prompt. */
  resumes: number;
  reruns: number;
  durationMs?: number;
  resultText?: string;
}

/** Everything a report shows. */
export interface RunReport {
  run: RunRecord;
  /** How the run went once it ended (ok, or failed and why); undefined while it is active. */
  outcome?: { outcome: string; reason?: string };
  /** The run's --budget-usd and --budget-tokens, where it had them. */
  budgetUsd?: number;
  budgetTokens?: number;
  generatedAt: string;
  start: number;
  end: number;
  workers: ReportWorker[];
  plan?: Plan;
  synthesis?: string;
  totalCost?: number;
  /** Input and output tokens the workers reported (cache reads apart). */
  totalTokens?: number;
}

const MARKS: Record<string, Mark['kind']> = {
  'monitor.approved': 'approval', 'hook.approved': 'approval', 'monitor.denied': 'denial', 'hook.denied': 'denial',
  'hook.asked': 'asked', 'monitor.poked': 'poke', 'monitor.nudged': 'poke', 'worker.stalled': 'interrupt',
  'worker.resume': 'resume', 'worker.rerun': 'rerun', 'worker.kill': 'kill',
};
const ENDS = new Set(['worker.done', 'worker.failed', 'worker.killed', 'worker.lost']);

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

// Attempts from the store's events: a start (worker.started, worker.resumed) until the next end.
function attemptsOf(events: RunEvent[], status: WorkerStatus): Attempt[] {
  const out: Attempt[] = [];
  for (const e of events) {
    const t = Date.parse(e.time);
    if (e.kind === 'worker.started' || e.kind === 'worker.resumed') out.push({ start: t, state: 'running' });
    else if (ENDS.has(e.kind) && out.length && out.at(-1)!.end === undefined) Object.assign(out.at(-1)!, { end: t, state: e.kind.slice('worker.'.length) });
  }
  // The record's times bound the bar (the events are written a moment after the facts they report).
  if (!out.length && status.startedAt) out.push({ start: Date.parse(status.startedAt), state: status.state });
  if (out.length && status.startedAt) out[0]!.start = Date.parse(status.startedAt);
  const last = out.at(-1);
  if (last && status.endedAt && (last.end !== undefined || status.state !== 'running')) Object.assign(last, { end: Date.parse(status.endedAt), state: status.state });
  return out;
}

/** Gathers a report of a run from its files. */
export function buildReport(run: RunRecord, now = Date.now()): RunReport {
  const events = readEvents(run.dir);
  const workers = workerNamesInOrder(run.dir).map((name): ReportWorker => {
    const status = workerStatus(run, name, 'unknown');
    const mine = events.filter((e) => e.worker === name);
    const attempts = attemptsOf(mine, status);
    const marks = mine.flatMap((e): Mark[] => {
      const kind = MARKS[e.kind];
      if (!kind) return [];
      const d = e.detail ?? {};
      const what = typeof d.command === 'string' ? d.command : typeof d.request === 'string' ? d.request : typeof d.reason === 'string' ? d.reason : typeof d.because === 'string' ? d.because : '';
      return [{ time: Date.parse(e.time), kind, label: `${e.kind}${what ? `: ${what}` : ''}` }];
    });
    const first = attempts[0]?.start;
    const lastEnd = attempts.at(-1)?.end;
    return {
      ...status, attempts, marks, resumes: status.resumes ?? 0, reruns: status.reruns ?? 0,
      durationMs: first !== undefined ? (lastEnd ?? now) - first : undefined,
      resultText: status.result ? readText(status.result) : undefined,
    };
  });
  const times = [Date.parse(run.created), ...workers.flatMap((w) => w.attempts.flatMap((a) => [a.start, a.end ?? now]))].filter(Number.isFinite);
  const costs = workers.map((w) => w.cost).filter((c): c is number => typeof c === 'number');
  return {
    run, outcome: outcomeOf(run), budgetUsd: typeof run.inputs?.budgetUsd === 'number' ? run.inputs.budgetUsd : undefined,
    budgetTokens: typeof run.inputs?.budgetTokens === 'number' ? run.inputs.budgetTokens : undefined, generatedAt: new Date(now).toISOString(), start: Math.min(...times),
    end: run.endedAt ? Math.max(Date.parse(run.endedAt), ...times) : Math.max(now, ...times), workers,
    plan: readPlan(run.dir), synthesis: readText(join(run.dir, 'synthesis.md')),
    totalCost: costs.length ? costs.reduce((a, b) => a + b, 0) : undefined,
    totalTokens: workers.some((w) => w.tokens) ? workers.reduce((n, w) => n + (w.tokens ? w.tokens.input + w.tokens.output : 0), 0) : undefined,
  };
}
