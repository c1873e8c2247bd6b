// Facts the in-window runner (scripts/orch-runner) reports about one attempt of a worker: the agent
// started (pid), the agent ended (its exit status as the shell saw it). Plain `key=value` lines, written
// whole (temp file, then mv); a fact's time is the file's modification time. The store turns them into state.
import { readFileSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { writeFileAtomic } from '../runs/atomic.js';
import { workerPaths } from '../runs/paths.js';

/** The agent of this attempt is running. */
export interface StartFact {
  pid: number;
  runnerPid: number;
  paneId?: string;
  time: string;
  /** Bytes in pane.log before this attempt's agent started: a `pane` answer is what came after. */
  logOffset?: number;
  /** The session this start runs under, when the runner chose a new one (a resume that found none). */
  sessionId?: string;
}

/** The agent of this attempt has ended. */
export interface ExitFact {
  code: number | null;
  signal: string | null;
  time: string;
  /** Why the agent could not even start (a missing program). */
  error?: string;
  /** As in the start fact, for an agent that never started (then there is no start fact). */
  logOffset?: number;
  /** Processes of the agent still alive after it exited and its output drained (`pid:name` list); the runner ended them. */
  orphans?: string;
}

// A shell reports 128 + N both for a program ended by signal N and for one that exited with that code, and
// programs routinely catch INT, TERM, HUP and exit 128 + N themselves. Read as signals: the ones nobody
// exits with on purpose (KILL cannot be caught; the rest are crashes).
const SIGNALS = new Map(['SIGKILL', 'SIGSEGV', 'SIGABRT', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGTRAP', 'SIGSYS', 'SIGPIPE', 'SIGXCPU', 'SIGXFSZ']
  .map((name) => [constants.signals[name as NodeJS.Signals], name]));

/** A shell's exit status as code or signal: above 128, a signal for the uncatchable and the crashes, else the code. */
export function fromStatus(status: number): { code: number | null; signal: string | null } {
  const signal = status > 128 ? SIGNALS.get(status - 128) : undefined;
  return signal ? { code: null, signal } : { code: status, signal: null };
}

function parse(path: string): { fields: Record<string, string>; time: string } | undefined {
  let text: string;
  let time: string;
  try {
    text = readFileSync(path, 'utf8');
    time = statSync(path).mtime.toISOString();
  } catch {
    return undefined;
  }
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return { fields, time: fields.time || time };
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
