// Facts the in-window runner (scripts/orch-runner) reports about one attempt of a worker: the agent
// started (pid), the agent ended (its exit status as the shell saw it). Plain `key=value` lines, written
// whole (temp file, then mv); a fact's time is the file's modification time. The store turns them into state.
import { readFileSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { writeFileAtomic } from '../os/atomic.js';
import { parseLines } from './codec.js';
import { workerPaths } from '../core/paths.js';
import { fromStatus, type ExitFact, type StartFact } from '../core/facts.js';

// One fact file, or undefined when there is none yet. A missing file is the common case (a running worker
// has no exit fact) and is asked with stat's throwIfNoEntry: an ENOENT thrown per worker per pass cost more
// than the reads. Facts are written whole (mv), so the stat and the read see the same file.
function parse(path: string): { fields: Record<string, string>; time: string } | undefined {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return undefined;
    const fields = parseLines(readFileSync(path, 'utf8'));
    return { fields, time: fields.time || st.mtime.toISOString() };
  } catch {
    return undefined;
  }
}

/** Records how an attempt ended, as the runner does (for tools and tests that stand in for a runner). */
export function writeExitFact(runDir: string, name: string, attempt: number, fact: Omit<ExitFact, 'time'>): void {
  const status = fact.code ?? 128 + (fact.signal ? constants.signals[fact.signal as NodeJS.Signals] ?? 0 : 0);
  writeFileAtomic(workerPaths(runDir, name).exitFacts(attempt), `status=${status}\n`);
}

/** What the runner has reported for one attempt; a missing or unreadable file is no fact. */
export function readFacts(runDir: string, name: string, attempt: number): { start?: StartFact; exit?: ExitFact } {
  const paths = workerPaths(runDir, name);
  const s = parse(paths.startFacts(attempt));
  const e = parse(paths.exitFacts(attempt));
  const num = (v: string | undefined) => (v ? Number(v) : undefined);
  const start = s && s.fields.pid !== undefined
    ? { pid: Number(s.fields.pid), runnerPid: Number(s.fields.runnerPid), paneId: s.fields.paneId || undefined, time: s.time, logOffset: num(s.fields.logOffset), sessionId: s.fields.sessionId || undefined }
    : undefined;
  const exit = e && e.fields.status !== undefined
    ? { ...fromStatus(Number(e.fields.status)), time: e.time, error: e.fields.error || undefined, logOffset: num(e.fields.logOffset), orphans: e.fields.orphans || undefined }
    : undefined;
  return { start, exit };
}
