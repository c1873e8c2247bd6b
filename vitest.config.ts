import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import HeavyFirst from './test/helpers/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Tests mostly wait on tmux and agent processes, not on the CPU: vitest's default on 2 cores (one file
    // at a time) left half the machine idle. One file per core, at least two (every wait is on a condition,
    // not a clock): three at once on 2 cores made a VM whose process starts slow down under contention run
    // the three heaviest files 10x slower than alone, past their timeouts.
    maxWorkers: Math.min(4, Math.max(2, availableParallelism())),
    minWorkers: 1,
    sequence: { sequencer: HeavyFirst },
  },
});
