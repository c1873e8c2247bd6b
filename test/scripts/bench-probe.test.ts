// The benchmark's memory probe: a program that starts children of its own (a shell's background `sleep`)
// leaves none behind, and the probe returns, so `npm run bench -- --quick` can exit after its table.
import { readdirSync, readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { waitUntil } from '../helpers/tmux-server.js';
import { probeRss } from '../../scripts/bench/lib.mjs';

// Processes whose argv is exactly `sleep <seconds>`.
function sleepers(seconds: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.length === 2 && argv[0]!.endsWith('sleep') && argv[1] === seconds) out.push(Number(pid));
    } catch {
      /* ended while we looked */
    }
  }
  return out;
}

test('the memory probe kills what the probed program started, and returns its RSS', async () => {
  const seconds = String(1000 + Math.floor(Math.random() * 1e6));
  const mb = await probeRss(['sh', '-c', `sleep ${seconds} & echo ready; wait`], { cwd: '/' });
  expect(mb).toBeGreaterThan(0);
  // A killed process is gone once its parent (the probe's shell, killed too: init) reaps it.
  await waitUntil(() => sleepers(seconds).length === 0, "the probed shell's sleep to be gone", 5_000);
});
