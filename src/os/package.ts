import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The nearest folder up from `dir` with a package.json: src/ and dist/ (tsc's output) sit right under the
 * root, the bundled programs' shared code in dist/chunks/ one level deeper. */
function rootAbove(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (d === dirname(d)) throw new Error(`orch-tmux: no package.json above ${dir}`);
  }
}

/** The package's root folder (holds templates/ and package.json). */
export const packageRoot = rootAbove(dirname(fileURLToPath(import.meta.url)));

/** Built-in templates: prompts/, patterns/, agents/, lenses.yaml. */
export const templatesDir = join(packageRoot, 'templates');

/** The runner each worker window executes (POSIX sh). */
export const runnerScript = join(packageRoot, 'scripts', 'orch-runner');

/** The step the runner starts after an attempt ended: the store settles the worker. */
export const settleScript = join(packageRoot, 'dist', 'supervise', 'settle-main.js');

/** zod in one file (scripts/bundle.mjs makes it), required only when a contract file is checked. */
export const zodBundle = join(packageRoot, 'dist', 'chunks', 'zod.cjs');

/** The compiled CLI entry (for cron lines and nested calls). */
export const cliScript = join(packageRoot, 'dist', 'cli.js');

/** The live board a run's first window shows. */
export const boardScript = join(packageRoot, 'dist', 'views', 'board-main.js');

/** The board's exit status when its run has ended (its window then keeps the last frame, with nothing running). */
export const BOARD_ENDED = 3;

/** The first window's command: the board; after `q` a shell in the run's folder; after the run's end nothing
 * (the window has remain-on-exit: the last frame stays). The folder comes from the session's
 * ORCH_TMUX_RUN_DIR (not argv: nothing of the run's path on a command line, so no process of ours outlives
 * a run looking like one of its workers). */
export function boardCommand(): string[] {
  return ['/bin/sh', '-c', `"$1" "$2"; [ $? -eq ${BOARD_ENDED} ] && exit 0; cd "$ORCH_TMUX_RUN_DIR" && exec "\${SHELL:-/bin/sh}"`, 'orch-board', process.execPath, boardScript];
}

/** The Agent Skill an orchestrating agent installs (`orch-tmux skill install`). */
export const skillDir = join(packageRoot, 'skills', 'orch-tmux');
