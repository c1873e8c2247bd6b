import { UsageError } from '../errors.js';
import { findRun, tmuxForRun } from '../runs/run.js';
import { listWorkerNames } from '../workers/record.js';
import { waitForWorkers } from '../workers/wait.js';
import { printJson, type Command } from './command.js';
import { numberOption } from './options.js';
import { workerTable } from './status.js';

/** `orch-tmux wait`: bounded wait for workers; exit 0 all succeeded, 1 some failed, 124 timed out. */
export const command: Command = {
  name: 'wait',
  summary: 'Wait until workers finish (bounded with --timeout)',
  usage: 'wait <run> [<worker>...] [--any] [--timeout SEC] [--json]',
  details: 'Exit 0 when all succeeded, 1 when some failed, were killed or lost, 124 when --timeout ran out.\nA worker that finished before wait started is seen at once. wait returns once each finish is recorded\n(worker.json and result.md written by the settle step), or nobody is left to record it.',
  options: { any: { type: 'boolean' }, timeout: { type: 'string' } },
  positionals: [1, Infinity],
  async run(ctx, values, [ref, ...names]) {
    const run = findRun(ref!);
    const known = listWorkerNames(run.dir);
    const unknown = names.filter((n) => !known.includes(n));
    if (unknown.length) throw new UsageError(`Unknown worker ${JSON.stringify(unknown[0])} in run ${run.id}: it has ${known.join(', ') || 'no workers'}`);
    const timeout = values.timeout === undefined ? undefined : numberOption(values, 'timeout', 0, 0, 7 * 24 * 3600);
    const outcome = await waitForWorkers(run, tmuxForRun(run, ctx.server), names, { any: values.any === true, recorded: true, timeoutMs: timeout === undefined ? undefined : timeout * 1000 });
    const failed = outcome.workers.filter((w) => w.state === 'failed' || w.state === 'killed' || w.state === 'lost');
    const code = outcome.timedOut ? 124 : failed.length ? 1 : 0;
    if (ctx.json) printJson(ctx, { run: run.id, finished: outcome.finished, timedOut: outcome.timedOut, exitCode: code, missedWakeups: outcome.missedWakeups, workers: outcome.workers });
    else {
      ctx.out(workerTable(outcome.workers));
      if (outcome.timedOut) ctx.err(`orch-tmux wait: timed out after ${timeout} s\n`);
    }
    return code;
  },
};
