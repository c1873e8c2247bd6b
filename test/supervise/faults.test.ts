// Faults: an agent crash, a kill -9 of the agent, and a tmux server killed mid-run each end in the right
// state, in `status --json` and in worker.json alike; a result written before the fault stays.
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { cleanEnv, test, waitUntil } from '../helpers/tmux-server.js';
import { newRun, spawnFake, statusOf, workerDir, workerJson, parseOut } from '../cli/support.js';

describe('faults', () => {
  test('[[crash:3]]: failed with exitCode 3 and its last words, wait exits 1, the pane tail is kept as a fallback, never as the result', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'crash', 'please [[crash:3]]');
    const wait = await server.cli(['wait', run.id, '--json']);
    expect(wait.exitCode).toBe(1);
    expect(parseOut(wait)).toMatchObject({ exitCode: 1, timedOut: false, finished: true, workers: [{ name: 'crash', state: 'failed', exitCode: 3 }] });
    expect(workerJson(run, 'crash')).toMatchObject({ state: 'failed', exitCode: 3, signal: null, reason: 'agent exited with code 3: fake-agent: crashing with 3', resultSource: 'fallback:pane' });
    expect(await statusOf(server, run.id, 'crash')).toMatchObject({ state: 'failed', exitCode: 3, signal: null, result: null });
    // No last message: no result.md; fallback.md keeps the marked transcript tail, which shows the crash.
    expect(existsSync(join(workerDir(run, 'crash'), 'result.md'))).toBe(false);
    const fallback = readFileSync(join(workerDir(run, 'crash'), 'fallback.md'), 'utf8');
    expect(fallback).toContain('It is not a result');
    expect(fallback).toContain('fake-agent: crashing with 3');
  });

  test('kill -9 of the agent: failed with signal SIGKILL', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'victim', '[[hang]]');
    const pid = workerJson(run, 'victim').agentPid;
    expect(typeof pid).toBe('number');
    // The agent is hanging: make sure it really runs before it is shot.
    await waitUntil(() => readFileSync(join(workerDir(run, 'victim'), 'pane.log'), 'utf8').includes('fake-agent: hanging'), 'the agent to hang');
    process.kill(pid as number, 'SIGKILL');
    const wait = await server.cli(['wait', run.id, '--timeout', '10']);
    expect(wait.exitCode).toBe(1);
    expect(workerJson(run, 'victim')).toMatchObject({ state: 'failed', exitCode: null, signal: 'SIGKILL', reason: 'agent ended by SIGKILL' });
    expect(await statusOf(server, run.id, 'victim')).toMatchObject({ state: 'failed', exitCode: null, signal: 'SIGKILL' });
  });

  test('tmux server killed mid-run: the hanging worker is lost, a finished result survives byte-identical', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'finished', '[[reply:kept — ünïcode; $(x) `y`]]');
    expect((await server.cli(['wait', run.id, 'finished'])).exitCode).toBe(0);
    const resultPath = join(workerDir(run, 'finished'), 'result.md');
    const before = readFileSync(resultPath);
    expect(before.toString('utf8')).toBe('kept — ünïcode; $(x) `y`');

    await spawnFake(server, run.id, 'hanging', '[[hang]]');
    await waitUntil(() => readFileSync(join(workerDir(run, 'hanging'), 'pane.log'), 'utf8').includes('fake-agent: hanging'), 'the agent to hang');
    await execa('tmux', ['-L', server.name, 'kill-server'], { env: cleanEnv(), extendEnv: false });

    // The runner goes with its window (SIGHUP) and records nothing: status finds the session gone (lost)
    // and writes nothing; the next writer (the monitor, which would also resume it) records it.
    const hanging = await statusOf(server, run.id, 'hanging');
    expect(hanging.state).toBe('lost');
    expect(hanging.reason).toMatch(/tmux session or server gone/);
    expect(await statusOf(server, run.id, 'finished')).toMatchObject({ state: 'done', exitCode: 0, result: resultPath });
    expect(workerJson(run, 'hanging').state, 'status writes nothing').toBe('running');
    expect(workerJson(run, 'finished').state).toBe('done');
    expect(readFileSync(resultPath).equals(before)).toBe(true);
    // wait does not hang on a dead server: lost counts as failed.
    const wait = await server.cli(['wait', run.id, '--timeout', '10']);
    expect(wait.exitCode).toBe(1);
  });
});
