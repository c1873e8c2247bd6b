import { describeEnd, runProgram } from '../../os/run-program.js';
import { statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { whichProgram } from '../../agents/resolve.js';
import { cliScript } from '../../os/package.js';
import { stateHome } from '../../core/paths.js';
import { serverArgs } from '../../tmux/run.js';
import { quoteForShell, quoteWord } from '../../core/shell-quote.js';
import { printJson, str, type Command, type Context } from '../command.js';
import { CRONTAB_TIMEOUT_MS } from '../../core/timing.js';

const MARK = '# orch-tmux monitor';


/** The command cron runs: absolute node and CLI, the PATH, socket and state dir in use now (every path
 * absolute, so it does not depend on a directory), output to a log; `--quiet` logs only the actions. */
export function cronCommand(ctx: Context): string {
  const home = stateHome(ctx.env);
  const env = [`PATH=${cleanPath(ctx.env.PATH)}`, `ORCH_TMUX_HOME=${home}`];
  for (const k of ['ORCH_TMUX_RUNS', 'XDG_CONFIG_HOME', 'TMUX_TMPDIR']) if (ctx.env[k]) env.push(`${k}=${resolve(ctx.cwd, ctx.env[k]!)}`);
  // The locale too: cron has none, and a tmux client without UTF-8 in LC_ALL/LC_CTYPE/LANG turns control and
  // non-ASCII bytes of its output into `_` (tmux 3.3a), which breaks -F parsing and screen patterns.
  for (const k of ['LC_ALL', 'LC_CTYPE', 'LANG']) if (ctx.env[k]) env.push(`${k}=${ctx.env[k]}`);
  const argv = ['env', ...env, process.execPath, cliScript, 'monitor', '--once', '--quiet', ...serverArgs(ctx.server).map((a) => (a === '-L' || a === '-S' ? '--socket' : a))];
  const line = `${quoteForShell(argv)} >> ${quoteWord(join(home, 'monitor.log'))} 2>&1`;
  // A newline would end the crontab entry and start another: no line breaks anywhere in it.
  if (/[\x00\n\r]/.test(line)) throw new UsageError('The cron line would contain a line break (from the working directory, PATH or a state path): run from a directory without one');
  return line;
}

/** PATH for cron: the caller's folders in order, each once, only absolute ones that exist. */
export function cleanPath(path: string | undefined): string {
  const seen = new Set<string>();
  for (const dir of (path ?? '').split(':')) {
    if (!isAbsolute(dir) || seen.has(dir)) continue;
    try {
      if (statSync(dir).isDirectory()) seen.add(dir);
    } catch {
      /* a folder that is not there */
    }
  }
  return seen.size ? [...seen].join(':') : '/usr/bin:/bin';
}

async function readCrontab(): Promise<string> {
  const r = await runProgram('crontab', ['-l'], { timeoutMs: CRONTAB_TIMEOUT_MS });
  if (r.exitCode === 0) return r.stdout;
  if (/no crontab/i.test(r.stderr)) return '';
  throw new UsageError(`crontab -l failed: ${r.stderr.trim() || describeEnd('crontab', r)}`);
}

/** `orch-tmux cron`: print, install (once) or remove the crontab line for `monitor --once`. */
export const command: Command = {
  name: 'cron',
  summary: 'Print, install or remove the crontab line that runs the monitor',
  usage: 'cron (print [--command] | install | remove) [--schedule "* * * * *"] [--json]',
  details: 'The line works under cron\'s bare environment and from any directory: absolute node and orch-tmux paths, your\nPATH (each folder once, missing ones left out), socket and state folder; `monitor --once --quiet` appends the\nactions it takes to <state>/monitor.log. install is idempotent; remove takes it out.',
  options: { schedule: { type: 'string' }, command: { type: 'boolean' } },
  positionals: [1, 1],
  async run(ctx, values, [verb]) {
    const schedule = str(values, 'schedule') ?? '* * * * *';
    if (!/^(\S+\s+){4}\S+$/.test(schedule.trim())) throw new UsageError(`Expected a five-field cron schedule like "*/2 * * * *", got ${JSON.stringify(schedule)}`);
    const command = cronCommand(ctx);
    // cron turns an unescaped % in the command into a newline (crontab(5)), even inside quotes.
    const line = `${schedule.trim()} ${command.replace(/%/g, '\\%')} ${MARK}`;
    if (verb === 'print') {
      if (ctx.json) printJson(ctx, { line, command });
      else ctx.out(`${values.command ? command : line}\n`);
      return 0;
    }
    if (verb !== 'install' && verb !== 'remove') throw new UsageError(`Unknown cron action ${JSON.stringify(verb)}: use print, install or remove`);
    if (!whichProgram('crontab', ctx.env)) throw new UsageError('crontab is not installed: install cron (Debian/Ubuntu: apt-get install cron), or run `orch-tmux monitor --watch`');
    const current = await readCrontab();
    const kept = current.split('\n').filter((l) => l.trim() !== '' && !l.includes(MARK));
    const next = verb === 'install' ? [...kept, line] : kept;
    const written = await runProgram('crontab', ['-'], { input: next.length ? `${next.join('\n')}\n` : '', timeoutMs: CRONTAB_TIMEOUT_MS });
    if (written.exitCode !== 0) throw new Error(`crontab - failed: ${written.stderr.trim() || describeEnd('crontab', written)}`);
    if (ctx.json) printJson(ctx, { action: verb, line });
    else ctx.out(verb === 'install' ? `installed: ${line}\n` : 'removed the orch-tmux monitor line\n');
    return 0;
  },
};
