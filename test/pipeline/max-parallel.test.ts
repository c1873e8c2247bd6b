// --max-parallel N: a stage fans out as a queue, at most N of the run's workers live at once (from their
// start and exit facts), all of them done, and the results keep their order.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, openGate, test, waitUntil } from '../helpers/tmux-server.js';
import { cliJson, workerRecord, workerText, writeWork } from './support.js';

// The most workers whose [startedAt, endedAt] intervals overlap at one moment (an end before a start at a tie).
function mostAtOnce(intervals: [number, number][]): number {
  const points = intervals.flatMap(([s, e]) => [[s, 1], [e, -1]] as [number, number][]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, d] of points) most = Math.max(most, (now += d));
  return most;
}

describe('--max-parallel', () => {
  test('a split of 12 sections with --max-parallel 3: at most 3 overlap, all 12 done, order kept in the merge', async ({ server }) => {
    const sections = Array.from({ length: 12 }, (_, i) => `Part ${i + 1}`);
    const doc = writeWork(server, 'big.md', ['# Big', '', ...sections.flatMap((s, i) => [`## ${s}`, '', `Body ${i + 1}.`, ''])].join('\n'));
    // Each worker takes a moment, so twelve started at once would overlap.
    const out = await cliJson(server, ['run', 'split', '--var', `doc=${doc}`, '--var', 'task=Read it [[sleep:400]]', '--max-parallel', '3', '--agent', fakeAgentProfile]);
    expect(out.ok).toBe(true);
    const parts = sections.map((_, i) => `part-s${i + 1}`);
    const intervals = parts.map((n): [number, number] => [Date.parse(workerRecord(out.dir, n).startedAt), Date.parse(workerRecord(out.dir, n).endedAt)]);
    expect(parts.map((n) => workerRecord(out.dir, n).state)).toEqual(parts.map(() => 'done'));
    expect(mostAtOnce(intervals)).toBeLessThanOrEqual(3);
    expect(mostAtOnce(intervals)).toBeGreaterThan(1);
    // The merge sees every part, in the document's order.
    const merge = workerText(out.dir, 'merge', 'prompt.md');
    const at = parts.map((n) => merge.indexOf(`### ${n}`));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  }, 120_000);

  test('concurrency.perRun in the user\'s config limits a run that gives no --max-parallel', async ({ server }) => {
    mkdirSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux'), { recursive: true });
    writeFileSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux', 'config.yaml'), 'concurrency: {perRun: 2}\n');
    const doc = writeWork(server, 'six.md', ['# Six', '', ...[1, 2, 3, 4, 5, 6].flatMap((i) => [`## S${i}`, '', `Body ${i}.`, ''])].join('\n'));
    const out = await cliJson(server, ['run', 'split', '--var', `doc=${doc}`, '--var', 'task=Read it [[sleep:300]]', '--agent', fakeAgentProfile]);
    expect(out.ok).toBe(true);
    const parts = [1, 2, 3, 4, 5, 6].map((i) => `part-s${i}`);
    expect(mostAtOnce(parts.map((n): [number, number] => [Date.parse(workerRecord(out.dir, n).startedAt), Date.parse(workerRecord(out.dir, n).endedAt)]))).toBeLessThanOrEqual(2);
  }, 120_000);

  test('concurrency.global 2 with another run\'s worker live: the split runs one part at a time until that worker ends, never more than 2 live in all', async ({ server }) => {
    mkdirSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux'), { recursive: true });
    writeFileSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux', 'config.yaml'), 'concurrency: {global: 2}\n');
    const other = JSON.parse(String((await server.cli(['new', '--json'])).stdout)) as { id: string; dir: string };
    expect((await server.cli(['spawn', other.id, 'g', '--agent', fakeAgentProfile, '--prompt', '[[gate:g]] [[reply:g]]'])).exitCode).toBe(0);
    const doc = writeWork(server, 'four.md', ['# Four', '', ...[1, 2, 3, 4].flatMap((i) => [`## S${i}`, '', `Body ${i}.`, ''])].join('\n'));
    const running = cliJson(server, ['run', 'split', '--var', `doc=${doc}`, '--var', 'task=Read it [[sleep:300]]', '--agent', fakeAgentProfile]);
    const runs = join(server.dir, 'runs');
    const split = await waitUntil(() => readdirSync(runs).find((d) => d !== basename(other.dir) && existsSync(join(runs, d, 'workers', 'part-s2', 'result.md'))), 'the split\'s second part done', 60_000);
    openGate(server, 'g');
    const out = await running;
    expect(out.ok).toBe(true);
    const parts = [1, 2, 3, 4].map((i) => `part-s${i}`);
    const span = (dir: string, n: string): [number, number] => [Date.parse(workerRecord(dir, n).startedAt), Date.parse(workerRecord(dir, n).endedAt)];
    expect(join(runs, split)).toBe(out.dir);
    expect(mostAtOnce([span(other.dir, 'g'), ...parts.map((n) => span(out.dir, n))])).toBeLessThanOrEqual(2);
    expect(parts.map((n) => workerRecord(out.dir, n).state)).toEqual(parts.map(() => 'done'));
  }, 120_000);

  test('--max-parallel must be a whole number from 1 to 64: one line, exit 2, no run', async ({ server }) => {
    const doc = writeWork(server, 'doc.md', '# Doc\n\ntext\n');
    const r = await server.cli(['review', doc, '--agent', fakeAgentProfile, '--max-parallel', '0']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('orch-tmux review: Expected --max-parallel to be a whole number from 1 to 64, got "0"');
    expect((await server.cli(['ls', '--json'])).stdout).toMatch(/"runs": \[\]/);
  });
});
