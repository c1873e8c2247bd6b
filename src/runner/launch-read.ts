// Reading a launch file back in Node (the settle step): kept apart from launch-file.ts, whose imports
// (profiles, tmux) would slow the start of every settle step.
import { readFileSync } from 'node:fs';

/** Undoes the launch file's escapes: `\\` is a backslash, `\n` a newline. */
export function decodeValue(line: string): string {
  return line.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** The launch file's single values (the settle step reads dir, attempt and the record). */
export function readLaunchFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    if (eq > 0 && key !== 'arg' && key !== 'retry') out[key] = decodeValue(line.slice(eq + 1));
  }
  return out;
}
