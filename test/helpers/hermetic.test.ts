// The test servers never read the caller's dotfiles or inherit its variables: a caller whose .bashrc (or
// $ENV, $BASH_ENV, .profile) would touch a canary and sleep 60 s changes nothing for a run made in a test.
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { fakeAgentProfile, startTestServer, stopTestServer, waitUntil } from './tmux-server.js';

const caller = mkdtempSync(join(tmpdir(), 'orch-caller-'));
afterAll(() => rmSync(caller, { recursive: true, force: true }));

test('a caller with a sleeping .bashrc, a stale pyenv-style lock and agent keys: the server and its windows use none of them', async () => {
  const home = join(caller, 'home');
  mkdirSync(join(home, '.pyenv', 'shims'), { recursive: true });
  const canary = join(caller, 'dotfile-was-read');
  const rc = `touch '${canary}'; sleep 60\n`;
  for (const f of ['.bashrc', '.profile', '.bash_profile', '.shrc']) writeFileSync(join(home, f), rc);
  writeFileSync(join(home, '.pyenv', 'shims', '.pyenv-shim'), ''); // what an interrupted `pyenv rehash` leaves
  const base = {
    ...process.env, HOME: home, SHELL: '/bin/bash', ENV: join(home, '.shrc'), BASH_ENV: join(home, '.bashrc'),
    OPENAI_API_KEY: 'sk-caller', ORCH_TMUX_AGENT: 'caller-agent', ORCH_TMUX_WORKER: 'x/y', TMUX: '/tmp/caller,1,0', XDG_CONFIG_HOME: join(home, '.config'),
  };
  const server = await startTestServer(base);
  try {
    for (const k of ['ENV', 'BASH_ENV', 'OPENAI_API_KEY', 'ORCH_TMUX_AGENT', 'ORCH_TMUX_WORKER', 'TMUX']) expect(server.env[k], k).toBeUndefined();
    expect(server.env.HOME!.startsWith(server.dir)).toBe(true);
    expect(server.env.XDG_CONFIG_HOME!.startsWith(server.dir)).toBe(true);
    expect(server.env.TMPDIR!.startsWith(server.dir)).toBe(true);
    expect(server.env.SHELL).toBe('/bin/sh');
    const shell = await execa('tmux', ['-L', server.name, 'show-options', '-gv', 'default-shell'], { env: server.env, extendEnv: false });
    expect(shell.stdout).toBe('/bin/sh');
    // A run's `orch` window (the board, then an interactive shell) and a worker start and finish as usual.
    const made = await server.cli(['new', '--json']);
    expect(made.exitCode, String(made.stderr)).toBe(0);
    const run = JSON.parse(String(made.stdout)) as { id: string; session: string };
    expect((await server.cli(['spawn', run.id, 'w', '--agent', fakeAgentProfile, '--prompt', '[[reply:ok]]'])).exitCode).toBe(0);
    expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(0);
    // The orch window shows the board; `q` leaves its shell.
    const orch = async (format: string) => (await execa('tmux', ['-L', server.name, format ? 'display-message' : 'capture-pane', '-p', '-t', `=${run.session}:orch`, ...(format ? [format] : [])], { env: server.env, extendEnv: false })).stdout;
    await waitUntil(async () => (await orch('')).startsWith(`${run.id} `), 'the board in the orch window', 30_000);
    await execa('tmux', ['-L', server.name, 'send-keys', '-t', `=${run.session}:orch`, 'q'], { env: server.env, extendEnv: false });
    await waitUntil(async () => (await orch('#{pane_current_path}')).endsWith(run.id), 'the shell in the run\'s folder after q');
    expect(await orch('#{pane_current_command}')).toMatch(/^(sh|dash)$/);
    expect(existsSync(canary), 'no dotfile of the caller was read').toBe(false);
  } finally {
    await stopTestServer(server);
  }
});
