import { findRun, tmuxForRun } from '../../store/run.js';
import { checkWorkerName } from '../../core/names.js';
import { resumeWorker } from '../../supervise/restart.js';
import { printJson, type Command } from '../command.js';

/** `orch-tmux resume`: what the monitor does for a dead worker, by hand. */
export const command: Command = {
  name: 'resume',
  summary: 'Resume a dead worker with its agent\'s session id',
  usage: 'resume <run> <worker> [--json]',
  details: 'Starts the profile\'s resume command (e.g. `codex exec resume <id>`) in the worker\'s window and reports\nwhat it resumed from. The worker must have ended (failed, lost or killed) and have a recorded session id.',
  options: {},
  positionals: [2, 2],
  async run(ctx, _values, [ref, name]) {
    const run = findRun(ref!);
    const report = await resumeWorker(run, tmuxForRun(run, ctx.server), checkWorkerName(name!), ctx.env);
    if (ctx.json) printJson(ctx, { run: run.id, ...report });
    else ctx.out(`resumed ${report.worker} from session ${report.sessionId} (attempt ${report.attempt}; it was ${report.previousState}${report.previousExitCode === null ? '' : ` with exit ${report.previousExitCode}`})\n`);
    return 0;
  },
};
