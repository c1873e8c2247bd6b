// Whether this process runs inside an orch-tmux worker, from its ancestors: an agent that passes no environment
// to its MCP servers (codex) hides ORCH_TMUX_WORKER from them, but not its process tree. Every worker's agent
// descends from the window's runner, `sh .../scripts/orch-runner LAUNCH_FILE` (Linux /proc; elsewhere: unknown).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** How far up the tree to look (a worker's agent is a few levels under its runner). */
const MAX_ANCESTORS = 64;

/** The runner's program name, wherever it was copied (scripts/ here, the worker's folder on a host). */
const RUNNER_NAME = 'orch-runner';

// The parent pid from /proc/<pid>/stat: the 4th field, counted after the command name's closing parenthesis
// (the name itself may hold spaces and parentheses).
function parentOf(pid: number, proc: string): number | undefined {
  try {
    const stat = readFileSync(`${proc}/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function argvOf(pid: number, proc: string): string[] {
  try {
    return readFileSync(`${proc}/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** The nearest ancestor running an orch-tmux runner (its pid and argv), or undefined. */
export function runnerAncestor(pid = process.pid, proc = '/proc'): { pid: number; argv: string[] } | undefined {
  let current = parentOf(pid, proc);
  for (let i = 0; i < MAX_ANCESTORS && current !== undefined && current > 1; i++) {
    const argv = argvOf(current, proc);
    if (argv.some((a) => basename(a) === RUNNER_NAME)) return { pid: current, argv };
    current = parentOf(current, proc);
  }
  return undefined;
}

/** Why this process must not start workers (it is inside one), or undefined. */
export function insideWorker(env: NodeJS.ProcessEnv): string | undefined {
  if (env.ORCH_TMUX_WORKER) return `this server runs inside worker ${env.ORCH_TMUX_WORKER} (ORCH_TMUX_WORKER)`;
  const runner = runnerAncestor();
  return runner ? `this server runs inside an orch-tmux worker (ancestor process ${runner.pid} is ${runner.argv.slice(0, 2).map((a) => basename(a)).join(' ')})` : undefined;
}
