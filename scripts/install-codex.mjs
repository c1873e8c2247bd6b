#!/usr/bin/env node
// Installs the pinned OpenAI Codex CLI into a cache folder outside the repo and prints its path.
// Usage: node scripts/install-codex.mjs   (env ORCH_TMUX_CODEX_CACHE overrides the cache folder)
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const CODEX_VERSION = '0.169.0';
export const CODEX_PACKAGE = `@openai/codex@${CODEX_VERSION}`;

// The folder codex is installed into: ORCH_TMUX_CODEX_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/orch-tmux/codex-<version>.
export function codexCacheDir(env = process.env) {
  if (env.ORCH_TMUX_CODEX_CACHE) return resolve(env.ORCH_TMUX_CODEX_CACHE);
  const cacheHome = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(cacheHome, 'orch-tmux', `codex-${CODEX_VERSION}`);
}

// Absolute path of the codex launcher inside a cache folder.
export function codexBinPath(dir = codexCacheDir()) {
  return join(dir, 'node_modules', '.bin', 'codex');
}

// True when the binary exists and `codex --version` mentions the pinned version.
// CODEX_HOME points into the cache so the check does not create ~/.codex/tmp helper links.
async function hasPinnedVersion(bin, dir) {
  try {
    const home = join(dir, 'codex-home');
    await mkdir(home, { recursive: true });
    const env = { ...process.env, CODEX_HOME: home };
    const { stdout } = await run(bin, ['--version'], { timeout: 30_000, env });
    return stdout.includes(CODEX_VERSION);
  } catch {
    return false;
  }
}

// Installs codex if needed and returns the absolute path of its binary; throws with a one-line message on failure.
export async function ensureCodex({ dir = codexCacheDir() } = {}) {
  const bin = codexBinPath(dir);
  if (await hasPinnedVersion(bin, dir)) return bin;
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new Error(`cannot create ${dir}: ${err.message}`);
  }
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', CODEX_PACKAGE];
  try {
    await run(npm, args, { timeout: 10 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const lines = String(err.stderr || err.message || err).split('\n').map((l) => l.trim()).filter(Boolean);
    const detail = lines.find((l) => /^npm (error|ERR!)/.test(l) && !/complete log/.test(l)) ?? lines[0] ?? '';
    throw new Error(`npm install ${CODEX_PACKAGE} into ${dir} failed: ${detail}`);
  }
  if (!(await hasPinnedVersion(bin, dir))) {
    throw new Error(`installed ${CODEX_PACKAGE} but ${bin} --version does not report ${CODEX_VERSION}`);
  }
  return bin;
}

// CLI entry: print the binary path as the last stdout line, or one error line and exit 1.
async function main() {
  try {
    console.log(await ensureCodex());
  } catch (err) {
    console.error(`install-codex: ${err.message.replace(/\s+/g, ' ')}`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
