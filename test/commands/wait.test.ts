// wait: woken by the runner's tmux wait-for signal (not by polling), bounded by --timeout, JSON for programs.
import { execa } from 'execa';
import { describe, expect } from 'vitest';
import { runChannel } from '../../src/workers/record.js';
import { cleanEnv, test, waitUntil } from '../helpers/tmux-server.js';
import { newRun, spawnFake, workerJson, parseOut } from './support.js';

describe('wait', () => {
  test('returns right after the last worker exits (event-driven, not the 2 s fallback poll)', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'quick', '[[sleep:50]]');
    await spawnFake(server, run.id, 'slow', '[[sleep:400]]');
    const wait = await server.cli(['wait', run.id]);
    const returned = Date.now();
    expect(wait.exitCode).toBe(0);
    const last = Math.max(...['quick', 'slow'].map((n) => Date.parse(workerJson(run, n).endedAt as string)));
    // The runner stamps endedAt, then signals. `slow` ends ~0.4 s into wait's first 2 s wait-for, so a
    // missed wake-up would show as >= ~1.5 s here; the wake-up path takes ~20 ms (1 s bound for loaded CI).
    expect(returned).toBeGreaterThanOrEqual(last);
    expect(returned - last).toBeLessThan(1000);
  });

  test('a worker that finished before wait started is seen at once', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'done-early', 'hi');
    await waitUntil(() => workerJson(run, 'done-early').state === 'done', 'the worker to finish');
    // The runner's end signal found no waiter, so tmux keeps it for the next one: take it, so a wait that
    // blocked before looking at the files would sit out its 2 s fallback instead of being woken by it.
    await execa('tmux', ['-L', server.name, 'wait-for', runChannel(run.id)], { env: cleanEnv(), extendEnv: false, timeout: 300, reject: false });
    const started = Date.now();
    const wait = await server.cli(['wait', run.id, 'done-early']);
    expect(wait.exitCode).toBe(0);
    // Node start-up (~0.2 s) plus one status check; no wait-for round.
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('--timeout 1 on a hanging worker exits 124; --json says timedOut', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'stuck', '[[hang]]');
    const started = Date.now();
    const plain = await server.cli(['wait', run.id, '--timeout', '1']);
    const took = Date.now() - started;
    expect(plain.exitCode).toBe(124);
    expect(String(plain.stderr)).toBe('orch-tmux wait: timed out after 1 s');
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(4000);
    const json = await server.cli(['wait', run.id, 'stuck', '--timeout', '0.2', '--json']);
    expect(json.exitCode).toBe(124);
    expect(parseOut(json)).toMatchObject({ run: run.id, finished: false, timedOut: true, exitCode: 124, workers: [{ name: 'stuck', state: 'running' }] });
  });

  test('--any returns when one worker finishes; --json shape', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'stuck', '[[hang]]');
    await spawnFake(server, run.id, 'fast', '[[reply:ok]]');
    const r = await server.cli(['wait', run.id, '--any', '--timeout', '10', '--json']);
    expect(r.exitCode).toBe(0);
    // wait --json: { run, finished, timedOut, exitCode (what wait exits with), workers: status --json's worker objects }
    const out = parseOut(r);
    expect(Object.keys(out).sort()).toEqual(['exitCode', 'finished', 'run', 'timedOut', 'workers']);
    expect(out).toMatchObject({ run: run.id, finished: true, timedOut: false, exitCode: 0 });
    expect(out.workers.map((w: { name: string; state: string }) => [w.name, w.state])).toEqual([['fast', 'done'], ['stuck', 'running']]);
    expect(out.workers[0]).toMatchObject({ exitCode: 0, signal: null, result: `${run.dir}/workers/fast/result.md` });
  });
});
