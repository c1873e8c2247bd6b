import { FolderWatch } from '../../os/watch.js';
import { UsageError } from '../../core/errors.js';
import { runPaths } from '../../core/paths.js';
import { findRun, readRun, tmuxForRun } from '../../store/run.js';

import { waitForWorkers, type WaitOutcome } from '../../supervise/wait.js';
import { printJson, type Command } from '../command.js';
import { numberOption } from '../options.js';
import { workerTable } from './status.js';
import { listWorkerNames } from '../../store/records.js';
import { outcomeOf, type RunRecord } from '../../core/run.js';
import { RUN_CHANGE_FALLBACK_MS } from '../../core/timing.js';


// A pattern run's driver may still start workers (a later stage, the synthesis; none at all right after --detach).
function driven(run: RunRecord): boolean {
  return run.state === 'active' && typeof run.inputs?.patternFile === 'string';
}


/** `orch-tmux wait`: bounded wait for workers; exit 0 all succeeded, 1 some failed, 124 timed out. */
export const command: Command = {
  name: 'wait',
  summary: 'Wait until workers finish (bounded with --timeout)',
  usage: 'wait <run> [<worker>...] [--any] [--timeout SEC] [--json]',
  details: [
    'Exit 0 when all succeeded, 1 when some failed, were killed or lost (or the run\'s outcome is failed), 124',
    'when --timeout ran out. A worker that finished before wait started is seen at once. wait returns once each',
    'finish is recorded (worker.json and result.md written by the settle step), or nobody is left to record it.',
    'Without <worker> on a pattern run (review, run), wait follows the run until its driver ends it: later',
    'stages and the synthesis included. --json: {run, state, outcome, reason, finished, timedOut, exitCode, workers}.',
  ].join('\n'),
  options: { any: { type: 'boolean' }, timeout: { type: 'string' } },
  positionals: [1, Infinity],
  async run(ctx, values, [ref, ...names]) {
    let run = findRun(ref!);
    const known = listWorkerNames(run.dir);
    const unknown = names.filter((n) => !known.includes(n));
    if (unknown.length) throw new UsageError(`Unknown worker ${JSON.stringify(unknown[0])} in run ${run.id}: it has ${known.join(', ') || 'no workers'}`);
    const timeout = values.timeout === undefined ? undefined : numberOption(values, 'timeout', 0, 0, 7 * 24 * 3600);
    const deadline = timeout === undefined ? Infinity : Date.now() + timeout * 1000;
    const tmux = tmuxForRun(run, ctx.server);
    const follow = names.length === 0 && values.any !== true;
    let outcome: WaitOutcome;
    for (;;) {
      const left = deadline - Date.now();
      outcome = await waitForWorkers(run, tmux, names, { any: values.any === true, recorded: true, timeoutMs: left === Infinity ? undefined : Math.max(0, left) });
      run = readRun(run.dir);
      if (!follow || outcome.timedOut || !driven(run)) break;
      if (Date.now() >= deadline) {
        outcome = { ...outcome, finished: false, timedOut: true };
        break;
      }
      // The run's folder (run.json) and its workers/ (a new stage's workers) tell when to look again.
      const change = new FolderWatch([run.dir, runPaths(run.dir).workers]);
      try {
        await change.changed(Math.min(RUN_CHANGE_FALLBACK_MS, deadline - Date.now()));
      } finally {
        change.close();
      }
    }
    const ended = outcomeOf(run);
    const failed = outcome.workers.filter((w) => w.state === 'failed' || w.state === 'killed' || w.state === 'lost');
    const code = outcome.timedOut ? 124 : failed.length || (follow && ended !== undefined && ended.outcome !== 'ok') ? 1 : 0;
    if (ctx.json) {
      printJson(ctx, {
        run: run.id, state: run.state, outcome: ended?.outcome ?? null, reason: ended?.reason ?? null,
        finished: outcome.finished, timedOut: outcome.timedOut, exitCode: code, missedWakeups: outcome.missedWakeups, workers: outcome.workers,
      });
    } else {
      ctx.out(workerTable(outcome.workers));
      if (outcome.timedOut) ctx.err(`orch-tmux wait: timed out after ${timeout} s\n`);
    }
    return code;
  },
};
