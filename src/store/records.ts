// Reading workers' records: worker.json and the run's worker folders (the store writes them).
import { readdirSync, readFileSync } from 'node:fs';
import { runPaths, workerPaths } from '../core/paths.js';
import type { WorkerRecord } from '../core/worker.js';

/** Reads worker.json; undefined when missing or unreadable (a damaged file is reported by the caller). */
export function readWorker(runDir: string, name: string): WorkerRecord | undefined {
  try {
    return JSON.parse(readFileSync(workerPaths(runDir, name).workerJson, 'utf8')) as WorkerRecord;
  } catch {
    return undefined;
  }
}

/** Names of the run's workers, in the order their folders sort. */
export function listWorkerNames(runDir: string): string[] {
  try {
    return readdirSync(runPaths(runDir).workers, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/** The run's workers in the order they were made (a review's lenses, a pattern's stages), then by name. */
export function workerNamesInOrder(runDir: string): string[] {
  const made = (name: string) => {
    const rec = readWorker(runDir, name);
    return rec?.createdMs ?? (rec ? Date.parse(rec.createdAt) : Number.POSITIVE_INFINITY);
  };
  const at = new Map(listWorkerNames(runDir).map((n) => [n, made(n)]));
  return [...at.keys()].sort((a, b) => at.get(a)! - at.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
}
