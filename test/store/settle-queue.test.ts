// One settle step per run: a runner whose run has a live settle step leaves its ended attempt in the run's
// queue and starts no Node process; the next runner's step records every queued attempt; `wait` waits for
// a queued attempt while the step lives; a settle lock whose pid now names another process is taken over by the next runner.
import { readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { expect } from 'vitest';
import { acquireLock } from '../../src/os/lock.js';
import { runPaths } from '../../src/core/paths.js';
import { openGate, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { newRun, parseOut, spawnFake, workerJson, type NewRun } from '../cli/support.js';

// The workers whose runner has exited (their window's pane is dead).
async function ended(server: TestServer, run: NewRun): Promise<string[]> {
  const rows = await server.tmux.run([['list-panes', '-s', '-t', run.session, '-F', '#{window_name} #{pane_dead}']]);
  return rows.split('\n').filter((l) => l.endsWith(' 1')).map((l) => l.split(' ')[0]!).sort();
}

test('while a settle step holds the run, ending runners queue their attempts and start none; the next runner\'s step records them all, and wait waits for it', async ({ server }) => {
  const run = await newRun(server);
  const names = ['a', 'b', 'c'];
  for (const n of [...names, 'd']) await spawnFake(server, run.id, n, `[[gate:${run.id}-${n}]] [[reply:answer ${n}]]`);
  // This test process is the run's live settle step.
  const lock = acquireLock(runPaths(run.dir).settleLock, false);
  if (!('release' in lock)) throw new Error('the settle lock was taken');
  let released = false;
  try {
    for (const n of names) openGate(server, `${run.id}-${n}`);
    await waitUntil(async () => (await ended(server, run)).length === names.length, 'every runner to exit');
    // Each ended attempt waits in the queue, and no runner recorded it (a runner that started its own settle
    // step would have stayed until the record said done).
    expect(readdirSync(runPaths(run.dir).settleQueue).sort()).toEqual(names);
    for (const n of names) expect(workerJson(run, n).state).toBe('running');
    // A CLI wait returns only once the ends are recorded: their settle step still lives.
    const waiting = server.cli(['wait', run.id, ...names, '--timeout', '60', '--json']);
    let waited = false;
    void waiting.then(() => { waited = true; });
    const status = parseOut<{ workers: { name: string; state: string }[] }>(await server.cli(['status', run.id, '--json']));
    expect(status.workers.map((w) => `${w.name}:${w.state}`).sort()).toEqual(['a:done', 'b:done', 'c:done', 'd:running']); // readers derive the ends from the facts
    expect(waited).toBe(false);
    lock.release();
    released = true;
    // The next end: its runner takes the lock for the step it starts (the lock line written by sh, read by
    // the step as its parent's), which records the three left in the queue as well as its own.
    openGate(server, `${run.id}-d`);
    await waitUntil(() => [...names, 'd'].every((n) => workerJson(run, n).state === 'done'), 'every end recorded');
    for (const n of names) expect(workerJson(run, n)).toMatchObject({ state: 'done', resultSource: 'file' });
    const w = await waiting;
    expect(w.exitCode, String(w.stderr)).toBe(0);
    await waitUntil(() => readdirSync(run.dir).every((f) => f !== 'settle.lock'), 'the settle step to let go of the run');
    expect(readdirSync(runPaths(run.dir).settleQueue)).toEqual([]);
  } finally {
    if (!released) lock.release();
  }
});

test('a settle lock whose pid now names another process is taken over by the next runner that ends', async ({ server }) => {
  const run = await newRun(server);
  // A lock in the name of a pid that lives but is another process now (this one started later: a reused pid).
  writeFileSync(runPaths(run.dir).settleLock, JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-01-01T00:00:00Z', start: '1' }));
  await spawnFake(server, run.id, 'a', '[[reply:answer a]]');
  const w = await server.cli(['wait', run.id, '--timeout', '60']);
  expect(w.exitCode, String(w.stderr)).toBe(0);
  expect(workerJson(run, 'a')).toMatchObject({ state: 'done', resultSource: 'file' });
  await waitUntil(() => readdirSync(run.dir).every((f) => f !== 'settle.lock'), 'the settle step to let go of the run');
  expect(readdirSync(runPaths(run.dir).settleQueue)).toEqual([]);
});
