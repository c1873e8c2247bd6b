// The order files start in, the same on every machine: the slowest first (seconds measured on the 2-core
// machine, `vitest --reporter=json`), so three files at a time end together instead of one long file
// starting last. Vitest's own order depends on a local cache a fresh clone does not have.
import { relative, resolve } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const root = resolve(import.meta.dirname, '..', '..');

/** Measured seconds per file (whole file, three files at a time); files not listed count 0 and keep vitest's order. */
const SECONDS: Record<string, number> = {
  'test/reliability/injection.test.ts': 146,
  'test/commands/send.test.ts': 110,
  'test/workers/wakeups.test.ts': 109,
  'test/monitor/approvals.test.ts': 108,
  'test/review/bad-input.test.ts': 97,
  'test/reliability/concurrency.test.ts': 96,
  'test/monitor/death.test.ts': 95,
  'test/reliability/faults.test.ts': 89,
  'test/hosts/hosts.test.ts': 46,
  'test/workers/truth.test.ts': 68,
  'test/commands/refusals.test.ts': 43,
  'test/monitor/silence.test.ts': 39,
  'test/packaging/pack.test.ts': 35,
  'test/commands/json.test.ts': 32,
  'test/packaging/cli.test.ts': 31,
  'test/review/review.test.ts': 29,
  'test/reliability/bad-input.test.ts': 27,
  'test/reliability/secrets.test.ts': 26,
  'test/cron/cron.test.ts': 22,
  'test/patterns/builtin.test.ts': 21,
  'test/tmux/bytes.test.ts': 19,
};

/** Slowest first by the table above; a stable order for the rest. */
export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const seconds = (f: TestSpecification) => SECONDS[relative(root, f.moduleId)] ?? 0;
    const rest = await super.sort(files);
    return [...rest].sort((a, b) => seconds(b) - seconds(a));
  }
}
