#!/usr/bin/env node
// Installs a pinned agent CLI (claude, gemini) into a cache folder outside the repo and prints its binary.
// Usage: node scripts/install-agent.mjs claude|gemini   (ORCH_TMUX_AGENT_CACHE overrides the cache root)
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The agent CLIs the end-to-end tier proves the built-in profiles with (the profiles' `proven:`). */
export const AGENTS = {
  claude: { package: '@anthropic-ai/claude-code', version: '2.1.328', bin: 'claude' },
  gemini: { package: '@google/gemini-cli', version: '0.61.0', bin: 'gemini' },
};

// ${ORCH_TMUX_AGENT_CACHE:-${XDG_CACHE_HOME:-~/.cache}/orch-tmux}/<name>-<version>
function cacheDir(spec, env = process.env) {
  const root = env.ORCH_TMUX_AGENT_CACHE
    ? resolve(env.ORCH_TMUX_AGENT_CACHE)
    : join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'orch-tmux');
  return join(root, `${spec.bin}-${spec.version}`);
}

// True when `<bin> --version` (HOME in the cache, so nothing is written to the caller's) names the version.
async function hasVersion(bin, dir, version) {
  try {
    const { stdout } = await run(bin, ['--version'], { timeout: 60_000, env: { ...process.env, HOME: join(dir, 'home') } });
    return stdout.includes(version);
  } catch {
    return false;
  }
}

/** Installs the pinned CLI if needed; resolves to the folder holding its binary. Throws one line on failure. */
export async function ensureAgent(name) {
  const spec = AGENTS[name];
  if (!spec) throw new Error(`unknown agent ${name} (known: ${Object.keys(AGENTS).join(', ')})`);
  const dir = cacheDir(spec);
  const binDir = join(dir, 'node_modules', '.bin');
  const bin = join(binDir, spec.bin);
  if (await hasVersion(bin, dir, spec.version)) return binDir;
  await mkdir(join(dir, 'home'), { recursive: true });
  const pkg = `${spec.package}@${spec.version}`;
  try {
    await run('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', pkg], { timeout: 10 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const lines = String(err.stderr || err.message || err).split('\n').map((l) => l.trim()).filter(Boolean);
    const detail = lines.find((l) => /^npm (error|ERR!)/.test(l) && !/complete log/.test(l)) ?? lines[0] ?? '';
    throw new Error(`npm install ${pkg} into ${dir} failed: ${detail}`);
  }
  if (!(await hasVersion(bin, dir, spec.version))) throw new Error(`installed ${pkg} but ${bin} --version does not report ${spec.version}`);
  return binDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(await ensureAgent(process.argv[2]));
  } catch (err) {
    console.error(`install-agent: ${err.message.replace(/\s+/g, ' ')}`);
    process.exit(1);
  }
}
