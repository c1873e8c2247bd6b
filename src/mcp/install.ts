// Adds orch-tmux's MCP server to an agent's config the way the agent's own `mcp add` does: by running that
// command when the agent is on PATH (codex mcp add, claude mcp add --scope, gemini mcp add --scope), else by
// writing the same entry into the same file. The entry names the state folder (and the tmux socket, when one
// was chosen), because an agent may start the server without the caller's environment (codex passes none).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { whichProgram } from '../agents/resolve.js';
import { OrchError, UsageError } from '../core/errors.js';
import { cliScript } from '../os/package.js';
import { writeFileAtomic } from '../os/atomic.js';
import { stateHome } from '../core/paths.js';
import type { SkillAgent } from '../skill/locations.js';
import { AGENT_COMMAND_TIMEOUT_MS } from '../core/timing.js';

/** The server's name in every agent's config: tools reach the model as mcp__orch-tmux__review (claude),
 * namespace mcp__orch_tmux (codex), mcp_orch-tmux_review (gemini). */
export const MCP_SERVER_NAME = 'orch-tmux';


const run = promisify(execFile);

/** The command an agent runs to start the server: this Node, this package's CLI, the state folder fixed. */
export function serverCommand(env: NodeJS.ProcessEnv, socket?: string): { command: string; args: string[] } {
  const args = [cliScript, 'mcp', '--home', stateHome(env)];
  if (socket) args.push('--socket', socket);
  if (env.ORCH_TMUX_RUNS) args.push('--runs', resolve(env.ORCH_TMUX_RUNS));
  return { command: process.execPath, args };
}

/** What was done for one agent: its own command run, or its config file written by us. */
export interface McpInstallResult {
  agent: SkillAgent;
  scope: 'user' | 'project';
  how: 'agent-command' | 'config-file';
  /** The command run (argv), or the file written. */
  via: string[] | string;
  notes: string[];
}

interface Where {
  env: NodeJS.ProcessEnv;
  cwd: string;
  scope: 'user' | 'project';
}

function home(env: NodeJS.ProcessEnv): string {
  if (!env.HOME) throw new UsageError('HOME is not set, so the agents\' user config cannot be found: set HOME, or use --project');
  return resolve(env.HOME);
}

// Runs the agent's own command; a failure is reported with the agent's own last line.
async function agentCommand(argv: string[], w: Where): Promise<void> {
  try {
    await run(argv[0]!, argv.slice(1), { env: w.env, cwd: w.cwd, timeout: AGENT_COMMAND_TIMEOUT_MS });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    const said = `${e.stderr ?? ''}\n${e.stdout ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? e.message;
    throw new OrchError(`\`${argv.slice(0, 3).map((a) => a.split('/').pop()).join(' ')}\` failed: ${said}`, { code: 'agent_command_failed' });
  }
}

// One TOML basic string.
function tomlString(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\x00-\x1f\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** config.toml with our `[mcp_servers.orch-tmux]` table (and its subtables) replaced; the rest kept as written. */
export function withCodexEntry(toml: string, entry: { command: string; args: string[] }): string {
  const ours = new RegExp(`^\\s*\\[\\s*mcp_servers\\.(?:"${MCP_SERVER_NAME}"|${MCP_SERVER_NAME})\\s*(?:\\]|\\.)`);
  const kept: string[] = [];
  let skipping = false;
  for (const line of toml.split('\n')) {
    if (/^\s*\[/.test(line)) skipping = ours.test(line);
    if (!skipping) kept.push(line);
  }
  const body = kept.join('\n').replace(/\n*$/, '');
  const table = [`[mcp_servers.${MCP_SERVER_NAME}]`, `command = ${tomlString(entry.command)}`, `args = [${entry.args.map(tomlString).join(', ')}]`].join('\n');
  return `${body ? `${body}\n\n` : ''}${table}\n`;
}

// Reads a JSON config file (absent means empty), refusing one that is not a JSON object.
function readJsonConfig(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new UsageError(`${file} is not valid JSON, so the server was not added: fix the file, then run this again`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${file} is not a JSON object, so the server was not added: fix the file, then run this again`);
  return value as Record<string, unknown>;
}

/** A JSON config file with `mcpServers.orch-tmux` set to `server`; everything else kept. */
function writeJsonEntry(file: string, server: Record<string, unknown>): void {
  const config = readJsonConfig(file);
  const servers = (config.mcpServers && typeof config.mcpServers === 'object' ? config.mcpServers : {}) as Record<string, unknown>;
  config.mcpServers = { ...servers, [MCP_SERVER_NAME]: server };
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`, 0o600);
}

/** The config file orch-tmux writes for an agent itself, or undefined when the agent's own command will. */
function fileFor(agent: SkillAgent, w: Where): string | undefined {
  const project = resolve(w.cwd);
  // `codex mcp add` writes only the user's config.toml; a project's .codex/config.toml is read in trusted projects.
  if (agent === 'codex') {
    if (w.scope === 'user' && whichProgram('codex', w.env, w.cwd)) return undefined;
    return w.scope === 'project' ? join(project, '.codex', 'config.toml') : join(w.env.CODEX_HOME ? resolve(w.env.CODEX_HOME) : join(home(w.env), '.codex'), 'config.toml');
  }
  if (whichProgram(agent, w.env, w.cwd)) return undefined;
  if (agent === 'claude') return w.scope === 'project' ? join(project, '.mcp.json') : join(home(w.env), '.claude.json');
  return w.scope === 'project' ? join(project, '.gemini', 'settings.json') : join(home(w.env), '.gemini', 'settings.json');
}

async function installCodex(entry: { command: string; args: string[] }, w: Where): Promise<McpInstallResult> {
  const codex = whichProgram('codex', w.env, w.cwd);
  const notes: string[] = [];
  const file = fileFor('codex', w);
  if (!file) {
    const argv = [codex!, 'mcp', 'add', MCP_SERVER_NAME, '--', entry.command, ...entry.args];
    await agentCommand(argv, w);
    return { agent: 'codex', scope: w.scope, how: 'agent-command', via: argv, notes };
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, withCodexEntry(existsSync(file) ? readFileSync(file, 'utf8') : '', entry), 0o600);
  notes.push(w.scope === 'project' ? 'codex reads a project\'s .codex/config.toml only when the project is trusted' : 'codex is not on PATH: wrote its config.toml as `codex mcp add` would');
  notes.push('codex offers MCP tools in a namespace mcp__orch_tmux; some models get them through tool_search');
  return { agent: 'codex', scope: w.scope, how: 'config-file', via: file, notes };
}

async function installClaude(entry: { command: string; args: string[] }, w: Where): Promise<McpInstallResult> {
  const claude = whichProgram('claude', w.env, w.cwd);
  const notes = ['in print mode (claude -p) allow the tools with --allowedTools mcp__orch-tmux'];
  const file = fileFor('claude', w);
  if (!file) {
    // `claude mcp add` refuses a name it has: the old entry goes first, so installing again updates it.
    await run(claude!, ['mcp', 'remove', '--scope', w.scope, MCP_SERVER_NAME], { env: w.env, cwd: w.cwd, timeout: AGENT_COMMAND_TIMEOUT_MS }).catch(() => undefined);
    const argv = [claude!, 'mcp', 'add', '--scope', w.scope, MCP_SERVER_NAME, '--', entry.command, ...entry.args];
    await agentCommand(argv, w);
    return { agent: 'claude', scope: w.scope, how: 'agent-command', via: argv, notes };
  }
  writeJsonEntry(file, { type: 'stdio', command: entry.command, args: entry.args, env: {} });
  return { agent: 'claude', scope: w.scope, how: 'config-file', via: file, notes: ['claude is not on PATH: wrote the entry as `claude mcp add` would', ...notes] };
}

async function installGemini(entry: { command: string; args: string[] }, w: Where): Promise<McpInstallResult> {
  const gemini = whichProgram('gemini', w.env, w.cwd);
  const file = fileFor('gemini', w);
  const notes = ['gemini starts MCP servers only in trusted folders; headless, allow the tools with --allowed-tools mcp_orch-tmux_<tool> (or --approval-mode yolo)'];
  if (!file) {
    // gemini's parser takes the server's own options as its args when there is no `--` (with one it fails).
    const argv = [gemini!, 'mcp', 'add', '--scope', w.scope, MCP_SERVER_NAME, entry.command, ...entry.args];
    await agentCommand(argv, w);
    return { agent: 'gemini', scope: w.scope, how: 'agent-command', via: argv, notes };
  }
  writeJsonEntry(file, { command: entry.command, args: entry.args });
  return { agent: 'gemini', scope: w.scope, how: 'config-file', via: file, notes: ['gemini is not on PATH: wrote the entry as `gemini mcp add` would', ...notes] };
}

/** Adds the server to each agent's config, one after the other (each agent's own command, or its file); a JSON
 * file that cannot take the entry stops the install before anything is written. */
export async function installMcp(agents: SkillAgent[], w: Where, socket?: string): Promise<McpInstallResult[]> {
  const entry = serverCommand(w.env, socket);
  for (const agent of agents) {
    const file = fileFor(agent, w);
    if (file?.endsWith('.json')) readJsonConfig(file);
  }
  const results: McpInstallResult[] = [];
  for (const agent of agents) {
    results.push(await (agent === 'codex' ? installCodex(entry, w) : agent === 'claude' ? installClaude(entry, w) : installGemini(entry, w)));
  }
  return results;
}
