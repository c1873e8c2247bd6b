import { defineConfig } from 'vitest/config';

// The end-to-end tier: the real Codex CLI, Claude Code and Gemini CLI (pinned) against loopback stubs of their APIs.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts', 'test/e2e/global-codex.ts', 'test/e2e/global-agents.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
