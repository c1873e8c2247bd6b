// Facts the in-window runner reports about one attempt of a worker: the agent started (pid, time), the
// agent ended (exit code or signal, time). Plain `key=value` lines, written whole (temp file, rename),
// so any runner (today Node, tomorrow sh) can write them; the store turns them into state.
import { readFileSync } from 'node:fs';
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
}

/** The agent of this attempt has ended. */
export interface ExitFact {
  code: number | null;
  signal: string | null;
  time: string;
  /** The window was closed under the runner (SIGHUP): the agent went with it. */
  hangup: boolean;
  /** Why the agent could not even start (a missing program). */
  error?: string;
  /** As in the start fact, for an agent that never started (then there is no start fact). */
  logOffset?: number;
  /** Processes of the agent still alive after it exited and its output drained (`pid:name` list); the runner ended them. */
  orphans?: string;
}

function format(fields: Record<string, string | number | boolean | null | undefined>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${String(v).replace(/[\r\n]+/g, ' ')}\n`)
    .join('');
}

function parse(path: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** Records that the agent started (the runner's first fact). */
export function writeStartFact(runDir: string, name: string, attempt: number, fact: StartFact): void {
  writeFileAtomic(workerPaths(runDir, name).startFacts(attempt), format({ ...fact }));
}

/** Records how the agent ended (the runner's last fact). */
export function writeExitFact(runDir: string, name: string, attempt: number, fact: ExitFact): void {
  writeFileAtomic(workerPaths(runDir, name).exitFacts(attempt), format({ ...fact, hangup: fact.hangup ? 1 : 0 }));
}

/** What the runner has reported for one attempt; a missing or unreadable file is no fact. */
export function readFacts(runDir: string, name: string, attempt: number): { start?: StartFact; exit?: ExitFact } {
  const paths = workerPaths(runDir, name);
  const s = parse(paths.startFacts(attempt));
  const e = parse(paths.exitFacts(attempt));
  const start = s && s.time
    ? { pid: Number(s.pid), runnerPid: Number(s.runnerPid), paneId: s.paneId || undefined, time: s.time, logOffset: s.logOffset ? Number(s.logOffset) : undefined }
    : undefined;
  const exit = e && e.time
    ? { code: e.code === undefined || e.code === '' ? null : Number(e.code), signal: e.signal || null, time: e.time, hangup: e.hangup === '1', error: e.error || undefined, logOffset: e.logOffset ? Number(e.logOffset) : undefined, orphans: e.orphans || undefined }
    : undefined;
  return { start, exit };
}
