import { readFileSync } from 'node:fs';
import { writeJsonAtomic } from './atomic.js';
import { runPaths } from './paths.js';

/** plan.json: steps a person or orchestrator works through, at most one in progress. */
export interface Plan {
  steps: { title: string; status: 'pending' | 'in_progress' | 'completed' }[];
  updated: string;
}

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
