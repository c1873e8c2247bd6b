// The built CLI's front door: --version, --help (one command a line), <command> --help, doctor --json.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cleanEnv, cliPath, repoRoot } from '../helpers/tmux-server.js';

const state = mkdtempSync(join(tmpdir(), 'orch-test-cli-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));
const env = cleanEnv({ ORCH_TMUX_HOME: join(state, 'home'), ORCH_TMUX_RUNS: join(state, 'runs'), ORCH_TMUX_SOCKET: undefined });
const cli = (args: string[]) => execa(process.execPath, [cliPath, ...args], { env, extendEnv: false, reject: false, cwd: state });

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const COMMANDS = ['review', 'run', 'new', 'spawn', 'status', 'wait', 'result', 'log', 'diff', 'explain', 'send', 'keys', 'approve', 'deny', 'kill', 'resume', 'plan', 'monitor', 'policy', 'trust', 'cron', 'ls', 'prune', 'report', 'attach', 'templates', 'hosts', 'doctor', 'skill', 'mcp'];

/** The command names listed under "Commands:" in the main help, one a line. */
function listed(help: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf('Commands:');
  expect(start).toBeGreaterThan(-1);
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const m = /^ {2}([a-z][a-z-]*) {2,}\S.*$/.exec(line);
    expect(m, `a command line like "  name  summary", got ${JSON.stringify(line)}`).not.toBeNull();
    names.push(m![1]!);
  }
  return names;
}

describe('orch-tmux', () => {
  test('--version prints the package.json version', async () => {
    const r = await cli(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(pkg.version);
    expect(r.stderr).toBe('');
  });

  test('--help lists every command, one a line, with a summary', async () => {
    const r = await cli(['--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: orch-tmux <command> \[options\]$/m);
    expect(listed(r.stdout).sort()).toEqual([...COMMANDS].sort());
  });

  test('no arguments prints the help and exits 2 (bad usage)', async () => {
    const r = await cli([]);
    expect(r.exitCode).toBe(2);
    expect(listed(r.stdout).sort()).toEqual([...COMMANDS].sort());
  });

  test('an unknown command is bad usage, on one stderr line', async () => {
    const r = await cli(['frobnicate']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
  });

  test.for(COMMANDS)('%s --help shows its summary and usage', async (name) => {
    const r = await cli([name, '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    const [summary] = r.stdout.split('\n');
    expect(summary!.trim(), 'a one-line summary first').not.toBe('');
    expect(r.stdout).toMatch(new RegExp(`^Usage: orch-tmux ${name}\\b`, 'm'));
    // -h is the same.
    expect((await cli([name, '-h'])).stdout).toBe(r.stdout);
  });

  test('doctor --json reports the tmux version', async () => {
    const tmuxVersion = /(\d+\.\d+[a-z]?)/.exec((await execa('tmux', ['-V'])).stdout)![1];
    const r = await cli(['doctor', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; tmux: { version: string; ok: boolean; path: string } };
    expect(report.tmux.version).toBe(tmuxVersion);
    expect(report.tmux.ok).toBe(true);
    expect(report.tmux.path).toMatch(/\/tmux$/);
    expect(report.ok).toBe(true);
  });

  test('doctor lists each agent CLI found with its version beside the one its profile was proven with', async () => {
    const bin = join(state, 'agents-bin');
    mkdirSync(bin, { recursive: true });
    const fake = (name: string, says: string) => writeFileSync(join(bin, name), `#!/bin/sh\necho '${says}'\n`, { mode: 0o755 });
    fake('claude', '2.1.328 (Claude Code)');
    fake('gemini', '0.60.1');
    const r = await execa(process.execPath, [cliPath, 'doctor', '--json'], { env: { ...env, PATH: `${bin}:${env.PATH}` }, extendEnv: false, reject: false, cwd: state });
    const agents = JSON.parse(r.stdout).agents as Record<string, { path: string | null; version: string | null; proven: string | null }>;
    expect(agents.claude).toEqual({ path: join(bin, 'claude'), version: '2.1.328', proven: '2.1.328' });
    expect(agents.gemini).toEqual({ path: join(bin, 'gemini'), version: '0.60.1', proven: '0.61.0' });
    const text = await execa(process.execPath, [cliPath, 'doctor'], { env: { ...env, PATH: `${bin}:${env.PATH}` }, extendEnv: false, reject: false, cwd: state });
    expect(text.stdout).toContain(`info claude 2.1.328: ${join(bin, 'claude')}, as its profile was proven with`);
    expect(text.stdout).toContain(`info gemini 0.60.1: ${join(bin, 'gemini')}; its profile was proven with 0.61.0`);
  });
});
