import { createRun } from '../../store/run.js';
import { runsRoot } from '../../core/paths.js';
import { printJson, str, type Command } from '../command.js';

/** `orch-tmux new`: a run with its session and directory; prints the id. */
export const command: Command = {
  name: 'new',
  summary: 'Create a run: a tmux session and a run directory',
  usage: 'new [--name TEXT] [--cwd DIR] [--session NAME] [--run-dir DIR] [--json]',
  details: 'Prints the run id. The session is orch-<id> unless --session names it; the run directory is under the state folder ($ORCH_TMUX_HOME/runs, or --run-dir / ORCH_TMUX_RUNS). The policy in force is frozen into the run (`orch-tmux policy <run>`).',
  options: { name: { type: 'string' }, cwd: { type: 'string' }, session: { type: 'string' }, 'run-dir': { type: 'string' } },
  positionals: [0, 0],
  async run(ctx, values) {
    const run = await createRun({
      name: str(values, 'name'),
      cwd: str(values, 'cwd') ?? ctx.cwd,
      session: str(values, 'session'),
      runsRoot: runsRoot(str(values, 'run-dir'), ctx.env),
      server: ctx.server,
      env: ctx.env,
      warn: (line) => ctx.err(`${line}\n`),
    });
    if (ctx.json) printJson(ctx, { id: run.id, session: run.session, dir: run.dir, socketPath: run.socketPath });
    else ctx.out(`${run.id}\n`);
    return 0;
  },
};
