// Pure: a plan's steps and the one rule (exactly one in progress while any is open), and how steps move.
import { UsageError } from './errors.js';

const STATUSES: readonly StepStatus[] = ['pending', 'in_progress', 'completed', 'failed'];

/** Where one step is; `failed` is closed like `completed` (a pattern stage that failed). */
export type StepStatus = 'pending' | 'in_progress' | 'completed' | 'failed';

/** plan.json: steps a person or orchestrator works through, exactly one in progress while any is open (update_plan). */
export interface Plan {
  steps: { title: string; status: StepStatus }[];
  updated: string;
}

/** A step's status as one character in a checkbox: x completed, > in progress, ! failed, blank pending. */
export function stepMark(status: StepStatus): string {
  return status === 'completed' ? 'x' : status === 'in_progress' ? '>' : status === 'failed' ? '!' : ' ';
}

/**
 * Checks the planning rule: at least one step, each a line of at most 200 characters with a known status,
 * exactly one `in_progress` while any step is open (pending or in progress; completed and failed are
 * closed). Throws UsageError; returns a warning for people when the plan is outside 3 to 6 steps.
 */
export function checkPlan(steps: { title: string; status: string }[]): string | undefined {
  if (steps.length === 0) throw new UsageError('A plan needs at least one step');
  for (const s of steps) {
    if (typeof s.title !== 'string' || !s.title.trim() || s.title.length > 200 || /[\x00-\x1f]/.test(s.title)) throw new UsageError('Each step is one line of at most 200 characters');
    if (!STATUSES.includes(s.status as StepStatus)) throw new UsageError(`Expected a step status of pending, in_progress, completed or failed, got ${JSON.stringify(s.status)}`);
  }
  const busy = steps.filter((s) => s.status === 'in_progress').length;
  const open = steps.some((s) => s.status === 'pending' || s.status === 'in_progress');
  if (open && busy !== 1) throw new UsageError(`Exactly one step must be in progress while steps remain, got ${busy}`);
  return steps.length < 3 || steps.length > 6 ? `${steps.length} steps; plans of 3 to 6 steps work best` : undefined;
}

/** A new plan: the first step in progress, the rest pending. */
export function newPlan(titles: string[]): Plan {
  return { steps: titles.map((title, i) => ({ title, status: i === 0 ? 'in_progress' : 'pending' })), updated: new Date().toISOString() };
}

/** Moves the in-progress marker to step i (the step that had it goes back to pending). */
export function startStep(plan: Plan, i: number): Plan {
  const steps = plan.steps.map((s, j) => ({ ...s, status: j === i ? 'in_progress' as const : s.status === 'in_progress' ? 'pending' as const : s.status }));
  return { steps, updated: new Date().toISOString() };
}

/** Completes step i; the marker moves to the next pending step (after i, else the first). */
export function completeStep(plan: Plan, i: number): Plan {
  return closeStep(plan, i, 'completed', true);
}

/**
 * Closes step i as completed or failed; with `advance` the marker moves to the next pending step (after i,
 * else the first), without it no step is left in progress (a pipeline that stops there).
 */
export function closeStep(plan: Plan, i: number, status: 'completed' | 'failed', advance: boolean): Plan {
  const steps = plan.steps.map((s, j) => ({ ...s, status: j === i ? status : s.status }));
  if (!advance) return { steps, updated: new Date().toISOString() };
  if (!steps.some((s) => s.status === 'in_progress')) {
    const next = [...steps.keys()].filter((j) => steps[j]!.status === 'pending').sort((a, b) => ((a > i ? 0 : 1) - (b > i ? 0 : 1)) || a - b)[0];
    if (next !== undefined) steps[next]!.status = 'in_progress';
  }
  return { steps, updated: new Date().toISOString() };
}

/** Inserts pending steps after step i (a pattern's next round), unless the plan has them there already (a resumed drive). */
export function insertSteps(plan: Plan, i: number, titles: string[]): Plan {
  const there = plan.steps.slice(i + 1, i + 1 + titles.length).map((s) => s.title);
  if (there.length === titles.length && there.every((t, j) => t === titles[j])) return plan;
  const steps = [...plan.steps.slice(0, i + 1), ...titles.map((title) => ({ title, status: 'pending' as const })), ...plan.steps.slice(i + 1)];
  return { steps, updated: new Date().toISOString() };
}

/** The tmux status line: done count, failed count, and the step in progress (`#` and `%` escaped: tmux expands formats and strftime there). */
export function statusLine(plan: Plan): string {
  const done = plan.steps.filter((s) => s.status === 'completed').length;
  const failed = plan.steps.filter((s) => s.status === 'failed').length;
  const current = plan.steps.findIndex((s) => s.status === 'in_progress');
  const text = `plan ${done}/${plan.steps.length}${failed ? ` (${failed} failed)` : ''}${current >= 0 ? ` > ${current + 1}. ${plan.steps[current]!.title.slice(0, 40)}` : ''}`;
  return text.replace(/#/g, '##').replace(/%/g, '%%');
}
