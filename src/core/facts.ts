// Pure: the runner's facts about one attempt (the agent started; it ended with this status) as types, and a
// shell's exit status read as a code or a signal.
import { constants } from 'node:os';

// A shell reports 128 + N both for a program ended by signal N and for one that exited with that code, and
// programs routinely catch INT, TERM, HUP and exit 128 + N themselves. Read as signals: the ones nobody
// exits with on purpose (KILL cannot be caught; the rest are crashes).
const SIGNALS = new Map(['SIGKILL', 'SIGSEGV', 'SIGABRT', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGTRAP', 'SIGSYS', 'SIGPIPE', 'SIGXCPU', 'SIGXFSZ']
  .map((name) => [constants.signals[name as NodeJS.Signals], name]));

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

/** A shell's exit status as code or signal: above 128, a signal for the uncatchable and the crashes, else the code. */
export function fromStatus(status: number): { code: number | null; signal: string | null } {
  const signal = status > 128 ? SIGNALS.get(status - 128) : undefined;
  return signal ? { code: null, signal } : { code: status, signal: null };
}
