#!/usr/bin/env node
// The program in a run's first window: `node board-main.js [RUN_DIR]` (else the session's
// ORCH_TMUX_RUN_DIR) draws the live board until `q` (the window's command then gives a shell in the
// run's folder).
import { Tmux } from '../tmux/index.js';
import { Board, readRunRecord, useColour } from './board.js';

const dir = process.argv[2] ?? process.env.ORCH_TMUX_RUN_DIR;
if (!dir) {
  process.stderr.write('usage: board-main.js RUN_DIR (or ORCH_TMUX_RUN_DIR in the environment)\n');
  process.exit(2);
}
process.stdout.on('error', () => process.exit(0));
const run = readRunRecord(dir);
const board = new Board(run, { out: process.stdout, input: process.stdin, colour: useColour(process.env, process.stdout), tmux: new Tmux({ socketPath: run.socketPath }) });
board.show().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`orch-tmux board: ${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
