#!/usr/bin/env node
// One monitor pass, then one summary line per run: workers by state, actions taken. For a terminal or cron:
//   * * * * * cd /my/project && env PATH=... ORCH_TMUX_HOME=... LANG=C.UTF-8 /usr/bin/node /path/to/orch-tmux/scripts/cron-monitor.mjs >> /tmp/orch-monitor.log 2>&1
// (take the env part from `orch-tmux cron print --command`; cron's own environment is nearly empty).
// Extra arguments go to `orch-tmux monitor`, e.g. `--socket NAME`.
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
$.verbose = false;
const report = (await $`${process.execPath} ${cli} monitor --once --json ${process.argv.slice(2)}`).json();
const now = report.time ?? new Date().toISOString();

if (report.skipped) {
  const { pid, host } = report.heldBy;
  console.log(`${now} skipped: another monitor (pid ${pid} on ${host}) holds the lock`);
} else if (report.runs.length === 0) {
  console.log(`${now} no live runs`);
}
for (const run of report.runs ?? []) {
  const states = {};
  for (const w of run.workers) {
    const state = w.state === 'running' && w.screen ? w.screen : w.state; // running workers by what the screen says
    states[state] = (states[state] ?? 0) + 1;
  }
  const byState = Object.entries(states).map(([s, n]) => `${s}=${n}`).join(' ') || 'no workers';
  const actions = run.workers.flatMap((w) => w.actions.map((a) => `${w.name}:${a}`)).join(' ') || 'none';
  console.log(`${now} ${run.run} ${byState} | actions: ${actions}`);
}
