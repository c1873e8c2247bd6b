#!/usr/bin/env node
// The runner's settle step: `node settle-main.js LAUNCH_FILE`, started by the window's runner after it
// published an attempt's end and woke the waiters. The store turns the facts into worker.json and
// result.md (whoever settles first does it; this is usually first); it prints the state for the
// window's status line. A damaged worker.json is written again from the record the window started with.
import { basename } from 'node:path';
import { readLaunchFile } from './launch-read.js';
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
  // The runner shows it on the window's status line.
  process.stdout.write(`${settled?.state ?? 'ended'}\n`);
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
