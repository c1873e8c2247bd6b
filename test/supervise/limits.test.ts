// A worker at a usage limit: rate_limited with the reset time the agent printed, told once, never poked
// however long it is silent, and nudged once (the policy's limits.nudge) after the reset; then it goes on.
// An exec agent that exits at a limit is resumed after the reset, not straight back into it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeTuiProfile, test, waitUntil } from '../helpers/tmux-server.js';
import { newRun, spawnFake, workerDir, workerJson } from '../cli/support.js';
import { eventsOf, monitorOnce, notices, observed, screenOf, writePolicy } from './support.js';
import { resetTime } from '../../src/core/reset-time.js';

describe('usage limits', () => {
  test('rate_limited with resetsAt, not poked while silent, nudged once after the reset', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, { silence: { pokeAfter: 1 }, limits: { nudge: 'limit over, go on' } });
    const spawn = await server.cli(['spawn', run.id, 'w', '--agent', fakeTuiProfile, '--prompt', 'unused']);
    expect(spawn.exitCode, String(spawn.stderr)).toBe(0);
    await waitUntil(async () => /^› ?$/m.test(await screenOf(server, run, 'w')), 'the composer');
    const sentAt = Date.now();
    expect((await server.cli(['send', run.id, 'w', 'work [[ratelimit:4]]'])).exitCode).toBe(0);
    await waitUntil(async () => /usage limit/.test(await screenOf(server, run, 'w')), 'the usage-limit line');

    const first = observed(await monitorOnce(server), 'w')!;
    expect(first).toMatchObject({ state: 'running', screen: 'rate_limited', actions: ['notify:rate_limited'] });
    const resetsAt = Date.parse(first.resetsAt!);
    expect(resetsAt).toBeGreaterThan(sentAt + 3000);
    // Silent past pokeAfter (1 s) and still before the reset: neither poked nor told again.
    await waitUntil(() => Date.now() > sentAt + 2500, 'silence past pokeAfter');
    if (Date.now() < resetsAt) expect(observed(await monitorOnce(server), 'w')).toMatchObject({ screen: 'rate_limited', actions: [] });
    await waitUntil(() => Date.now() > resetsAt, 'the reset time');
    expect(observed(await monitorOnce(server), 'w')!.actions).toEqual(['nudge']);
    await waitUntil(() => readFileSync(join(workerDir(run, 'w'), 'record.jsonl'), 'utf8').includes('limit over, go on'), 'the nudge at the agent');
    await waitUntil(async () => /ok 2/.test(await screenOf(server, run, 'w')), 'the agent to go on');
    expect(observed(await monitorOnce(server), 'w')!.actions).toEqual([]);
    expect(eventsOf(run, 'monitor.nudged', 'w')).toHaveLength(1);
    expect(eventsOf(run, 'monitor.poked')).toEqual([]);
    expect(notices(server).map((n) => n.event)).toEqual(['rate_limited', 'resumed']);
    await server.cli(['kill', run.id, 'w']);
  });

  test('an exec agent that exits at a usage limit is resumed after the reset, not before', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, {});
    const startedAt = Date.now();
    await spawnFake(server, run.id, 'x', 'work [[ratelimit:3]] [[reply:finished after the reset]]');
    await waitUntil(() => workerJson(run, 'x').state === 'failed' && existsSync(join(workerDir(run, 'x'), 'exit-0.facts')), 'the exit at the limit');
    const first = observed(await monitorOnce(server), 'x')!;
    expect(first).toMatchObject({ state: 'failed', actions: ['notify:rate_limited'] });
    const resetsAt = Date.parse(String(notices(server).find((n) => n.event === 'rate_limited')?.detail?.resetsAt));
    expect(resetsAt).toBeGreaterThan(startedAt + 2000);
    if (Date.now() < resetsAt) expect(observed(await monitorOnce(server), 'x')!.actions).toEqual([]);
    await waitUntil(() => Date.now() > resetsAt, 'the reset time');
    expect(observed(await monitorOnce(server), 'x')!.actions).toEqual(['resume:1']);
    expect((await server.cli(['wait', run.id, 'x', '--timeout', '20'])).exitCode).toBe(0);
    expect(readFileSync(join(workerDir(run, 'x'), 'result.md'), 'utf8')).toContain('finished after the reset');
  });

  test('two exec workers of one agent at one limit: the run is told once, and neither is resumed before the later reset', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, {});
    await spawnFake(server, run.id, 'a', 'work [[ratelimit:3]] [[reply:a after the reset]]');
    await spawnFake(server, run.id, 'b', 'work [[ratelimit:4]] [[reply:b after the reset]]');
    await waitUntil(() => ['a', 'b'].every((n) => workerJson(run, n).state === 'failed' && existsSync(join(workerDir(run, n), 'exit-0.facts'))), 'both exits at the limit');
    const pass = await monitorOnce(server);
    expect([...observed(pass, 'a')!.actions, ...observed(pass, 'b')!.actions].sort()).toEqual(['notify:rate_limited', 'notify:rate_limited:told']);
    const later = Math.max(...eventsOf(run, 'run.quota-wall').map((e) => Date.parse(String(e.detail?.resetsAt))));
    // Before the later reset: a's own limit may be over, but the run's wall is not; nobody is told again.
    if (Date.now() < later) {
      const between = await monitorOnce(server);
      for (const n of ['a', 'b']) expect(observed(between, n)!.actions.filter((a) => a.startsWith('resume')), n).toEqual([]);
    }
    await waitUntil(() => Date.now() > later, 'the later reset');
    const after = await monitorOnce(server);
    for (const n of ['a', 'b']) expect(observed(after, n)!.actions, n).toEqual(['resume:1']);
    expect((await server.cli(['wait', run.id, '--timeout', '20'])).exitCode).toBe(0);
    expect(notices(server).filter((n) => n.event === 'rate_limited')).toHaveLength(1);
  });

  test('the same agent on two accounts (another API key: here another value of a forwardEnv variable) meets two walls: each is told', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, {});
    await spawnFake(server, run.id, 'a', 'work [[ratelimit:3]] [[reply:a]]');
    const other = { ...server.env, FAKE_AGENT_HOME: join(server.dir, 'other-account') };
    const b = await server.cli(['spawn', run.id, 'b', '--agent', join(import.meta.dirname, '..', 'fixtures', 'agents', 'fake.yaml'), '--prompt', 'work [[ratelimit:3]] [[reply:b]]'], { env: other });
    expect(b.exitCode, String(b.stderr)).toBe(0);
    expect(workerJson(run, 'a').account).not.toBe(workerJson(run, 'b').account);
    expect(JSON.stringify(workerJson(run, 'b'))).not.toContain(join(server.dir, 'other-account'));
    await waitUntil(() => ['a', 'b'].every((n) => workerJson(run, n).state === 'failed' && existsSync(join(workerDir(run, n), 'exit-0.facts'))), 'both exits at the limit');
    const pass = await monitorOnce(server);
    expect([observed(pass, 'a')!.actions, observed(pass, 'b')!.actions]).toEqual([['notify:rate_limited'], ['notify:rate_limited']]);
    expect(new Set(eventsOf(run, 'run.quota-wall').map((e) => e.detail?.account)).size).toBe(2);
    await server.cli(['kill', run.id, '--grace', '0']);
  });

  test.for([
    ['Try again at 2026-12-02T10:00:05.000Z.', Date.parse('2026-12-02T10:00:05.000Z')],
    ['You\'ve hit your usage limit. Try again in 2 hours 13 minutes.', 2 * 3_600_000 + 13 * 60_000],
    ['rate limited, retry in 30s', 30_000],
    ['5-hour limit reached · resets 3pm', 'at 15:00'],
    ['Try again at 3:45 PM.', 'at 15:45'],
    ['usage limit reached', undefined],
  ] as const)('reset time of %j', ([text, want]) => {
    const now = new Date(2026, 11, 2, 9, 0, 0).getTime();
    const got = resetTime(text, now);
    if (want === undefined) expect(got).toBeUndefined();
    else if (typeof want === 'string') {
      const [h, m] = want.slice(3).split(':').map(Number);
      expect(got).toBe(new Date(2026, 11, 2, h, m, 0).getTime());
    } else expect(got).toBe(want > 1e12 ? want : now + want);
  });
});
