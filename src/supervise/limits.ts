// Usage limits a dead worker's output names: the monitor and the pattern driver resume it after the reset.
import { statSync } from 'node:fs';
import { workerPaths } from '../core/paths.js';
import type { WorkerRecord } from '../core/worker.js';
import { transcriptTail } from '../os/transcript.js';
import { resetTime } from '../core/reset-time.js';

/** The usage limit in a dead worker's last screenful (its profile's rateLimited patterns), with the reset time
 * read as of when the pane log was last written (a relative "in 2 hours" counts from then). */
export function limitInTranscript(rec: WorkerRecord): { resetsAt?: number } | undefined {
  const patterns = (rec.states?.rateLimited ?? []).map((p) => new RegExp(p, 'm'));
  if (patterns.length === 0) return undefined;
  const log = workerPaths(rec.runDir, rec.name).paneLog;
  const tail = transcriptTail(log, 40);
  let at = tail.length - 1;
  while (at >= 0 && !patterns.some((re) => re.test(tail[at]!))) at--;
  if (at < 0) return undefined;
  let writtenMs: number;
  try {
    writtenMs = statSync(log).mtimeMs;
  } catch {
    return {};
  }
  const resetsAt = resetTime(tail.slice(at, at + 3).join(' '), writtenMs);
  return resetsAt === undefined ? {} : { resetsAt };
}
