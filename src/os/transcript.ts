import { closeSync, openSync, readSync, statSync } from 'node:fs';
import stripAnsi from 'strip-ansi';

/** The last `maxBytes` of a file as text; empty when the file is missing. */
export function readTail(path: string, maxBytes = 256 * 1024, fromByte = 0): string {
  let fd: number | undefined;
  try {
    const size = statSync(path).size;
    const start = Math.max(0, fromByte, size - maxBytes);
    if (start >= size) return '';
    const buf = Buffer.alloc(size - start);
    fd = openSync(path, 'r');
    readSync(fd, buf, 0, buf.length, start);
    return buf.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Terminal output made readable: ANSI removed, carriage-return redraws collapsed, blank runs squeezed. */
export function cleanTranscript(raw: string): string[] {
  const lines: string[] = [];
  for (const rawLine of stripAnsi(raw).split('\n')) {
    const parts = rawLine.split('\r').filter((p) => p.length > 0);
    const line = (parts[parts.length - 1] ?? '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '').trimEnd();
    if (line === '' && lines[lines.length - 1] === '') continue;
    lines.push(line);
  }
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The last `count` lines of a pane log, cleaned; only what came after byte `fromByte` (one attempt's part). */
export function transcriptTail(path: string, count: number, fromByte = 0): string[] {
  return cleanTranscript(readTail(path, undefined, fromByte)).slice(-count);
}

// Lines orch-tmux's runner writes into a window (its notes), and the runner shell's own words for the signal that
// ended the agent (dash: "Killed"): never the agent's.
const OUR_LINE = /^orch-tmux( runner)?: |^(Killed|Terminated|Hangup|Aborted|Segmentation fault|Bus error|Illegal instruction|Floating point exception|Trace\/breakpoint trap|Bad system call|Broken pipe|CPU time limit exceeded|File size limit exceeded)( \(core dumped\))?$/;

// Words that say a line reports a failure; a crash's last lines are often a stack trace or a runtime's trailer
// (Node prints its version last), so the last such line of the tail says more than the last line.
const FAILURE_WORDS = /\b(error|errors|fail|failed|failure|fatal|panic|panicked|exception|cannot|can't|could not|unable|denied|refused|not found|no such|invalid|unauthori[sz]ed|forbidden|timed out)\b/i;

/**
 * What the agent last said in a pane log after byte `fromByte`: among its last 30 lines, the last that reads
 * like a failure (error, cannot, denied, not found ...), else its last non-empty line; undefined when it
 * printed nothing. Lines of `stdout` (an exec agent's stdout file) count only when nothing else was said:
 * its stderr is what explains a failure, and stdout (through tee) reaches the pane in no fixed order with it.
 */
export function lastWords(path: string, fromByte = 0, stdout?: string): string | undefined {
  const said = (text: string) => cleanTranscript(text).map((l) => l.trim()).filter((l) => /[A-Za-z]/.test(l) && !OUR_LINE.test(l));
  const all = said(readTail(path, 16 * 1024, fromByte));
  const printed = new Set(stdout === undefined ? [] : said(readTail(stdout, 16 * 1024)));
  const elsewhere = all.filter((l) => !printed.has(l));
  const lines = (elsewhere.length ? elsewhere : all).slice(-30);
  const line = [...lines].reverse().find((l) => FAILURE_WORDS.test(l)) ?? lines.at(-1);
  return line === undefined ? undefined : line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
