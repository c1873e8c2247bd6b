#!/usr/bin/env node
// Entry of the in-window runner: `node runner-main.js <workerDir> [--resume]` (argv only, never a shell).
import { runWorker } from './runner.js';

const [workerDir, flag] = process.argv.slice(2);
if (!workerDir) {
  process.stderr.write('usage: runner-main.js <workerDir> [--resume]\n');
  process.exit(2);
}
runWorker(workerDir, flag === '--resume').then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`orch-tmux runner crashed: ${String(error?.stack ?? error)}\n`);
    process.exit(70);
  },
);
