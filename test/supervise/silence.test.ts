// monitor and workers that go quiet: poke, then interrupt, at short thresholds; a hang is resumed afterwards.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { newRun, spawnFake, workerDir, workerJson, type NewRun } from '../cli/support.js';
import { eventsOf, events, monitorOnce, notices, observed, writePolicy } from './support.js';

const SHORT = { pokeAfter: 0.5, interruptAfter: 0.5 };
const result = (run: NewRun, name: string) => readFileSync(join(workerDir(run, name), 'result.md'), 'utf8');

/** Runs `monitor --once` until `done` holds; returns the actions taken for `name`, pass by pass. */
async function passUntil(server: TestServer, name: string, done: () => boolean, what: string, timeoutMs = 20_000): Promise<string[][]> {
  const actions: string[][] = [];
  await waitUntil(async () => {
    const w = observed(await monitorOnce(server), name);
    if (w?.actions.length) actions.push(w.actions);
    return done();
  }, what, timeoutMs);
  return actions;
}

/** Waits (with `wait`) until the worker has ended; returns wait's exit code. */
async function ended(server: TestServer, run: NewRun, name: string): Promise<number | undefined> {
  return (await server.cli(['wait', run.id, name, '--timeout', '20'])).exitCode;
}

describe('monitor: silence', () => {
  test('a silent exec worker is poked once, then interrupted (worker.stalled) and `stalled` is notified', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, { silence: SHORT, death: { resume: false } });
    await spawnFake(server, run.id, 'w', 'say nothing [[silent:60000]]');
    const actions = await passUntil(server, 'w', () => eventsOf(run, 'worker.stalled', 'w').length > 0, 'worker.stalled');
    expect(actions.flat()).toEqual(['poke', 'interrupt', 'notify:stalled']);
    const kinds = events(run).filter((e) => e.worker === 'w').map((e) => e.kind);
    expect(kinds.indexOf('monitor.poked')).toBeGreaterThan(-1);
    expect(kinds.indexOf('monitor.poked')).toBeLessThan(kinds.indexOf('worker.stalled'));
    expect(eventsOf(run, 'monitor.poked', 'w')).toHaveLength(1);
    expect(eventsOf(run, 'worker.stalled', 'w')[0]!.detail).toMatchObject({ action: 'interrupted', by: 'monitor' });
    expect(notices(server).filter((n) => n.event === 'stalled')).toMatchObject([{ worker: 'w', run: run.id }]);
    // C-c reached the agent: it exits 130 and leaves no message; with resume off the monitor reports the failure.
    expect(await ended(server, run, 'w')).toBe(1);
    expect(workerJson(run, 'w')).toMatchObject({ state: 'failed', exitCode: 130, resumes: 0 });
    expect(workerJson(run, 'w').resultSource).not.toMatch(/^(file|stdout)$/);
    expect(observed(await monitorOnce(server), 'w')!.actions).toEqual(['notify:failed']);
    // Every worker finished and was reported: that pass ended the run, and the next one leaves it alone.
    expect(JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8'))).toMatchObject({ state: 'finished' });
    expect(observed(await monitorOnce(server), 'w')).toBeUndefined();
    expect(notices(server).filter((n) => n.event === 'failed')).toHaveLength(1);
  });

  test('a hung exec worker ([[hang-once]]) is interrupted, then resumed, and the run completes', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, { silence: SHORT });
    await spawnFake(server, run.id, 'w', 'work [[hang-once]]');
    const actions = await passUntil(server, 'w', () => eventsOf(run, 'worker.resume', 'w').length > 0, 'worker.resume');
    expect(actions.flat()).toEqual(['poke', 'interrupt', 'notify:stalled', 'resume:1']);
    expect(await ended(server, run, 'w')).toBe(0);
    const rec = workerJson(run, 'w');
    expect(rec).toMatchObject({ state: 'done', exitCode: 0, resumes: 1, resultSource: 'file' });
    expect(result(run, 'w').split('\n')[0]).toBe(`resumed ${String(rec.sessionId)}`);
    // The interrupted first run: exit 130 and no message of its own.
    const failed = eventsOf(run, 'worker.failed', 'w');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.detail).toMatchObject({ exitCode: 130 });
    expect(failed[0]!.detail!.resultSource).not.toMatch(/^(file|stdout)$/);
    const kinds = events(run).filter((e) => e.worker === 'w' && /^worker\./.test(e.kind)).map((e) => e.kind);
    expect(kinds).toEqual(['worker.created', 'worker.started', 'worker.stalled', 'worker.failed', 'worker.resume', 'worker.resumed', 'worker.done']);
    expect(eventsOf(run, 'worker.resume', 'w')[0]!.detail).toMatchObject({ sessionId: rec.sessionId, attempt: 1, previousExitCode: 130 });
    expect(observed(await monitorOnce(server), 'w')!.actions).toEqual(['notify:done']);
  });
});
