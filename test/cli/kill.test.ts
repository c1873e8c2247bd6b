// kill: interrupt key, grace, SIGTERM, SIGKILL; the state becomes killed and a written result stays.
import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { cleanEnv, ourProcesses, test, waitUntil } from '../helpers/tmux-server.js';
import { newRun, spawnFake, statusOf, workerDir, workerJson, parseOut } from './support.js';

const hanging = (run: { dir: string }, name: string) => () =>
  readFileSync(join(run.dir, 'workers', name, 'pane.log'), 'utf8').includes('fake-agent: hanging');

describe('kill', () => {
  test('kill <run> <worker> --grace 1: a hanging worker is killed; a finished one keeps its result', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'done', '[[reply:the answer]]');
    await spawnFake(server, run.id, 'stuck', '[[hang]]');
    await waitUntil(hanging(run, 'stuck'), 'the agent to hang');
    expect((await server.cli(['wait', run.id, 'done'])).exitCode).toBe(0);

    const r = await server.cli(['kill', run.id, 'stuck', '--grace', '1', '--json']);
    expect(r.exitCode).toBe(0);
    expect(parseOut(r)).toEqual({ run: run.id, workers: [{ name: 'stuck', state: 'killed' }], sessionKilled: false });
    // Exit 130: C-c (the profile's interrupt key) stopped the fake agent within the grace period (SIGTERM gives 143).
    expect(workerJson(run, 'stuck')).toMatchObject({ state: 'killed', exitCode: 130 });
    expect(await statusOf(server, run.id, 'stuck')).toMatchObject({ state: 'killed' });
    // It gave no answer: its transcript tail is kept for people in fallback.md, never as result.md; the other worker is untouched.
    expect(existsSync(join(workerDir(run, 'stuck'), 'result.md'))).toBe(false);
    expect(readFileSync(join(workerDir(run, 'stuck'), 'fallback.md'), 'utf8')).toContain('fake-agent: hanging');
    const again = await server.cli(['kill', run.id, 'done', '--grace', '0']);
    expect(String(again.stdout)).toBe('done already done');
    expect(readFileSync(join(workerDir(run, 'done'), 'result.md'), 'utf8')).toBe('the answer');
    expect(workerJson(run, 'done').state).toBe('done');
  });

  test('an agent that ignores the interrupt key gets SIGTERM after the grace period', async ({ server }) => {
    const run = await newRun(server);
    // The fake agent in exec mode reads its prompt from a file, so a key in the pane does not reach it.
    const profile = join(server.dir, 'deaf.yaml');
    writeFileSync(profile, `name: deaf\ncommand: [fake-agent, "-"]\nprompt: stdin\nkeys: { interrupt: [F12] }\n`);
    const r = await server.cli(['spawn', run.id, 'deaf', '--agent', profile, '--prompt', '[[hang]]']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    await waitUntil(hanging(run, 'deaf'), 'the agent to hang');
    expect((await server.cli(['kill', run.id, 'deaf', '--grace', '0'])).exitCode).toBe(0);
    // The fake agent exits 143 on SIGTERM.
    expect(workerJson(run, 'deaf')).toMatchObject({ state: 'killed', exitCode: 143 });
  });

  test('kill <run> stops every worker and kills the session; nothing of ours is left running for it', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'a', '[[hang]]');
    await spawnFake(server, run.id, 'b', '[[hang]]');
    expect(ourProcesses(server).length).toBeGreaterThanOrEqual(3); // the board and two runners
    const r = await server.cli(['kill', run.id, '--grace', '1', '--json']);
    expect(r.exitCode).toBe(0);
    expect(parseOut(r)).toEqual({ run: run.id, workers: [{ name: 'a', state: 'killed' }, { name: 'b', state: 'killed' }], sessionKilled: true });
    const has = await execa('tmux', ['-L', server.name, 'has-session', '-t', `=${run.session}`], { reject: false, env: cleanEnv(), extendEnv: false });
    expect(has.exitCode).toBe(1);
    for (const name of ['a', 'b']) expect(workerJson(run, name).state).toBe('killed');
    const ls = parseOut(await server.cli(['ls', '--json']));
    expect(ls.runs.find((x: { id: string }) => x.id === run.id).live).toBe(false);
    // The board, the runners and the settle step they started: all gone (the step ends once the queue is drained).
    await waitUntil(() => ourProcesses(server).length === 0 || undefined, 'every process of the run to end', 15_000);
  });
});
