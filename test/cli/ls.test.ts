// `orch-tmux ls`: every run at a glance (state, outcome, age, workers done and failed, cost) from the index
// and each run's worker records, writing nothing; `--json` keeps every field it had and adds ageSeconds,
// workers {total, done, failed} and cost (USD, or null when no agent reported one).
import { appendFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fixturesDir, test, waitUntil } from '../helpers/tmux-server.js';
import { mtimes, newRun, parseOut, spawnFake, workerDir, type NewRun } from './support.js';

const fakeJson = join(fixturesDir, 'agents', 'fake-json.yaml');

// Nobody writes in the run any more: no settle step holds or has queued anything, no worker record is locked.
const quiet = (run: NewRun) => !existsSync(join(run.dir, 'settle.lock'))
  && (!existsSync(join(run.dir, 'settle')) || readdirSync(join(run.dir, 'settle')).length === 0)
  && readdirSync(join(run.dir, 'workers')).every((n) => !existsSync(join(workerDir(run, n), 'worker.lock')));

describe('ls', () => {
  test('every run with state, outcome, age, workers done/failed and cost; --json adds ageSeconds, workers and cost; nothing is written', async ({ server }) => {
    const costly = await newRun(server, ['--name', 'costly']);
    // fake-json-agent reports total_cost_usd 0.0001 per turn, like claude.
    for (const name of ['j1', 'j2']) {
      const r = await server.cli(['spawn', costly.id, name, '--agent', fakeJson, '--prompt', '[[reply:fine]]']);
      expect(r.exitCode, String(r.stderr)).toBe(0);
    }
    await spawnFake(server, costly.id, 'bad', '[[crash:3]]');
    expect((await server.cli(['wait', costly.id, '--timeout', '30'])).exitCode).toBe(1);
    const empty = await newRun(server, ['--name', 'empty']);
    // A run made 3 hours ago whose folder is gone: listed from its index line alone.
    const old = { id: '20200101-000000-old-abcd', dir: join(server.dir, 'gone'), session: 'orch-old', created: new Date(Date.now() - 3 * 3_600_000 - 60_000).toISOString(), state: 'finished', outcome: 'ok', name: 'old' };
    appendFileSync(join(server.env.ORCH_TMUX_HOME!, 'index.jsonl'), `${JSON.stringify(old)}\n`);
    await waitUntil(() => quiet(costly), 'the settle step to be done');
    const before = { state: mtimes(server.env.ORCH_TMUX_HOME!), runs: mtimes(join(server.dir, 'runs')) };

    const text = await server.cli(['ls']);
    expect(text.exitCode, String(text.stderr)).toBe(0);
    const lines = String(text.stdout).split('\n');
    expect(lines[0]).toMatch(/^RUN +STATE +OUTCOME +LIVE +AGE +WORKERS +COST +NAME +DIR$/);
    expect(lines.find((l) => l.startsWith(costly.id))).toMatch(/ active +yes +\d+ s +2\/3 done, 1 failed +\$0\.0002 +costly +\//);
    expect(lines.find((l) => l.startsWith(empty.id))).toMatch(/ active +yes +\d+ s +- +empty +\//);
    expect(lines.find((l) => l.startsWith(old.id))).toMatch(/ finished +ok +no +3 h +- +old +\//);

    const json = await server.cli(['ls', '--json']);
    expect(json.exitCode, String(json.stderr)).toBe(0);
    const { runs } = parseOut<{ runs: Record<string, unknown>[] }>(json);
    expect(runs.map((r) => r.id)).toEqual([empty.id, costly.id, old.id]);
    // Every field ls --json had before is still there; the new ones beside them.
    expect(runs[1]).toEqual({
      id: costly.id, dir: costly.dir, session: costly.session, socketPath: costly.socketPath, created: expect.any(String), name: 'costly', state: 'active', live: true,
      ageSeconds: expect.any(Number), workers: { total: 3, done: 2, failed: 1 }, cost: 0.0002,
    });
    expect(runs[1]!.ageSeconds as number).toBeLessThan(600);
    expect(runs[0]).toMatchObject({ id: empty.id, workers: { total: 0, done: 0, failed: 0 }, cost: null });
    expect(runs[2]).toMatchObject({ id: old.id, state: 'finished', outcome: 'ok', live: false, workers: { total: 0, done: 0, failed: 0 }, cost: null });
    expect(runs[2]!.ageSeconds as number).toBeGreaterThanOrEqual(3 * 3600 + 60);

    // A read command: neither the index nor any run's file changed.
    expect(mtimes(server.env.ORCH_TMUX_HOME!)).toEqual(before.state);
    expect(mtimes(join(server.dir, 'runs'))).toEqual(before.runs);
  });
});
