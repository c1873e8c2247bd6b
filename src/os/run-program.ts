// Runs a program (argv, never a shell) and collects what it printed. Node's own child_process, not execa:
// execa's import alone costs ~0.19 CPU-s, paid by every CLI call and by every worker's runner.
import { spawn } from 'node:child_process';
import { KILL_AFTER_TERM_MS } from '../core/timing.js';

/** What a program did: its exit (or why it never ran, or was stopped) and its output as UTF-8. */
export interface ProgramResult {
  /** Undefined when it never ran (`error` says why: ENOENT, E2BIG, EACCES ...) or was killed by a signal. */
  exitCode?: number;
  signal?: NodeJS.Signals;
  stdout: string;
  /** stdout as it came (a tar stream). */
  bytes: Buffer;
  stderr: string;
  /** Killed after `timeoutMs`. */
  timedOut: boolean;
  /** Killed because `signal` aborted. */
  canceled: boolean;
  error?: NodeJS.ErrnoException;
}

/** Options: text for stdin, a time limit (SIGTERM, then SIGKILL 2 s later), an AbortSignal, or the caller's terminal. */
export interface ProgramOptions {
  input?: string | Uint8Array;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Give the program this process's stdin, stdout and stderr (nothing is collected). */
  inherit?: boolean;
  /** End this long after the program exits even if a child of it still holds its output pipes. */
  outputGraceMs?: number;
}

/** Runs `file args`; never rejects: every outcome is in the result. */
export function runProgram(file: string, args: readonly string[], o: ProgramOptions = {}): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let canceled = false;
    let settled = false;
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, args, { stdio: o.inherit ? 'inherit' : [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    } catch (error) {
      // Some failures to start are thrown, not emitted (E2BIG: an argv over the kernel's limit).
      resolve({ stdout: '', bytes: Buffer.alloc(0), stderr: '', timedOut: false, canceled: false, error: error as NodeJS.ErrnoException });
      return;
    }
    const stop = () => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_TERM_MS).unref();
    };
    const timer = o.timeoutMs === undefined ? undefined : setTimeout(() => { timedOut = true; stop(); }, o.timeoutMs);
    const onAbort = () => { canceled = true; stop(); };
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (result: Omit<ProgramResult, 'stdout' | 'bytes' | 'stderr' | 'timedOut' | 'canceled'>) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      const bytes = Buffer.concat(out);
      resolve({ ...result, stdout: bytes.toString('utf8'), bytes, stderr: Buffer.concat(err).toString('utf8'), timedOut, canceled });
    };
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    // A program that never started has no pid; one that started reports its end through 'close'.
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) finish({ error });
    });
    child.once('close', (code, signal) => finish({ exitCode: code ?? undefined, signal: signal ?? undefined }));
    // Its own end is the end, even if a child of it still holds the pipes: at once when we stopped it
    // (timeout, abort); after a grace for the output with `outputGraceMs` (a user's notify command). Only
    // there: a timer can run before output still in the pipe is read, when this process was busy.
    child.once('exit', (code, signal) => {
      const end = () => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish({ exitCode: code ?? undefined, signal: signal ?? undefined });
      };
      if (timedOut || canceled) end();
      else if (o.outputGraceMs !== undefined) setTimeout(end, o.outputGraceMs).unref();
    });
    if (child.stdin && o.input !== undefined) {
      child.stdin.on('error', () => undefined); // a program that exits without reading its input
      child.stdin.end(o.input);
    }
  });
}

/** One line saying how a program ended, for error messages. */
export function describeEnd(file: string, r: ProgramResult): string {
  if (r.error) return `${file}: ${r.error.code ?? r.error.message}`;
  if (r.timedOut) return `${file} timed out`;
  if (r.signal) return `${file} was killed by ${r.signal}`;
  return `${file} exited ${r.exitCode}`;
}
