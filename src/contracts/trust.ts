// Which project config files the user trusts: `orch-tmux trust [path]` records each file's sha256 in
// ${ORCH_TMUX_HOME:-$XDG_STATE_HOME/orch-tmux}/trusted.json; a file whose content changed is untrusted
// again. This module is the only writer of trusted.json.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeJsonAtomic } from '../os/atomic.js';
import { stateHome } from '../core/paths.js';

/** The file of trusted project configs: absolute path -> sha256 of the content trusted. */
export function trustedFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateHome(env), 'trusted.json');
}

// The file's real path (a project opened through a symlink is the same project).
function key(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function readTrusted(env: NodeJS.ProcessEnv): Record<string, string> {
  try {
    const parsed = JSON.parse(readFileSync(trustedFile(env), 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** sha256 (hex) of a file's bytes. */
export function fileHash(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** True when the user trusted exactly this content at this path. */
export function isTrusted(path: string, text: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return readTrusted(env)[key(path)] === fileHash(text);
}

/** Records that the user trusts this file as it is now; returns the hash recorded. */
export function trustFile(path: string, text: string, env: NodeJS.ProcessEnv = process.env): string {
  const all = readTrusted(env);
  const hash = fileHash(text);
  all[key(path)] = hash;
  mkdirSync(stateHome(env), { recursive: true, mode: 0o700 });
  writeJsonAtomic(trustedFile(env), all, 0o600);
  return hash;
}

/** Forgets a file; true when it was trusted. */
export function untrustFile(path: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const all = readTrusted(env);
  if (!(key(path) in all)) return false;
  delete all[key(path)];
  writeJsonAtomic(trustedFile(env), all, 0o600);
  return true;
}
