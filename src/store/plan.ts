// The run's plan (<run>/plan.json): this module owns that file.
import type { Tmux } from '../tmux/index.js';
import { withLock } from '../os/lock.js';
import { runPaths } from '../core/paths.js';
import { statusLine, type Plan } from '../core/plan.js';
import { commitRecord, readCommitted, settleIntent } from './commit.js';

/** The run's plan as committed (store/commit.ts), or undefined when it has none. */
export function readPlan(runDir: string): Plan | undefined {
  try {
    return JSON.parse(readCommitted(runDir, runPaths(runDir).plan) ?? '') as Plan;
  } catch {
    return undefined;
  }
}

/** Writes the plan with its event in one step, and shows it in the session's status line (tmux errors are not fatal). */
export async function publishPlan(runDir: string, session: string, tmux: Tmux, plan: Plan, detail: Record<string, unknown>): Promise<void> {
  withLock(runPaths(runDir).lock, () => {
    settleIntent(runDir, runPaths(runDir).plan);
    commitRecord(runDir, runPaths(runDir).plan, plan, { kind: 'plan.updated', detail });
  });
  await tmux.setOption(session, 'status-right', statusLine(plan)).catch(() => undefined);
}
