// The one format of the runner protocol's files: `key=value` lines. In a value a backslash is written `\\`
// and a newline `\n` (the runner undoes both with printf %b), so every byte but NUL passes and nothing is
// ever eval'd. Launch files and environment files are escaped; the facts the runner writes are plain
// (`status=0`, `pid=12`, a path in `error=`), read as they are.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../os/atomic.js';

/** One value as one line: `\` -> `\\`, newline -> `\n`, every other byte as it is. */
export function encodeValue(value: string | Uint8Array): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value);
  const out: number[] = [];
  for (const b of bytes) {
    if (b === 0x5c) out.push(0x5c, 0x5c);
    else if (b === 0x0a) out.push(0x5c, 0x6e);
    else out.push(b);
  }
  return Buffer.from(out);
}

/** Undoes the escapes: `\\` is a backslash, `\n` a newline. */
export function decodeValue(line: string): string {
  return line.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** `key=value` lines, values escaped (a key may repeat: argv items are one `arg=` line each). */
export function encodeLines(entries: Iterable<[string, string | Uint8Array]>): Buffer {
  const lines: Buffer[] = [];
  for (const [key, value] of entries) lines.push(Buffer.concat([Buffer.from(`${key}=`), encodeValue(value), Buffer.from('\n')]));
  return Buffer.concat(lines);
}

/** The single values of `key=value` lines (the last of a repeated key wins; `skip` keys are left out). */
export function parseLines(text: string, o: { decode?: boolean; skip?: readonly string[] } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    if (o.skip?.includes(key)) continue;
    const raw = line.slice(eq + 1);
    out[key] = o.decode ? decodeValue(raw) : raw;
  }
  return out;
}

/** The launch file's single values (the settle step reads dir, attempt and the record). */
export function readLaunchFile(file: string): Record<string, string> {
  return parseLines(readFileSync(file, 'utf8'), { decode: true, skip: ['arg', 'retry'] });
}

/** Writes an environment for a process of ours (0600, the file the runner reads too: `NAME=value` lines). */
export function writeEnvFile(path: string, env: Record<string, string>): void {
  writeFileAtomic(path, encodeLines(Object.entries(env)), 0o600, false);
}
