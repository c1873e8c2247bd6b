// argv -> command: the CLI's commands, help and error reporting (the executable is cli.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { OrchError, UsageError } from '../core/errors.js';
import { packageRoot } from '../os/package.js';
import { serverFromSocket } from '../tmux/run.js';
import { setCrashRole } from '../os/crash-point.js';
import type { Command, Context } from './command.js';
import { GLOBAL_OPTIONS, withOptionalValues } from './options.js';
import { checkOptions, nearest } from './unknown-option.js';

/** Every command, its one-line summary, and its module (loaded only when used, to start fast). */
const COMMANDS: Record<string, [string, () => Promise<{ command: Command }>]> = {
  review: ['Fan out 2-4 reviewers with different lenses over a document and merge them', () => import('./commands/review.js')],
  run: ['Run a pattern (YAML pipeline): review, review-fix, scout-act-verify, split, research, options', () => import('./commands/run.js')],
  new: ['Create a run: a tmux session and a run directory', () => import('./commands/new.js')],
  spawn: ['Start a worker (one agent in one window) in a run', () => import('./commands/spawn.js')],
  status: ['Show every worker\'s state, exit code, times and result path', () => import('./commands/status.js')],
  wait: ['Wait until workers finish (bounded with --timeout)', () => import('./commands/wait.js')],
  result: ['Print a worker\'s last message', () => import('./commands/result.js')],
  log: ['Print a worker\'s screen or transcript', () => import('./commands/log.js')],
  diff: ['Show what a --worktrees run\'s writers changed (a unified diff), or what one writer changed', () => import('./commands/diff.js')],
  explain: ['Show the evidence behind a worker\'s state: its newest hook line, or the screen lines and pattern', () => import('./commands/explain.js')],
  send: ['Type a message into an interactive worker and submit it exactly once', () => import('./commands/send.js')],
  keys: ['Press keys in a worker\'s window (y, Enter, Escape, C-c)', () => import('./commands/keys.js')],
  approve: ['Approve the request a worker waits at (its profile\'s keys), unless the run\'s policy denies it', () => import('./commands/approve.js')],
  deny: ['Deny the request a worker waits at (its profile\'s keys)', () => import('./commands/deny.js')],
  kill: ['Stop a worker or a whole run (interrupt, then kill after a grace period)', () => import('./commands/kill.js')],
  resume: ['Resume a dead worker with its agent\'s session id', () => import('./commands/resume.js')],
  plan: ['Set and advance a run\'s plan (steps shown in status and the tmux status line)', () => import('./commands/plan.js')],
  monitor: ['Classify every live worker, act by policy, record and notify (--once for cron)', () => import('./commands/monitor.js')],
  policy: ['Show the policy frozen into a run (and where each key came from), or freeze a new one from a file', () => import('./commands/policy.js')],
  trust: ['Trust a project\'s .orch/config.yaml (or .orch/hosts.yaml) as it is now (a changed file is untrusted again)', () => import('./commands/trust.js')],
  cron: ['Print, install or remove the crontab line that runs the monitor', () => import('./commands/cron.js')],
  ls: ['List runs, newest first', () => import('./commands/ls.js')],
  prune: ['Close the tmux sessions of ended runs (and with --files remove their folders)', () => import('./commands/prune.js')],
  report: ['Write a run\'s report: a self-contained HTML page with a timeline, or Markdown (--md)', () => import('./commands/report.js')],
  attach: ['Attach to a run\'s tmux session (or print the command)', () => import('./commands/attach.js')],
  templates: ['List or show prompt templates', () => import('./commands/templates.js')],
  hosts: ['List the hosts workers may run on (hosts.yaml), with reachability, tmux and agent CLIs found', () => import('./commands/hosts.js')],
  doctor: ['Check tmux, agent CLIs, state folders and cron', () => import('./commands/doctor.js')],
  skill: ['Install the orch-tmux Agent Skill for codex, claude or gemini (or print it)', () => import('./commands/skill.js')],
  mcp: ['Serve orch-tmux as MCP tools on stdio, or add that server to codex, claude or gemini (mcp install)', () => import('./commands/mcp.js')],
};

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, [summary]]) => `  ${name.padEnd(width)}  ${summary}`);
  return [
    'orch-tmux: run a crew of AI coding agents as parallel workers in tmux',
    '',
    'Usage: orch-tmux <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options for every command:',
    '  -L, --socket NAME|PATH  tmux server to use (default: ORCH_TMUX_SOCKET, else the run\'s own, else tmux\'s default)',
    '      --json              answer in JSON on stdout',
    '  -h, --help              help for a command: orch-tmux <command> --help',
    '      --version           print the version',
    '',
    'Exit codes: 0 ok, 1 a worker or check failed, 2 bad usage or input, 124 timed out, 70 a bug of ours.',
    'Under --json a failure is also one line on stdout: {"error": {"code", "message", "exit"}}.',
    '',
  ].join('\n');
}

// The command a mistyped name was probably meant to be.
function closestCommand(typed: string): string | undefined {
  return nearest(typed, Object.keys(COMMANDS));
}

function commandHelp(c: Command): string {
  return [`${c.summary}`, '', `Usage: orch-tmux ${c.usage}`, ...(c.details ? ['', c.details.trimEnd()] : []), '', 'Also: -L/--socket, --json, -h/--help', ''].join('\n');
}

/** Runs the CLI with argv (without node and script); returns the exit code. */
export async function main(argv: string[], ctx?: Partial<Context>): Promise<number> {
  const c: Context = {
    server: {},
    json: false,
    env: process.env,
    cwd: process.cwd(),
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stdout.isTTY),
    runCommand: main,
    ...ctx,
  };
  const [name, ...rest] = globalOptionsLast(argv);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    c.out(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    c.out(`${version()}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const near = closestCommand(name);
    const message = `unknown command ${JSON.stringify(name)}: ${near ? `did you mean ${near}? ` : ''}see \`orch-tmux --help\``;
    c.err(`orch-tmux: ${message}\n`);
    if (rest.includes('--json')) c.out(`${JSON.stringify({ error: { code: 'unknown_command', message, exit: 2 } })}\n`);
    return 2;
  }
  const { command } = await entry[1]();
  setCrashRole(name);
  // Known before parsing, so a bad option is reported in JSON too.
  c.json = rest.includes('--json');
  try {
    const args = withOptionalValues(rest, command.optionalValues);
    checkOptions(args, { ...GLOBAL_OPTIONS, ...command.options }, command.name);
    const parsed = parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
    const values = parsed.values as Record<string, string | boolean | undefined>;
    if (values.help) {
      c.out(commandHelp(command));
      if (command.helpFor && parsed.positionals.length) c.out(`\n${command.helpFor(c, parsed.positionals)}`);
      return 0;
    }
    const [min, max] = command.positionals;
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new UsageError(`Wrong number of arguments for \`orch-tmux ${command.name}\`: usage: orch-tmux ${command.usage}`);
    }
    c.json = values.json === true;
    c.server = serverFromSocket((values.socket as string | undefined) ?? c.env.ORCH_TMUX_SOCKET);
    return await command.run(c, values, parsed.positionals);
  } catch (error) {
    return report(c, command.name, error);
  }
}

// `orch-tmux -L srv status RUN` as tmux users type it: options every command takes may come before the command.
function globalOptionsLast(argv: string[]): string[] {
  const lead: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === '-L' || a === '--socket') && i + 1 < argv.length) lead.push(a, argv[++i]!);
    else if (/^-L./.test(a) || a.startsWith('--socket=') || a === '--json') lead.push(a);
    else break;
  }
  return i === argv.length ? [...argv] : [argv[i]!, ...lead, ...argv.slice(i + 1)];
}

function report(c: Context, name: string, error: unknown): number {
  const { code, message, exit } = describeError(name, error);
  c.err(`orch-tmux ${name}: ${message}\n`);
  // Under --json a program reads the failure on stdout too, in one shape for every command.
  if (c.json) c.out(`${JSON.stringify({ error: { code, message, exit } })}\n`);
  return exit;
}

/** The code, one-line message and exit status of any error a command threw. */
function describeError(name: string, error: unknown): { code: string; message: string; exit: number } {
  if (error instanceof OrchError) return { code: error.code, message: error.message.split('\n')[0]!, exit: error.exitCode };
  const code = (error as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    // node's messages can run to three sentences; the first names the problem.
    const msg = String((error as Error).message).split('\n')[0]!.replace(/\.$/, '');
    return { code: 'bad_option', message: `${msg}: see \`orch-tmux ${name} --help\``, exit: 2 };
  }
  return { code: 'internal', message: `internal error: ${String((error as Error)?.stack ?? error).split('\n').join(' | ')}`, exit: 70 };
}
