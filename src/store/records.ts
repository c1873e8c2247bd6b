// Reading workers' records: worker.json and the run's worker folders (the store writes them).
import { existsSync, readdirSync } from 'node:fs';
import { readCommitted } from './commit.js';
import { runPaths, workerPaths } from '../core/paths.js';
import type { WorkerRecord } from '../core/worker.js';
import { runUsage, workerUsage } from '../core/usage.js';

/** Reads worker.json as committed (store/commit.ts); undefined when missing or unreadable (a damaged file is reported by the caller). */
export function readWorker(runDir: string, name: string): WorkerRecord | undefined {
  try {
    return JSON.parse(readCommitted(runDir, workerPaths(runDir, name).workerJson) ?? '') as WorkerRecord;
  } catch {
    return undefined;
  }
}

/** Names of the run's workers, in the order their folders sort: a folder whose creation never committed (no record) is no worker. */
export function listWorkerNames(runDir: string): string[] {
  try {
    return readdirSync(runPaths(runDir).workers, { withFileTypes: true })
      .filter((d) => d.isDirectory() && made(runDir, d.name))
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

// The worker's record exists (maybe damaged), or its creation's intent was committed.
function made(runDir: string, name: string): boolean {
  const file = workerPaths(runDir, name).workerJson;
  return existsSync(file) || readCommitted(runDir, file) !== undefined;
}

/** When a worker was made, to order workers by (an unreadable record last). */
export function madeAt(rec: WorkerRecord | undefined): number {
  return rec?.createdMs ?? (rec ? Date.parse(rec.createdAt) : Number.POSITIVE_INFINITY);
}

/** The run's workers in the order they were made (a review's lenses, a pattern's stages), then by name. */
export function workerNamesInOrder(runDir: string): string[] {
  const at = new Map(listWorkerNames(runDir).map((n) => [n, madeAt(readWorker(runDir, n))]));
  return [...at.keys()].sort((a, b) => at.get(a)! - at.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
}

/** A run's workers at a glance, from their records alone (no tmux): `ls` shows it for every run. */
export interface WorkerTally {
  total: number;
  done: number;
  /** Ended without being done: failed, killed or lost. */
  failed: number;
  /** The USD its workers' agents reported, summed; null when none reported any. */
  cost: number | null;
}

/** Counts a run's workers by their recorded state and sums what they reported they cost; reads only. */
export function workerTally(runDir: string): WorkerTally {
  const records = listWorkerNames(runDir).map((n) => readWorker(runDir, n));
  const states = records.map((r) => r?.state);
  const { cost } = runUsage(records.map((r) => workerUsage(r?.spent)));
  return {
    total: records.length,
    done: states.filter((s) => s === 'done').length,
    failed: states.filter((s) => s === 'failed' || s === 'killed' || s === 'lost').length,
    cost: cost ?? null,
  };
}
