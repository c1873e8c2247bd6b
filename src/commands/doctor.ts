import { accessSync, constants, mkdirSync } from 'node:fs';
import { runProgram } from '../run-program.js';
import { whichProgram } from '../agents/resolve.js';
import { indexPath } from '../runs/index-file.js';
import { runsRoot, stateHome } from '../runs/paths.js';
import { printJson, type Command } from './command.js';

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
      const r = await runProgram(tmuxPath, ['-V'], { timeoutMs: 10_000 });
      version = /(\d+\.\d+[a-z]?)/.exec(r.stdout)?.[1] ?? null;
    }
    const numeric = version ? Number.parseFloat(version) : 0;
    const tmuxOk = Boolean(tmuxPath && numeric >= 3.0);
    const tmuxMessage = !tmuxPath
      ? 'tmux is not installed: install it (Debian/Ubuntu: apt-get install tmux, macOS: brew install tmux)'
      : tmuxOk ? `tmux ${version}` : `tmux ${version ?? '(unknown version)'} is too old: orch-tmux needs tmux 3.0 or newer`;
    const agents = Object.fromEntries(['codex', 'claude', 'gemini'].map((a) => [a, whichProgram(a, ctx.env) ?? null]));
    const state = stateHome(ctx.env);
    const runs = runsRoot(undefined, ctx.env);
    const crontab = whichProgram('crontab', ctx.env) ?? null;
    const report = {
      ok: tmuxOk && writable(state),
      tmux: { path: tmuxPath ?? null, version, ok: tmuxOk, message: tmuxMessage },
      agents,
      state: { dir: state, index: indexPath(ctx.env), writable: writable(state) },
      runs: { dir: runs, note: 'created on first run' },
      cron: { available: Boolean(crontab), crontab },
      node: process.version,
    };
    if (ctx.json) printJson(ctx, report);
    else {
      const mark = (ok: boolean) => (ok ? 'ok  ' : 'FAIL');
      ctx.out([
        `${mark(tmuxOk)} ${tmuxMessage}${tmuxPath ? ` (${tmuxPath})` : ''}`,
        `${mark(report.state.writable)} state in ${state}${report.state.writable ? '' : ' is not writable: set ORCH_TMUX_HOME to a writable folder'}`,
        `info runs go to ${runs} (change with --run-dir or ORCH_TMUX_RUNS)`,
        ...Object.entries(agents).map(([a, p]) => `info ${a}: ${p ?? 'not on PATH'}`),
        `info cron: ${crontab ?? 'crontab not found (monitor --watch works without it)'}`,
        '',
      ].join('\n'));
    }
    return report.ok ? 0 : 1;
  },
};
