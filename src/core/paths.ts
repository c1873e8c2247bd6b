import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where the index of every run lives: ORCH_TMUX_HOME, else $XDG_STATE_HOME/orch-tmux, else ~/.local/state/orch-tmux. */
export function stateHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ORCH_TMUX_HOME) return resolve(env.ORCH_TMUX_HOME);
  const xdg = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(xdg, 'orch-tmux');
}

/** The folder new runs go in: --run-dir, else ORCH_TMUX_RUNS, else runs/ in the state folder (outside every worker's tree). */
export function runsRoot(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag || env.ORCH_TMUX_RUNS || join(stateHome(env), 'runs'));
}

/** Every file of a run directory, built in one place (the run-directory contract). */
export function runPaths(dir: string) {
  return {
    dir,
    runJson: join(dir, 'run.json'),
    events: join(dir, 'events.jsonl'),
    plan: join(dir, 'plan.json'),
    status: join(dir, 'status.json'),
    /** The policy in force, frozen when the run started (monitor/config.ts). */
    policy: join(dir, 'policy.json'),
    synthesis: join(dir, 'synthesis.md'),
    /** --worktrees: what the writers changed, against the starting point (pipeline/workspace.ts). */
    changes: join(dir, 'changes.patch'),
    workers: join(dir, 'workers'),
    monitorState: join(dir, 'monitor.json'),
    driverEnv: join(dir, 'driver-env.json'),
    /** Held while run.json or plan.json changes (a run ends once, a spawn reopens it). */
    lock: join(dir, 'run.lock'),
    driverLock: join(dir, 'driver.lock'),
    /** Ended attempts waiting for the run's settle step: one file per worker naming its launch file (workers/settler.ts). */
    settleQueue: join(dir, 'settle'),
    /** Held by the run's one settle step while it drains the queue. */
    settleLock: join(dir, 'settle.lock'),
  };
}

/** Every file of one worker's folder. */
export function workerPaths(runDir: string, name: string) {
  const dir = join(runDir, 'workers', name);
  // Plain string joins below: this runs for every look at every worker (path.join was 40 % of a `wait`).
  return {
    dir,
    prompt: `${dir}/prompt.md`,
    workerJson: `${dir}/worker.json`,
    paneLog: `${dir}/pane.log`,
    result: `${dir}/result.md`,
    /** What a person may still want when the agent gave no answer (stdout, transcript tail); never a result. */
    fallback: `${dir}/fallback.md`,
    /** The store's lock: every change of worker.json, result.md and fallback.md happens under it. */
    lock: `${dir}/worker.lock`,
    /** Facts the runner reports for one attempt (0 = first start, n = n-th resume): `key=value` lines. */
    startFacts: (attempt: number) => `${dir}/start-${attempt}.facts`,
    exitFacts: (attempt: number) => `${dir}/exit-${attempt}.facts`,
    /** --worktrees=per-writer: what this writer changed in its own worktree, against where it started. */
    changes: `${dir}/changes.patch`,
    /** A rehearsal's stand-in answer. */
    rehearsal: `${dir}/rehearsal.md`,
    lastMessage: `${dir}/last-message.txt`,
    stdout: `${dir}/stdout.txt`,
    killRequested: `${dir}/kill-requested`,
    /** orch-tmux sent an exec agent its interrupt key: why, and when. */
    interruptRequested: `${dir}/interrupt-requested`,
    /** The caller's environment for the agent (0600, deleted by the runner on reading). */
    envFile: `${dir}/env.txt`,
    /** What the runner needs for one attempt (workers/launch-file.ts). */
    launch: (attempt: number) => `${dir}/launch-${attempt}.txt`,
    /** An exec agent's prompt on resume. */
    resumePrompt: `${dir}/resume-prompt.md`,
    /** What a rehearsal's window shows. */
    rehearsalScreen: `${dir}/rehearsal-screen.txt`,
    /** What the agent's lifecycle hooks reported, one JSON line each (workers/hooks.ts). */
    hooks: `${dir}/hooks.jsonl`,
  };
}

export type WorkerPaths = ReturnType<typeof workerPaths>;
