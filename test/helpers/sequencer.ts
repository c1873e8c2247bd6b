// The order files start in, the same on every machine: the heaviest first, so the files running side by side
// end together instead of one long file starting last. (Vitest's own order depends on a local cache a fresh
// clone does not have.) Files not listed keep vitest's order after them.
import { relative, resolve } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const root = resolve(import.meta.dirname, '..', '..');

/** The files that take longest (hundreds of tmux round trips, many Node starts), heaviest first. */
const HEAVY_FIRST = [
  'test/reliability/injection.test.ts',
  'test/cli/send.test.ts',
  'test/supervise/wakeups.test.ts',
  'test/supervise/approvals.test.ts',
  'test/pipeline/bad-input.test.ts',
  'test/reliability/concurrency.test.ts',
  'test/supervise/death.test.ts',
  'test/reliability/faults.test.ts',
  'test/supervise/truth.test.ts',
  'test/sites/hosts.test.ts',
  'test/cli/refusals.test.ts',
  'test/supervise/silence.test.ts',
  'test/packaging/pack.test.ts',
  'test/cli/json.test.ts',
  'test/packaging/cli.test.ts',
  'test/pipeline/review.test.ts',
  'test/reliability/bad-input.test.ts',
  'test/reliability/secrets.test.ts',
  'test/cli/cron.test.ts',
  'test/pipeline/builtin.test.ts',
  'test/tmux/bytes.test.ts',
];

/** Heaviest first by the list above; a stable order for the rest. */
export default class HeavyFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = HEAVY_FIRST.indexOf(relative(root, f.moduleId));
      return i < 0 ? HEAVY_FIRST.length : i;
    };
    const rest = await super.sort(files);
    return [...rest].sort((a, b) => rank(a) - rank(b));
  }
}
