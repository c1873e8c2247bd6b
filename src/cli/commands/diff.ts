import { existsSync, readFileSync } from 'node:fs';
import { OrchError, UsageError } from '../../core/errors.js';
import { runPaths, workerPaths } from '../../core/paths.js';
import type { PatternInputs } from '../../pipeline/inputs.js';
import { patchFiles } from '../../pipeline/workspace.js';
import { readWriterWorktree } from '../../pipeline/writers.js';
import { findRun } from '../../store/run.js';
import { printJson, type Command } from '../command.js';
import { workerOf } from '../target.js';

// The patch a run (or one of its writers) left: the run's changes.patch, or with --worktrees=per-writer the
// writer's own; what has none says why in one line (exit 2), or that it is not written yet (exit 1).
function patchOf(runRef: string, name: string | undefined): { run: string; path: string } {
  const run = findRun(runRef);
  const inputs = run.inputs as Partial<PatternInputs> | undefined;
  if (!inputs?.worktrees) throw new UsageError(`Run ${run.id} has no worktree changes: it ran without --worktrees; look at your tree with git diff`, { code: 'no_worktrees' });
  if (inputs.dryRun) throw new UsageError(`Run ${run.id} was a rehearsal (--dry-run): no agent ran, so nothing changed`, { code: 'rehearsal' });
  if (name === undefined) {
    const path = runPaths(run.dir).changes;
    if (!existsSync(path)) throw new OrchError(`Run ${run.id} has no changes.patch yet (state ${run.state}): it is written when the run's drive ends`, { code: 'no_changes_yet' });
    return { run: run.id, path };
  }
  const worker = workerOf(run, name);
  if (inputs.worktrees !== 'per-writer') {
    throw new UsageError(`Run ${run.id} gave its writers one worktree (--worktrees), so worker ${name} has no change of its own: orch-tmux diff ${run.id} shows the run's`, { code: 'not_per_writer' });
  }
  if (!readWriterWorktree(run.dir, name)) {
    throw new UsageError(`Worker ${name} of run ${run.id} is not a writer (its stage does not write), so it has no change: orch-tmux diff ${run.id} shows the run's`, { code: 'not_a_writer' });
  }
  const path = workerPaths(run.dir, name).changes;
  if (!existsSync(path)) throw new OrchError(`Writer ${name} has no changes.patch yet (state ${worker.state}): it is written when its stage ends`, { code: 'no_changes_yet' });
  return { run: run.id, path };
}

/** `orch-tmux diff`: what a --worktrees run's writers changed, as a unified diff (the run's merged change, or one writer's). */
export const command: Command = {
  name: 'diff',
  summary: 'Show what a --worktrees run\'s writers changed (a unified diff), or what one writer changed',
  usage: 'diff <run> [<worker>] [--json]',
  details: [
    'Without a worker: the run\'s change, <run>/changes.patch (written when the run ends; with --worktrees=per-writer',
    'the writers\' changes merged). With a worker of a --worktrees=per-writer run: that writer\'s own change,',
    'workers/<worker>/changes.patch, against the tree it started from. A run without --worktrees, or a worker that',
    'does not write, has none (exit 2). --json: {run, worker, patch, files, text}.',
  ].join('\n'),
  options: {},
  positionals: [1, 2],
  async run(ctx, _values, [runRef, name]) {
    const { run, path } = patchOf(runRef!, name);
    const text = readFileSync(path, 'utf8');
    if (ctx.json) printJson(ctx, { run, ...(name === undefined ? {} : { worker: name }), patch: path, files: await patchFiles(path), text });
    else if (text) ctx.out(text);
    else ctx.err(`orch-tmux diff: ${name === undefined ? `the writers of run ${run}` : `writer ${name}`} changed nothing (${path} is empty)\n`);
    return 0;
  },
};
