// The caller's environment (API keys included) travels to a window's process through a 0600 file that the
// process reads and deletes at once, never through tmux argv (readable by anyone in /proc/*/cmdline): the
// runner's env.txt, and the detached pattern driver's. Written by codec.ts's writeEnvFile.
import { readFileSync, unlinkSync } from 'node:fs';
import { parseLines } from './codec.js';

/** Reads and deletes an environment file, merging it into process.env; a missing file changes nothing. */
export function takeEnvFile(path: string): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return;
  }
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
  Object.assign(process.env, parseLines(text, { decode: true }));
}
