import { readFileSync, unlinkSync } from 'node:fs';
import { writeFileAtomic } from '../os/atomic.js';

// The caller's environment (API keys included) travels to a window's process through a 0600 file that
// the process reads and deletes at once, never through tmux argv (readable by anyone in /proc/*/cmdline).

/** Writes the environment a window's process should get. */
export function writeEnvFile(path: string, env: Record<string, string>): void {
  writeFileAtomic(path, JSON.stringify(env), 0o600);
}

/** Reads and deletes an env file, merging it into process.env; a missing file changes nothing. */
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
  try {
    Object.assign(process.env, JSON.parse(text) as Record<string, string>);
  } catch {
    /* a damaged file: keep the environment tmux gave */
  }
}
