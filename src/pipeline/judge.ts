// How a stage's end reads: each worker's result as the next stage sees it, and whether the stage failed (a
// worker not done, a verdict FAIL or no verdict at all).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { runPaths, workerPaths } from '../core/paths.js';
import type { RunRecord } from '../core/run.js';
import { readVerdict, verdictReason } from '../core/verdict.js';
import type { DerivedState } from '../core/worker.js';
import { appendEvent } from '../store/events.js';
import type { WorkerStatus } from '../supervise/observe.js';
import type { Stage } from './pattern.js';
import type { PlannedWorker } from './stages.js';

/** A worker's result.md, or undefined when it has none. */
export function readResult(run: RunRecord, name: string): string | undefined {
  try {
    return readFileSync(workerPaths(run.dir, name).result, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * One worker's result as the next stage sees it: a heading with the worker and its item, then its answer; a
 * worker without one is named as missing, and nothing it left elsewhere (its screen's last words in its
 * failure's reason included) is passed on as findings.
 */
export function labelledResult(run: RunRecord, w: PlannedWorker, state: DerivedState | undefined): string {
  const title = w.item ? ` (${w.item.title})` : '';
  const text = readResult(run, w.name);
  const body = state === 'done' && text !== undefined ? text.trim()
    : text !== undefined ? `(this worker ended ${state ?? 'unknown'}; its last message follows)\n\n${text.trim()}`
    : `(no result: this worker ended ${state ?? 'unknown'} without an answer; treat its part as missing)`;
  return `### ${w.name}${title}\n\n${body}\n`;
}

/** How a stage ended: failed when a worker did not finish done, or when its verdict is FAIL (`fail`) or missing (`none`). */
export function judgeStage(run: RunRecord, stage: Stage, workers: WorkerStatus[]): { reason?: string; verdict?: 'fail' | 'none' } {
  const failed = workers.find((w) => w.state !== 'done');
  if (failed) return { reason: `worker ${failed.name} ${failed.state}${failed.reason ? `: ${failed.reason}` : ''}` };
  if (!stage.verdict) return {};
  for (const w of workers) {
    const verdict = readVerdict(readResult(run, w.name), stage.verdict);
    appendEvent(run.dir, { worker: w.name, kind: 'stage.verdict', detail: { stage: stage.id, decision: verdict.decision, line: verdict.line.slice(0, 200) } });
    if (verdict.decision !== 'pass') return { reason: verdictReason(w.name, verdict), verdict: verdict.decision };
  }
  return {};
}

/** Paths people look at after a run. */
export function runOutputs(run: RunRecord): { synthesis?: string } {
  const p = runPaths(run.dir).synthesis;
  return existsSync(p) && statSync(p).isFile() ? { synthesis: p } : {};
}
