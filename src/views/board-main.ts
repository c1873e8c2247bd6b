#!/usr/bin/env node
// The program in a run's first window: `node board-main.js [RUN_DIR]` (else the session's
// ORCH_TMUX_RUN_DIR) draws the live board until `q` (exit 0: the window's command then gives a shell in
// the run's folder) or until the run ends (exit BOARD_ENDED: the window keeps the last frame, nothing runs).
import { BOARD_ENDED } from '../os/package.js';
import { Tmux } from '../tmux/index.js';
import { Board, useColour } from './board.js';
import { readRun } from '../store/run.js';
import { type RunRecord } from '../core/run.js';
import { BOARD_RUN_RECORD_WAIT_MS } from '../core/timing.js';


const dir = process.argv[2] ?? process.env.ORCH_TMUX_RUN_DIR;
if (!dir) {
  process.stderr.write('usage: board-main.js RUN_DIR (or ORCH_TMUX_RUN_DIR in the environment)\n');
  process.exit(2);
}
process.stdout.on('error', () => process.exit(0));

// The session (and this window) is made a moment before run.json is written: read it once it is there.
async function runRecord(runDir: string): Promise<RunRecord> {
  const deadline = Date.now() + BOARD_RUN_RECORD_WAIT_MS;
  for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
    try {
      return readRun(runDir);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

runRecord(dir).then((run) => new Board(run, { out: process.stdout, input: process.stdin, colour: useColour(process.env, process.stdout), tmux: new Tmux({ socketPath: run.socketPath }) }).show()).then(
  (why) => process.exit(why === 'ended' ? BOARD_ENDED : 0),
  (error) => {
    process.stderr.write(`orch-tmux board: ${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
