#!/usr/bin/env node
// The run's settle step: `node settle-main.js LAUNCH_FILE [--locked]`, started by a window's runner after
// it published an attempt's end, woke the waiters and queued the attempt, when no settle step of the run
// was alive (`--locked`: the runner took the run's settle lock for it). It records that attempt, then every
// attempt queued meanwhile (store/settle-queue.ts), puts each settled worker's state on its window's status
// line, and gives a slot an end freed to the run's next queued worker (supervise/queue.ts).
import { spawnSync } from 'node:child_process';
import { readLaunchFile } from '../runner/codec.js';
import type { WorkerRecord } from '../core/worker.js';
import { drainSettleQueue, settleLaunch, type Shown } from '../store/settle-queue.js';
import { listWorkerNames, readWorker } from '../store/records.js';
import { SETTLE_LINGER_MS } from '../core/timing.js';
import { crashPoint, setCrashRole } from '../os/crash-point.js';

setCrashRole('settle');

process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);
// The step outlives its window: a resume that respawns the pane, or a closed window, hangs up the runner
// but must not cut short the recording of other workers' ends queued to this step.
process.on('SIGHUP', () => undefined);

async function main(file: string, locked: boolean): Promise<void> {
  const launch = readLaunchFile(file);
  const runDir = (JSON.parse(launch.record!) as WorkerRecord).runDir;
  const starting: Promise<void>[] = [];
  const show = (shown: Shown) => {
    showStates(launch.tmux ?? 'tmux', launch.socket, shown);
    starting.push(startFreed(runDir).catch(say));
  };
  const own: Shown = new Map();
  try {
    settleLaunch(file, own);
  } catch (error) {
    say(error); // still queued: the drain tries it once more
  }
  show(own);
  crashPoint('tmux:states-shown');
  await drainSettleQueue(runDir, show, { inherited: locked, lingerMs: SETTLE_LINGER_MS });
  await Promise.all(starting);
}

// The run's queued workers started while slots are free; the code that does it is loaded only when one waits.
async function startFreed(runDir: string): Promise<void> {
  if (!listWorkerNames(runDir).some((n) => readWorker(runDir, n)?.state === 'queued')) return;
  const [{ startQueued }, { readRun }, { Tmux }] = await Promise.all([import('./queue.js'), import('../store/run.js'), import('../tmux/index.js')]);
  const run = readRun(runDir);
  await startQueued(run, new Tmux({ socketPath: run.socketPath }), process.env, 'settle');
}

function say(error: unknown): void {
  process.stderr.write(`orch-tmux: could not record the outcome: ${String((error as Error)?.message ?? error)}\n`);
}

// One tmux call for every window of a pass (a window closed meanwhile is nobody's loss).
function showStates(tmux: string, socket: string | undefined, shown: Shown): void {
  if (!shown.size) return;
  const sets = [...shown].flatMap(([pane, state], i) => [...(i ? [';'] : []), 'set-option', '-w', '-t', pane, '@orch_state', state]);
  spawnSync(tmux, [...(socket ? ['-S', socket] : []), ...sets], { stdio: 'ignore' });
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: settle-main.js LAUNCH_FILE [--locked]\n');
  process.exit(2);
}
main(file, process.argv[3] === '--locked').catch((error) => {
  say(error);
  process.exit(70);
});
