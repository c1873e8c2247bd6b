// --max-parallel N: a stage fans out as a queue, at most N of the run's workers live at once (from their
// start and exit facts), all of them done, and the results keep their order.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, test } from '../helpers/tmux-server.js';
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

  test('--max-parallel must be a whole number from 1 to 64: one line, exit 2, no run', async ({ server }) => {
    const doc = writeWork(server, 'doc.md', '# Doc\n\ntext\n');
    const r = await server.cli(['review', doc, '--agent', fakeAgentProfile, '--max-parallel', '0']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('orch-tmux review: Expected --max-parallel to be a whole number from 1 to 64, got "0"');
    expect((await server.cli(['ls', '--json'])).stdout).toMatch(/"runs": \[\]/);
  });
});
