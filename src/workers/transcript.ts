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
