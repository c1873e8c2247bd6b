import { runProgram } from '../../os/run-program.js';
import { findRun, tmuxForRun } from '../../store/run.js';
import { findHost, LOCAL, loadHosts } from '../../sites/hosts.js';
import { sshArgs } from '../../sites/ssh.js';
import { quoteForShell } from '../../core/shell-quote.js';

import { printJson, str, type Command } from '../command.js';
import { listWorkerNames, readWorker } from '../../store/records.js';

/** `orch-tmux attach`: attach to the run's session, or print the command when not on a terminal. */
export const command: Command = {
  name: 'attach',
  summary: 'Attach to a run\'s tmux session (or print the command)',
  usage: 'attach <run> [--host NAME] [--print]',
  details: '--host NAME: the run\'s session on that host (its remote workers\' windows), through `ssh -t`.',
  options: { print: { type: 'boolean' }, host: { type: 'string' } },
  positionals: [1, 1],
  async run(ctx, values, [ref]) {
    const run = findRun(ref!);
    const tmux = tmuxForRun(run, ctx.server);
    const inside = Boolean(ctx.env.TMUX);
    const hostName = str(values, 'host');
    // A host's session: as frozen into its workers, else as hosts.yaml says now.
    const host = hostName === undefined || hostName === LOCAL ? undefined
      : listWorkerNames(run.dir).map((n) => readWorker(run.dir, n)?.host).find((h) => h?.name === hostName) ?? findHost(hostName, loadHosts(ctx.env, ctx.cwd));
    const [program, ...argv] = host
      ? ['ssh', ...sshArgs(host, ['tmux', 'attach-session', '-t', `=${run.session}`], undefined, true)]
      : ['tmux', ...tmux.serverArgs, inside ? 'switch-client' : 'attach-session', '-t', `=${run.session}`];
    if (ctx.json || values.print || !ctx.isTTY || !process.stdin.isTTY) {
      if (ctx.json) printJson(ctx, { run: run.id, session: run.session, command: [program, ...argv] });
      else ctx.out(`${program} ${quoteForShell(argv)}\n`);
      return 0;
    }
    const result = await runProgram(program!, argv, { inherit: true });
    return result.exitCode ?? 1;
  },
};
