// wait: woken by file changes in the run (inotify, not polling), bounded by --timeout, JSON for programs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, openGate, test, waitUntil, watching } from '../helpers/tmux-server.js';
import { cliBackground } from '../reliability/support.js';
import { newRun, spawnFake, workerJson, parseOut } from './support.js';

describe('wait', () => {
  test('returns right after the last worker exits (event-driven, not the fallback poll)', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'quick', '[[gate:quick]]');
    await spawnFake(server, run.id, 'slow', '[[gate:slow]]');
    const wait = cliBackground(server, ['wait', run.id, '--json']);
    let returned = 0;
    void wait.then(() => (returned = Date.now()));
    // Both finish while wait is blocked: it watches the run (an inotify instance) before it looks.
    await waitUntil(() => watching(wait.pid!), 'wait to watch the run');
    openGate(server, 'quick');
    await waitUntil(() => workerJson(run, 'quick').state === 'done', 'quick to finish');
    openGate(server, 'slow');
    const r = await wait;
    expect(r.exitCode).toBe(0);
    expect(parseOut(r).missedWakeups).toBe(0);
    const last = Math.max(...['quick', 'slow'].map((n) => Date.parse(workerJson(run, n).endedAt as string)));
    // A missed wake-up would show as ~10 s (the fallback check); the wake-up path takes milliseconds
    // (a 4 s bound for a loaded machine).
    expect(returned).toBeGreaterThanOrEqual(last);
    expect(returned - last).toBeLessThan(4000);
  });

  test('a worker that finished before wait started is seen at once', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'done-early', 'hi');
    await waitUntil(() => workerJson(run, 'done-early').state === 'done', 'the worker to finish');
    // --timeout 0: one look and no waiting at all; a worker already finished is seen in that look.
    const wait = await server.cli(['wait', run.id, 'done-early', '--timeout', '0']);
    expect(wait.exitCode).toBe(0);
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
    expect(took).toBeLessThan(8000); // bounded: one second plus a Node start on a loaded machine
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
    // wait --json: { run, finished, timedOut, exitCode (what wait exits with), missedWakeups, workers: status --json's worker objects }
    const out = parseOut(r);
    expect(Object.keys(out).sort()).toEqual(['exitCode', 'finished', 'missedWakeups', 'outcome', 'reason', 'run', 'state', 'timedOut', 'workers']);
    expect(out.missedWakeups).toBe(0);
    expect(out).toMatchObject({ run: run.id, finished: true, timedOut: false, exitCode: 0 });
    expect(out.workers.map((w: { name: string; state: string }) => [w.name, w.state])).toEqual([['stuck', 'running'], ['fast', 'done']]);
    expect(out.workers[1]).toMatchObject({ exitCode: 0, signal: null, result: `${run.dir}/workers/fast/result.md` });
  });

  test('wait <run> on a detached pattern run follows it to its end: later stages and the synthesis included', async ({ server }) => {
    writeFileSync(join(server.dir, 'work', 'doc.md'), '# Doc\n\nText.\n');
    const r = await server.cli(['review', 'doc.md', '--agent', fakeAgentProfile, '--lenses', 'clarity,risks', '--detach']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const id = String(r.stdout).trim();
    // Right after the start no worker may exist yet: wait still waits for the run, not for nothing.
    const w = await server.cli(['wait', id, '--timeout', '60', '--json']);
    expect(w.exitCode, String(w.stdout)).toBe(0);
    const out = parseOut<{ state: string; outcome: string; workers: { name: string; state: string }[] }>(w);
    expect(out).toMatchObject({ state: 'finished', outcome: 'ok' });
    expect(out.workers.map((x) => [x.name, x.state])).toEqual([['clarity', 'done'], ['risks', 'done'], ['synth', 'done']]);
  });
});
