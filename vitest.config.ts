import { defineConfig } from 'vitest/config';
import SlowestFirst from './test/helpers/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Tests mostly wait on tmux and agent processes, not on the CPU: vitest's default on 2 cores (one file
    // at a time) left half the machine idle. Three files at once; every wait is on a condition, not a clock.
    maxWorkers: 3,
    minWorkers: 1,
    sequence: { sequencer: SlowestFirst },
  },
});
