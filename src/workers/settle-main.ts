#!/usr/bin/env node
// The runner's settle step: `node settle-main.js LAUNCH_FILE`, started by the window's runner after it
// published an attempt's end and woke the waiters. The store turns the facts into worker.json and
// result.md (whoever settles first does it; this is usually first), and the window's status line shows
// the outcome. A damaged worker.json is written again from the record the window started with.
import { basename } from 'node:path';
import { Tmux } from '../tmux/index.js';
import { readLaunchFile } from './launch-file.js';
import { readWorker, type WorkerRecord } from './record.js';
import { repairWorker, settleWorker } from './store.js';

process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

async function main(file: string): Promise<void> {
  const launch = readLaunchFile(file);
  const rec = JSON.parse(launch.record!) as WorkerRecord;
  const attempt = Number(launch.attempt);
  const name = basename(launch.dir!);
  if (!readWorker(rec.runDir, name)) repairWorker({ ...rec, resumes: attempt });
  const settled = settleWorker(rec.runDir, name, { panes: 'unknown', by: 'runner', fallback: rec, attempt });
  const pane = process.env.TMUX_PANE;
  if (pane) await new Tmux({ socketPath: launch.socket! }).run([['set-option', '-w', '-t', pane, '@orch_state', settled?.state ?? 'ended']]).catch(() => undefined);
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: settle-main.js LAUNCH_FILE\n');
  process.exit(2);
}
main(file).catch((error) => {
  process.stderr.write(`orch-tmux: could not record the outcome: ${String((error as Error)?.message ?? error)}\n`);
  process.exit(70);
});
