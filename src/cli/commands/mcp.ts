import { resolve } from 'node:path';
import { whichProgram } from '../../agents/resolve.js';
import { UsageError } from '../../core/errors.js';
import { installMcp, MCP_SERVER_NAME } from '../../mcp/install.js';
import { SKILL_AGENTS } from '../../skill/locations.js';
import { printJson, str, type Command, type Context, type Values } from '../command.js';
import { agentChoice, scopeChoice } from '../install-options.js';

// Serves MCP on stdio. The state folder, runs folder and tmux socket come from the arguments written at install
// time, so the server works when its client passes none of the caller's environment (codex does not).
async function serve(ctx: Context, values: Values): Promise<number> {
  for (const k of ['agent', 'user', 'project']) if (values[k] !== undefined) throw new UsageError(`--${k} is for \`orch-tmux mcp install\``);
  const home = str(values, 'home');
  const runs = str(values, 'runs');
  const socket = str(values, 'socket');
  // The commands read these from the environment (the run index, the runs root, the tmux server).
  if (home) process.env.ORCH_TMUX_HOME = resolve(ctx.cwd, home);
  if (runs) process.env.ORCH_TMUX_RUNS = resolve(ctx.cwd, runs);
  if (socket) process.env.ORCH_TMUX_SOCKET = socket;
  if (process.stdin.isTTY) ctx.err('orch-tmux mcp: serving MCP on stdin and stdout for an agent (`orch-tmux mcp install` adds it to one); Ctrl-D ends it\n');
  const { serveStdio } = await import('../../mcp/server.js');
  await serveStdio({ env: process.env, cwd: ctx.cwd, log: ctx.err, runCommand: (argv, io) => ctx.runCommand(argv, io) });
  return 0;
}

async function install(ctx: Context, values: Values): Promise<number> {
  for (const k of ['home', 'runs']) if (values[k] !== undefined) throw new UsageError(`--${k} is for the server itself; install writes the state folder in use now (ORCH_TMUX_HOME)`);
  const agent = agentChoice(values);
  // All: the agents installed here. A named agent gets its config written even when it is not on PATH.
  const agents = agent === 'all' ? SKILL_AGENTS.filter((a) => whichProgram(a, ctx.env, ctx.cwd)) : [agent];
  if (agents.length === 0) throw new UsageError(`No agent CLI (${SKILL_AGENTS.join(', ')}) is on PATH: name one with --agent to write its config file anyway`, { code: 'no_agent' });
  const results = await installMcp(agents, { env: ctx.env, cwd: ctx.cwd, scope: scopeChoice(values) }, str(values, 'socket') ?? ctx.env.ORCH_TMUX_SOCKET);
  if (ctx.json) printJson(ctx, { server: MCP_SERVER_NAME, installed: results });
  else {
    for (const r of results) {
      ctx.out(`${r.agent} (${r.scope}): ${r.how === 'agent-command' ? `ran ${(r.via as string[]).slice(0, 5).map((a, i) => (i === 0 ? a.split('/').pop() : a)).join(' ')} ...` : `wrote ${r.via as string}`}\n`);
      for (const n of r.notes) ctx.err(`orch-tmux mcp: ${r.agent}: ${n}\n`);
    }
  }
  return 0;
}

/** `orch-tmux mcp`: the MCP server on stdio (one tool per command), or `mcp install` to add it to an agent. */
export const command: Command = {
  name: 'mcp',
  summary: 'Serve orch-tmux as MCP tools on stdio, or add that server to codex, claude or gemini (mcp install)',
  usage: 'mcp [--home DIR] [--runs DIR] [-L SOCKET]\n       orch-tmux mcp install [--agent codex|claude|gemini|all] [--user | --project] [--json]',
  details: [
    'The server offers one tool per command (review, run, new, spawn, status, wait, result, log, explain, send,',
    'approve, deny, kill, resume, plan, report); review and run start detached, wait is bounded (20 s, at most 50 s).',
    'Answers are compact JSON; failures are tool errors carrying {code, message}. Inside a worker (ORCH_TMUX_WORKER,',
    'or an orch-tmux runner among its ancestor processes) review, run, new and spawn are refused (nested_spawn).',
    'install runs the agent\'s own `mcp add` when it is on PATH (codex mcp add, claude mcp add --scope, gemini mcp add',
    '--scope), else writes its config the same way; --agent all (the default) means every agent on PATH. The entry',
    'carries --home (and -L, --runs when set) so the server needs none of the caller\'s environment.',
  ].join('\n'),
  options: { home: { type: 'string' }, runs: { type: 'string' }, agent: { type: 'string' }, user: { type: 'boolean' }, project: { type: 'boolean' } },
  positionals: [0, 1],
  async run(ctx, values, [verb]) {
    if (verb === undefined) return serve(ctx, values);
    if (verb === 'install') return install(ctx, values);
    throw new UsageError(`Unknown mcp action ${JSON.stringify(verb)}: use \`orch-tmux mcp\` to serve, or \`orch-tmux mcp install\``);
  },
};
