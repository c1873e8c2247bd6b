// docs/performance.md's figures are bench/results.json's, written by the benchmark, never by hand.
import { execa } from 'execa';
import { expect, test } from 'vitest';

test('the figures block of docs/performance.md matches bench/results.json', async () => {
  const r = await execa(process.execPath, ['scripts/perf-doc.mjs', '--check'], { reject: false });
  expect(r.exitCode, r.stderr).toBe(0);
});
