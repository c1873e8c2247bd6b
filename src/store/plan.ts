import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import type { Tmux } from '../tmux/index.js';
import { writeJsonAtomic } from '../os/atomic.js';
import { appendEvent } from './events.js';
import { runPaths } from '../core/paths.js';
import { statusLine, type Plan, type StepStatus } from '../core/plan.js';


/** The run's plan, or undefined when it has none. */
export function readPlan(runDir: string): Plan | undefined {
  try {
    return JSON.parse(readFileSync(runPaths(runDir).plan, 'utf8')) as Plan;
  } catch {
    return undefined;
  }
}

/** Saves the plan atomically. */
export function writePlan(runDir: string, plan: Plan): void {
  writeJsonAtomic(runPaths(runDir).plan, plan);
}

/** Writes the plan, logs it, and shows it in the session's status line (tmux errors are not fatal). */
export async function publishPlan(runDir: string, session: string, tmux: Tmux, plan: Plan, detail: Record<string, unknown>): Promise<void> {
  writePlan(runDir, plan);
  appendEvent(runDir, { kind: 'plan.updated', detail });
  await tmux.setOption(session, 'status-right', statusLine(plan)).catch(() => undefined);
}
