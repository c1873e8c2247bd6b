// A worker's environment is the caller's, never the tmux server's: a variable in the server's global
// environment, TMUX and TMUX_PANE never reach the agent (the real runner starts it); TERM comes from its
// pane. A resume the monitor starts (from cron) gets the monitor's environment.
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test, type TestServer } from '../helpers/tmux-server.js';
import { newRun, workerDir, workerJson, type NewRun } from '../cli/support.js';

// Names in an `env` listing (one NAME=value a line; a value with newlines adds lines that name nothing here).
function names(listing: string): Map<string, string> {
  return new Map(listing.split('\n').map((l) => /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(l)).filter((m) => m !== null).map((m) => [m![1]!, m![2]!]));
}

// A stale secret left in the server's global environment, as whatever started the server might leave it.
async function staleServer(server: TestServer): Promise<void> {
  await execa('tmux', ['-L', server.name, 'set-environment', '-g', 'STALE_SECRET', 'from-the-server'], { env: server.env, extendEnv: false });
}

const wait = async (server: TestServer, run: NewRun, ...names: string[]) => (await server.cli(['wait', run.id, ...names, '--timeout', '30'])).exitCode;

describe('a worker\'s environment', () => {
  test('is the caller\'s and TERM: no variable of the tmux server\'s global environment, no TMUX, no TMUX_PANE', async ({ server }) => {
    await staleServer(server);
    const run = await newRun(server);
    const r = await server.cli(['spawn', run.id, 'env', '--agent', 'shell', '--var', 'command=env', '--prompt', 'x'], { env: { ...server.env, CALLER_SETTING: 'from-the-caller' } });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(await wait(server, run, 'env')).toBe(0);
    const env = names(readFileSync(join(workerDir(run, 'env'), 'result.md'), 'utf8'));
    expect(env.get('CALLER_SETTING')).toBe('from-the-caller');
    expect(env.get('ORCH_TMUX_WORKER')).toBe(`${run.id}/env`);
    expect(env.get('TERM')).toMatch(/^(screen|tmux)/);
    expect(env.get('HOME')).toBe(server.env.HOME);
    for (const gone of ['STALE_SECRET', 'TMUX', 'TMUX_PANE', '_ORCH_START', '_ORCH_START_LINES', '_ORCH_UMASK']) expect(env.has(gone), gone).toBe(false);
    // The server's global really had it (the window's runner saw it).
    const global = await execa('tmux', ['-L', server.name, 'show-environment', '-g', 'STALE_SECRET'], { env: server.env, extendEnv: false });
    expect(String(global.stdout)).toBe('STALE_SECRET=from-the-server');
  });

  test('a resume the monitor starts gets the monitor\'s environment, never the server\'s', async ({ server }) => {
    await staleServer(server);
    // An agent that prints a session id (on stderr: no answer), dies on its first start, and answers with its environment when resumed.
    const work = join(server.dir, 'work');
    writeFileSync(join(work, 'agent.mjs'), [
      "if (process.argv[2] === 'resume') { for (const [k, v] of Object.entries(process.env)) console.log(`${k}=${v}`); process.exit(0); }",
      "console.error('session 1234abcd'); process.exit(1);",
    ].join('\n'));
    writeFileSync(join(work, 'agent.yaml'), [
      'name: dies-once', 'mode: exec', 'command: [node, ./agent.mjs]', 'resume: [node, ./agent.mjs, resume, "{{sessionId}}"]',
      'prompt: stdin', 'lastMessage: stdout', 'sessionId: { from: output, regex: "session ([0-9a-f]+)" }',
    ].join('\n'));
    const run = await newRun(server);
    const r = await server.cli(['spawn', run.id, 'w', '--agent', join(work, 'agent.yaml'), '--prompt', 'x'], { env: { ...server.env, SPAWNER_SETTING: 'from-the-spawner' } });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(await wait(server, run, 'w')).toBe(1);
    const monitor = await server.cli(['monitor', '--once'], { env: { ...server.env, MONITOR_SETTING: 'from-cron' } });
    expect(monitor.exitCode, String(monitor.stderr)).toBe(0);
    expect(await wait(server, run, 'w')).toBe(0);
    expect(workerJson(run, 'w')).toMatchObject({ state: 'done', resumes: 1 });
    const env = names(readFileSync(join(workerDir(run, 'w'), 'result.md'), 'utf8'));
    expect(env.get('MONITOR_SETTING')).toBe('from-cron');
    for (const gone of ['SPAWNER_SETTING', 'STALE_SECRET', 'TMUX', 'TMUX_PANE']) expect(env.has(gone), gone).toBe(false);
  });
});
