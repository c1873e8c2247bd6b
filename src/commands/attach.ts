import { runProgram } from '../run-program.js';
import { findRun, tmuxForRun } from '../runs/run.js';
import { printJson, type Command } from './command.js';

/** `orch-tmux attach`: attach to the run's session, or print the command when not on a terminal. */
export const command: Command = {
  name: 'attach',
  summary: 'Attach to a run\'s tmux session (or print the command)',
  usage: 'attach <run> [--print]',
  options: { print: { type: 'boolean' } },
  positionals: [1, 1],
  async run(ctx, values, [ref]) {
    const run = findRun(ref!);
    const tmux = tmuxForRun(run, ctx.server);
    const inside = Boolean(ctx.env.TMUX);
    const argv = [...tmux.serverArgs, inside ? 'switch-client' : 'attach-session', '-t', `=${run.session}`];
    if (ctx.json || values.print || !ctx.isTTY || !process.stdin.isTTY) {
      if (ctx.json) printJson(ctx, { run: run.id, session: run.session, command: ['tmux', ...argv] });
      else ctx.out(`tmux ${argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ')}\n`);
      return 0;
    }
    const result = await runProgram('tmux', argv, { inherit: true });
    return result.exitCode ?? 1;
  },
};
