// Concurrency limits for spawn: over concurrency.global (the user's config) a spawned worker is `queued` at
// once (no window), shows so in status, and starts when a slot is free: by the settle step that recorded an
// end in its run, the next spawn into the run, or a monitor pass; a queued worker is killed without starting.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { openGate, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { newRun, parseOut, spawnFake, statusOf, workerJson } from '../cli/support.js';
import { eventsOf, monitorOnce } from './support.js';

function userConfig(server: TestServer, text: string): void {
  mkdirSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux'), { recursive: true });
  writeFileSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux', 'config.yaml'), text);
}

describe('spawn over a concurrency limit', () => {
  test('concurrency.global 2 across two runs: the third worker is queued at once, starts once a slot is free, and all finish', async ({ server }) => {
    userConfig(server, 'concurrency: {global: 2}\n');
    const one = await newRun(server);
    const two = await newRun(server);
    await spawnFake(server, one.id, 'a', '[[gate:a]] [[reply:a]]');
    await spawnFake(server, two.id, 'b', '[[gate:b]] [[reply:b]]');
    const third = await server.cli(['spawn', two.id, 'c', '--agent', join(import.meta.dirname, '..', 'fixtures', 'agents', 'fake.yaml'), '--prompt', '[[reply:c]]', '--json']);
    expect(third.exitCode, String(third.stderr)).toBe(0);
    expect(parseOut(third)).toMatchObject({ worker: 'c', state: 'queued' });
    expect(await statusOf(server, two.id, 'c')).toMatchObject({ state: 'queued' });
    expect(workerJson(two, 'c').paneId).toBeUndefined();
    // Still full: a pass starts nothing.
    await monitorOnce(server);
    expect(workerJson(two, 'c').state).toBe('queued');
    openGate(server, 'a');
    expect((await server.cli(['wait', one.id, 'a', '--timeout', '20'])).exitCode).toBe(0);
    await monitorOnce(server);
    expect(['pending', 'running', 'done']).toContain(workerJson(two, 'c').state);
    expect(eventsOf(two, 'worker.dequeued', 'c')).toMatchObject([{ detail: { from: 'queued', to: 'pending', by: 'monitor' } }]);
    openGate(server, 'b');
    expect((await server.cli(['wait', two.id, '--timeout', '20'])).exitCode).toBe(0);
    expect(workerJson(two, 'c')).toMatchObject({ state: 'done' });
    expect(Date.parse(String(workerJson(two, 'c').startedAt))).toBeGreaterThan(Date.parse(String(workerJson(one, 'a').endedAt)));
  });

  test('concurrency.perRun 1: spawn --worker a=F --worker b=F starts a and queues b; a\'s end starts b; a queued worker is killed without a window', async ({ server }) => {
    userConfig(server, 'concurrency: {perRun: 1}\n');
    const run = await newRun(server);
    const fake = join(import.meta.dirname, '..', 'fixtures', 'agents', 'fake.yaml');
    const files = ['a', 'b'].map((n) => { const f = join(server.dir, `${n}.md`); writeFileSync(f, `[[gate:${n}]] [[reply:${n}]]`); return f; });
    const both = await server.cli(['spawn', run.id, '--worker', `a=${files[0]}`, '--worker', `b=${files[1]}`, '--agent', fake]);
    expect(both.exitCode, String(both.stderr)).toBe(0);
    expect(String(both.stdout)).toMatch(new RegExp(`${run.id}/b queued \\(starts when a slot is free`));
    expect(workerJson(run, 'a').state).toBe('running');
    expect(workerJson(run, 'b').state).toBe('queued');
    openGate(server, 'a');
    expect((await server.cli(['wait', run.id, 'a', '--timeout', '20'])).exitCode).toBe(0);
    // The settle step that recorded a's end gives its slot to b (no monitor, no spawn).
    await waitUntil(() => workerJson(run, 'b').state !== 'queued', 'b to leave the queue');
    expect(eventsOf(run, 'worker.dequeued', 'b')).toMatchObject([{ detail: { by: 'settle' } }]);
    // b holds the slot: the next spawn's worker waits behind it.
    await spawnFake(server, run.id, 'c', '[[reply:c]]');
    expect(['pending', 'running']).toContain(workerJson(run, 'b').state);
    expect(workerJson(run, 'c').state).toBe('queued');
    const killed = await server.cli(['kill', run.id, 'c']);
    expect(killed.exitCode, String(killed.stderr)).toBe(0);
    expect(workerJson(run, 'c')).toMatchObject({ state: 'killed', reason: 'killed by orch-tmux kill (while queued)' });
    expect(workerJson(run, 'c').paneId).toBeUndefined();
    openGate(server, 'b');
    await waitUntil(() => workerJson(run, 'b').state === 'done', 'b done');
  });
});
