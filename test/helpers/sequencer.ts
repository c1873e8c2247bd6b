// The order files start in, the same on every machine: the slowest first (seconds measured on the 2-core
// machine, `vitest --reporter=json`), so the lanes end together instead of one long file starting last.
// Vitest's own order depends on a local cache a fresh clone does not have.
import { relative, resolve } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const root = resolve(import.meta.dirname, '..', '..');

/** Measured seconds per file (whole file, two files at a time); files not listed count 0 and keep vitest's order. */
const SECONDS: Record<string, number> = {
  'test/reliability/injection.test.ts': 171,
  'test/workers/wakeups.test.ts': 134,
  'test/hosts/hosts.test.ts': 98,
  'test/review/bad-input.test.ts': 63,
  'test/monitor/death.test.ts': 60,
  'test/reliability/concurrency.test.ts': 59,
  'test/reliability/faults.test.ts': 48,
  'test/workers/structured.test.ts': 45,
  'test/workers/truth.test.ts': 44,
  'test/patterns/agent-vars.test.ts': 34,
  'test/tmux/bytes.test.ts': 33,
  'test/commands/refusals.test.ts': 28,
  'test/monitor/trust.test.ts': 27,
  'test/monitor/hooks.test.ts': 26,
  'test/review/review.test.ts': 25,
  'test/packaging/pack.test.ts': 25,
  'test/packaging/cli.test.ts': 24,
  'test/patterns/builtin.test.ts': 24,
  'test/reliability/secrets.test.ts': 23,
  'test/cron/cron.test.ts': 21,
};

/**
 * Files that wait on hundreds of short tmux round trips one after another (100 sends, monitor passes over a
 * prompt): they use little CPU but take 3-8x longer beside a CPU-heavy file (send: ~25 s alone, 183 s beside
 * the injection suite on 2 cores). They start last, beside each other and the short files.
 */
const LAST = ['test/monitor/approvals.test.ts', 'test/commands/send.test.ts'];

/** Slowest first by the table above, then a stable order for the rest, the round-trip-bound files last. */
export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const name = (f: TestSpecification) => relative(root, f.moduleId);
    const rank = (f: TestSpecification) => (LAST.includes(name(f)) ? -1 - LAST.indexOf(name(f)) : (SECONDS[name(f)] ?? 0));
    const rest = await super.sort(files);
    return [...rest].sort((a, b) => rank(b) - rank(a));
  }
}
