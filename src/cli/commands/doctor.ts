import { accessSync, constants, mkdirSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { hostsFiles, loadHosts } from '../../sites/hosts.js';
import { runProgram } from '../../os/run-program.js';
import { loadProfileFile } from '../../agents/profile.js';
import { whichProgram } from '../../agents/resolve.js';
import { templatesDir } from '../../os/package.js';
import { runnerShell } from '../../runner/launch-file.js';
import { indexPath } from '../../store/index-file.js';
import { runsRoot, stateHome } from '../../core/paths.js';
import { printJson, type Command } from '../command.js';
import { defaultAgent } from '../inputs.js';
import { VERSION_PROBE_TIMEOUT_MS } from '../../core/timing.js';

/** Is a folder usable for our files (made when missing)? */
function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** One agent CLI as found here: where, which version, and the version its built-in profile was proven with. */
export interface AgentCheck {
  path: string | null;
  version: string | null;
  proven: string | null;
}

// `<program> --version`, bounded: the first x.y.z it prints.
async function checkAgent(name: string, env: NodeJS.ProcessEnv): Promise<AgentCheck> {
  // The built-in profile only: a profile that came with the tree must not choose what doctor runs.
  let profile: { command: string[]; proven?: string } = { command: [name] };
  try {
    profile = loadProfileFile(join(templatesDir, 'agents', `${name}.yaml`), join(templatesDir, 'agents'), `builtin:${name}`);
  } catch {
    /* no built-in of that name: the program name will do */
  }
  const path = whichProgram(profile.command[0]!, env) ?? null;
  let version: string | null = null;
  if (path) {
    const r = await runProgram(path, ['--version'], { timeoutMs: VERSION_PROBE_TIMEOUT_MS });
    version = /\d+\.\d+\.\d+/.exec(`${r.stdout}\n${r.stderr}`)?.[0] ?? null;
  }
  return { path, version, proven: profile.proven ?? null };
}

/** The shell worker windows run their runner with, and whether it has the few tools the runner uses. */
async function checkRunner(env: NodeJS.ProcessEnv): Promise<{ shell: string[]; path: string | null; ok: boolean; missing: string[] }> {
  const shell = runnerShell(env);
  const found = whichProgram(shell[0]!, env);
  if (!found) return { shell, path: null, ok: false, missing: [shell[0]!] };
  const tools = ['tmux', 'mkfifo', 'tee', 'tail', 'grep', 'mv', 'rm', 'cat', 'sleep'];
  const script = `for t in ${tools.join(' ')}; do command -v "$t" >/dev/null 2>&1 || echo "$t"; done`;
  const r = await runProgram(found, [...shell.slice(1), '-c', script], { timeoutMs: VERSION_PROBE_TIMEOUT_MS });
  const missing = r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : ['(the shell did not run)'];
  let path = found;
  try {
    path = realpathSync(found);
  } catch {
    /* keep the name found */
  }
  return { shell, path, ok: missing.length === 0, missing };
}

// How each built-in agent's CLI is installed, for the line that says the default one is missing.
const INSTALL: Record<string, string> = { codex: 'npm install -g @openai/codex', claude: 'npm install -g @anthropic-ai/claude-code', gemini: 'npm install -g @google/gemini-cli' };

function describeAgent(name: string, a: AgentCheck, isDefault: boolean): string {
  if (!a.path && isDefault) {
    const others = Object.keys(INSTALL).filter((n) => n !== name).join('|');
    return `warn ${name}, the default agent, is not on PATH: install it (${INSTALL[name]}), or pick another with --agent ${others} or ORCH_TMUX_AGENT`;
  }
  if (!a.path) return `info ${name}: not on PATH${a.proven ? ` (profile proven with ${a.proven})` : ''}`;
  const match = a.version && a.proven ? (a.version === a.proven ? ', as its profile was proven with' : `; its profile was proven with ${a.proven}`) : '';
  return `info ${name} ${a.version ?? '(version unknown)'}: ${a.path}${match}`;
}

/** `orch-tmux doctor`: can orch-tmux run here, and what agents are installed. Exit 0 yes, 1 no. */
export const command: Command = {
  name: 'doctor',
  summary: 'Check tmux, agent CLIs, state folders and cron',
  usage: 'doctor [--json]',
  options: {},
  positionals: [0, 0],
  async run(ctx) {
    const tmuxPath = whichProgram('tmux', ctx.env);
    let version: string | null = null;
    if (tmuxPath) {
      const r = await runProgram(tmuxPath, ['-V'], { timeoutMs: VERSION_PROBE_TIMEOUT_MS });
      version = /(\d+\.\d+[a-z]?)/.exec(r.stdout)?.[1] ?? null;
    }
    const numeric = version ? Number.parseFloat(version) : 0;
    const tmuxOk = Boolean(tmuxPath && numeric >= 3.0);
    const tmuxMessage = !tmuxPath
      ? 'tmux is not installed: install it (Debian/Ubuntu: apt-get install tmux, macOS: brew install tmux)'
      : tmuxOk ? `tmux ${version}` : `tmux ${version ?? '(unknown version)'} is too old: orch-tmux needs tmux 3.0 or newer`;
    const names = ['codex', 'claude', 'gemini'];
    const checks = await Promise.all(names.map((a) => checkAgent(a, ctx.env)));
    const agents = Object.fromEntries(names.map((a, i) => [a, checks[i]!]));
    const state = stateHome(ctx.env);
    const runs = runsRoot(undefined, ctx.env);
    // A run root inside the working tree is inside a writer worker's sandbox: it could rewrite its own run.
    const rel = relative(ctx.cwd, runs);
    const insideTree = rel === '' || (rel.split(sep)[0] !== '..' && !isAbsolute(rel));
    const crontab = whichProgram('crontab', ctx.env) ?? null;
    const runner = await checkRunner(ctx.env);
    // Hosts are listed, not contacted (`orch-tmux hosts` asks each); a broken hosts.yaml is said here.
    let hosts: { names: string[]; files: string[]; error?: string; ssh: string | null };
    try {
      hosts = { names: [...loadHosts(ctx.env, ctx.cwd).keys()], files: hostsFiles(ctx.env, ctx.cwd), ssh: whichProgram('ssh', ctx.env) ?? null };
    } catch (error) {
      hosts = { names: [], files: hostsFiles(ctx.env, ctx.cwd), error: (error as Error).message, ssh: whichProgram('ssh', ctx.env) ?? null };
    }
    const report = {
      ok: tmuxOk && writable(state) && runner.ok,
      runner,
      tmux: { path: tmuxPath ?? null, version, ok: tmuxOk, message: tmuxMessage },
      agents,
      // ok stays true without it: orch-tmux runs (any agent, --dry-run); the line above says what to do.
      // found: null for a default that is not a built-in (a profile path), which is not looked for here.
      defaultAgent: { name: defaultAgent(ctx.env), found: agents[defaultAgent(ctx.env)] ? Boolean(agents[defaultAgent(ctx.env)]!.path) : null },
      state: { dir: state, index: indexPath(ctx.env), writable: writable(state) },
      runs: { dir: runs, insideTree, note: 'created on first run' },
      cron: { available: Boolean(crontab), crontab },
      hosts,
      node: process.version,
    };
    if (ctx.json) printJson(ctx, report);
    else {
      const mark = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');
      ctx.out([
        `${mark(tmuxOk)} ${tmuxMessage}${tmuxPath ? ` (${tmuxPath})` : ''}`,
        `${mark(runner.ok)} runner shell: ${runner.shell.join(' ')}${runner.path ? ` (${runner.path})` : ''}${runner.ok ? '' : `: missing ${runner.missing.join(', ')} (set ORCH_TMUX_SH to a POSIX shell that has them)`}`,
        `${mark(report.state.writable)} state in ${state}${report.state.writable ? '' : ' is not writable: set ORCH_TMUX_HOME to a writable folder'}`,
        insideTree
          ? `warn runs go to ${runs}, inside the working tree ${ctx.cwd}: a worker that may write there can rewrite its run (unset ORCH_TMUX_RUNS, or pick a folder outside the tree)`
          : `info runs go to ${runs} (change with --run-dir or ORCH_TMUX_RUNS)`,
        ...Object.entries(agents).map(([a, check]) => describeAgent(a, check, a === report.defaultAgent.name)),
        `info cron: ${crontab ?? 'crontab not found (monitor --watch works without it)'}`,
        hosts.error ? `warn ${hosts.error}`
          : hosts.names.length ? `info hosts: ${hosts.names.join(', ')} (\`orch-tmux hosts\` checks each over ssh${hosts.ssh ? '' : '; ssh is not installed here'})`
          : `info hosts: none (workers on other machines: name them in ${hosts.files[1]}, see \`orch-tmux hosts --help\`)`,
        '',
      ].join('\n'));
    }
    return report.ok ? 0 : 1;
  },
};
