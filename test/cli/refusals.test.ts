// Refusals: bad input exits 2 with ONE stderr line and creates nothing (no window, no worker folder,
// no agent run).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, test, type TestServer } from '../helpers/tmux-server.js';
import { newRun, promptFile, spawnFake, type NewRun } from './support.js';

/** What a refusal must leave as it was: the session's windows, the worker folders, the runs. */
async function snapshot(server: TestServer, run: NewRun) {
  const windows = await server.tmux.listWindows(['window_id', 'window_name'], run.session);
  return {
    windows: windows.map((w) => `${w.window_id} ${w.window_name}`),
    workers: readdirSync(join(run.dir, 'workers')),
    runs: readdirSync(join(server.dir, 'runs')),
    agentRan: existsSync(join(server.dir, 'fake-sessions')),
  };
}

/** Runs the CLI and expects a refusal: exit 2, one line on stderr matching `message`, nothing changed. */
async function expectRefusal(server: TestServer, run: NewRun, args: string[], message: RegExp, env?: Record<string, string | undefined>) {
  const before = await snapshot(server, run);
  const r = await server.cli(args, env ? { env } : {});
  const label = args.join(' ');
  expect(r.exitCode, label).toBe(2);
  expect(r.stdout, label).toBe('');
  const lines = String(r.stderr).split('\n');
  expect(lines, label).toHaveLength(1);
  expect(lines[0], label).toMatch(/^orch-tmux \w+: /);
  expect(lines[0], label).toMatch(message);
  expect(await snapshot(server, run), label).toEqual(before);
}

describe('refusals', () => {
  test('worker names outside [a-z0-9][a-z0-9-]*', async ({ server }) => {
    const run = await newRun(server);
    const p = promptFile(server, 'p', 'hi');
    for (const name of ['A', '-x', 'a:b', 'a.b', 'a b', '$(x)', 'a/b', '', 'x'.repeat(41)]) {
      // `--` so `-x` reaches the name check rather than the option parser.
      await expectRefusal(server, run, ['spawn', '--agent', fakeAgentProfile, '--prompt-file', p, '--', run.id, name], /Expected a worker name like `risks`/);
    }
    // Without `--`, `-x` is an unknown option: refused too.
    await expectRefusal(server, run, ['spawn', run.id, '-x', '--agent', fakeAgentProfile, '--prompt-file', p], /Unknown option '-x'/);
  });

  test('duplicate worker, unknown run, missing agent binary, bad prompt files, bad --var, unknown option', async ({ server }) => {
    const run = await newRun(server);
    const p = promptFile(server, 'p', 'hi');
    const spawn = (...rest: string[]) => ['spawn', run.id, 'w', '--agent', fakeAgentProfile, ...rest];
    await expectRefusal(server, run, ['spawn', 'no-such-run', 'w', '--agent', fakeAgentProfile, '--prompt-file', p], /Unknown run "no-such-run"/);
    const missing = join(server.dir, 'missing.yaml');
    writeFileSync(missing, 'name: missing\ncommand: [orch-test-no-such-agent, "-"]\nprompt: stdin\n');
    await expectRefusal(server, run, ['spawn', run.id, 'w', '--agent', missing, '--prompt-file', p], /`orch-test-no-such-agent` is not on PATH/);
    await expectRefusal(server, run, spawn('--prompt-file', join(server.dir, 'nope.md')), /does not exist/);
    mkdirSync(join(server.dir, 'a-dir'));
    await expectRefusal(server, run, spawn('--prompt-file', join(server.dir, 'a-dir')), /is a directory/);
    for (const bad of ['novalue', '=x', '1a=b', 'a-b=c']) {
      await expectRefusal(server, run, spawn('--prompt-file', p, '--var', bad), /Expected --var name=value/);
    }
    await expectRefusal(server, run, spawn('--prompt-file', p, '--bogus'), /Unknown option '--bogus'/);
    await expectRefusal(server, run, spawn(), /Give exactly one of --prompt-file/);
    await expectRefusal(server, run, spawn('--prompt-file', p, '--prompt', 'x'), /Give exactly one of --prompt-file/);

    await spawnFake(server, run.id, 'taken', 'hi');
    expect((await server.cli(['wait', run.id])).exitCode).toBe(0);
    await expectRefusal(server, run, ['spawn', run.id, 'taken', '--agent', fakeAgentProfile, '--prompt-file', p], /Worker "taken" already exists/);
  });

  test('spawning from inside a worker (ORCH_TMUX_WORKER) needs --allow-nested', async ({ server }) => {
    const run = await newRun(server);
    const p = promptFile(server, 'p', 'hi');
    const env = { ...server.env, ORCH_TMUX_WORKER: `${run.id}/parent` };
    const args = ['spawn', run.id, 'child', '--agent', fakeAgentProfile, '--prompt-file', p];
    await expectRefusal(server, run, args, /Refusing to spawn from inside worker .*\/parent/, env);
    const allowed = await server.cli([...args, '--allow-nested'], { env });
    expect(allowed.exitCode, String(allowed.stderr)).toBe(0);
  });

  test('other commands refuse unknown workers and bad keys with exit 2', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'w', 'hi');
    expect((await server.cli(['wait', run.id])).exitCode).toBe(0);
    await expectRefusal(server, run, ['wait', run.id, 'ghost'], /Unknown worker "ghost"/);
    await expectRefusal(server, run, ['result', run.id, 'ghost'], /Unknown worker "ghost"/);
    await expectRefusal(server, run, ['log', run.id, 'Bad.Name'], /Expected a worker name/);
    await expectRefusal(server, run, ['kill', run.id, 'ghost'], /Unknown worker "ghost"/);
    await expectRefusal(server, run, ['keys', run.id, 'w', 'hello world'], /Expected tmux key names/);
    await expectRefusal(server, run, ['send', run.id, 'w'], /Give the message as TEXT or with --file F/);
    await expectRefusal(server, run, ['wait', run.id, '--timeout', 'soon'], /Expected --timeout to be a number/);
    await expectRefusal(server, run, ['status', 'no-such-run'], /Unknown run/);
    // A run looked at through another tmux server is named as living on its own (run.json records it), not lost.
    const elsewhere = `-L${server.name}-other`;
    for (const args of [['status', run.id], ['wait', run.id, '--timeout', '1'], ['log', run.id, 'w']]) {
      await expectRefusal(server, run, [elsewhere, ...args], new RegExp(`Run ${run.id} lives on the tmux server ${run.socketPath}, not .*-other: drop -L`));
    }
    const json = await server.cli([elsewhere, 'status', run.id, '--json']);
    expect(JSON.parse(json.stdout).error.code).toBe('wrong_server');
  });
});
