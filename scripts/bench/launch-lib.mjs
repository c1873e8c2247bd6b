#!/usr/bin/env node
// Bench helper: the orch-tmux library in one process. Optionally creates a run, starts workers in
// parallel (spawnWorker), optionally waits for them (waitForWorkers, noting when each one is seen
// finished), and prints one JSON object of wall-clock timestamps (ms) on stdout.
// Usage: node launch-lib.mjs '<json>'  with { dist?, name?, newRuns?, run?, cwd, agent, workers: [{name, prompt}], wait?, waitTimeoutMs?, readyFile? }
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { now } from './lib.mjs';

const tProcess = performance.timeOrigin;
const o = JSON.parse(process.argv[2] ?? '{}');
const dist = o.dist ? pathToFileURL(`${o.dist}/`) : new URL('../../dist/', import.meta.url);
const [runMod, pathsMod, resolveMod, launchMod, waitMod, recordMod, tmuxRun, statusMod] = await Promise.all([
  import(new URL('store/run.js', dist)),
  import(new URL('core/paths.js', dist)),
  import(new URL('agents/resolve.js', dist)),
  import(new URL('supervise/launch.js', dist)),
  import(new URL('supervise/wait.js', dist)),
  import(new URL('core/worker.js', dist)),
  import(new URL('tmux/run.js', dist)),
  import(new URL('supervise/observe.js', dist)),
]);
const tImported = now();
const server = tmuxRun.serverFromSocket(process.env.ORCH_TMUX_SOCKET);
const cwd = o.cwd ?? process.cwd();
const create = () => runMod.createRun({ name: o.name, runsRoot: pathsMod.runsRoot(undefined, process.env), server, cwd });
if (o.newRuns) {
  // Only make runs (for later trials): { runs: [{ run, dir, session }] }.
  const made = [];
  for (let i = 0; i < o.newRuns; i++) made.push(await create());
  process.stdout.write(`${JSON.stringify({ runs: made.map((r) => ({ run: r.id, dir: r.dir, session: r.session })) })}\n`);
  process.exit(0);
}
const run = o.run ? runMod.findRun(o.run) : await create();
const tmux = runMod.tmuxForRun(run, server);
const out = { run: run.id, dir: run.dir, session: run.session, tProcess, tImported, launched: {}, notices: {} };
const workers = o.workers ?? [];
if (workers.length) {
  const profile = resolveMod.loadProfile(o.agent, cwd);
  out.tLaunch = now();
  const records = await Promise.all(workers.map((w) =>
    launchMod.spawnWorker({ run, tmux, name: w.name, prompt: w.prompt, profile, env: process.env }).then((rec) => {
      out.launched[w.name] = now();
      return rec;
    })));
  out.tAllRunning = now();
  out.states = Object.fromEntries(records.map((r) => [r.name, r.state]));
  if (o.readyFile) writeFileSync(o.readyFile, String(out.tAllRunning));
  if (o.wait) {
    const names = workers.map((w) => w.name);
    const outcome = await waitMod.waitForWorkers(run, tmux, names, {
      timeoutMs: o.waitTimeoutMs ?? 120_000,
      onTick: (ws) => {
        const t = now();
        for (const w of ws) if (recordMod.FINISHED.has(w.state) && out.notices[w.name] === undefined) out.notices[w.name] = t;
      },
    });
    out.tWaitDone = now();
    out.timedOut = outcome.timedOut;
    // What one wake-up of the wait loop costs besides the wake itself: runStatus (list-panes + every worker.json).
    out.runStatusMs = [];
    for (let i = 0; i < 5; i++) {
      const t = now();
      await statusMod.runStatus(run, tmux);
      out.runStatusMs.push(now() - t);
    }
  }
}
process.stdout.write(`${JSON.stringify(out)}\n`);
