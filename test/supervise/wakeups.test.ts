// Every waiter hears every finish: 8 workers finish within ~100 ms of each other while 4 CLI `wait`s (one
// with --any), one in-process waiter and one `monitor --watch` wait on them, 20 times over. Each returns (or
// acts) well before the 10 s fallback could have fired, and no fallback wake ever finds a change it missed.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { findRun, tmuxForRun } from '../../src/store/run.js';
import { waitForWorkers } from '../../src/supervise/wait.js';
import { FALLBACK_CHECK_MS } from '../../src/core/timing.js';
import { spawnWorker } from '../../src/supervise/launch.js';
import { loadProfile } from '../../src/agents/resolve.js';
import { cliBackground } from '../reliability/support.js';
import { fakeAgentProfile, openGate, test, waitUntil, watching, type TestServer } from '../helpers/tmux-server.js';
import { newRun, parseOut, workerDir, type NewRun } from '../cli/support.js';

const TRIALS = 20;
const WORKERS = 8;
/** Well under the fallback (10 s): a waiter that missed its wake-up would show up here as ~10 s; a slow
 *  CPU (the suite runs beside two CPU burners too) can delay a woken waiter a second or two. */
const BOUND_MS = 4000;
/** A CLI `wait` returns once the results are recorded: it also waits for the workers' settle steps (a Node
 *  start each, all at once when 8 workers end together on 2 busy cores), still well under the fallback. */
const CLI_BOUND_MS = 7000;
/** monitor --watch's own fallback is its interval, 30 s here: a pass that missed its wake-up shows as ~30 s.
 *  A pass while 9 workers start or end takes up to ~2 s on a loaded 2-core machine, and a finish seen
 *  during a pass is acted on by the next one, so its bound is a third of its fallback. */
const MONITOR_INTERVAL_S = 30;
const MONITOR_BOUND_MS = 10_000;

/** When each worker's agent exited (the runner's exit fact: its time is the file's), epoch ms. */
function exits(run: NewRun, names: string[]): number[] {
  return names.map((n) => statSync(join(workerDir(run, n), 'exit-0.facts')).mtimeMs);
}

/** Runs main() in this process with the server's environment (the library, as a script would). */
async function withServerEnv<T>(server: TestServer, fn: () => Promise<T>): Promise<T> {
  const saved = process.env;
  process.env = Object.fromEntries(Object.entries(server.env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
  try {
    return await fn();
  } finally {
    process.env = saved;
  }
}

describe('wake-ups', () => {
  test(`${TRIALS} trials: 8 finishes, 4 CLI waits (one --any), an in-process waiter and monitor --watch all hear them in time`, async ({ server }) => {
    const run = await newRun(server);
    // A worker that stays up keeps the run active, so the monitor keeps watching it from trial to trial.
    expect((await server.inProcess(['spawn', run.id, 'anchor', '--agent', fakeAgentProfile, '--prompt', '[[gate:anchor]]'])).exitCode).toBe(0);
    const monitor = cliBackground(server, ['monitor', '--watch', '--interval', String(MONITOR_INTERVAL_S), '--json']);
    const passes: { time: number; done: Set<string> }[] = [];
    let buffered = '';
    monitor.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const report = JSON.parse(buffered.slice(0, nl)) as { runs: { workers: { name: string; state: string }[] }[] };
        buffered = buffered.slice(nl + 1);
        passes.push({ time: Date.now(), done: new Set(report.runs.flatMap((r) => r.workers).filter((w) => w.state === 'done').map((w) => w.name)) });
      }
    });
    await waitUntil(() => passes.length > 0 && watching(monitor.pid!), 'monitor --watch to watch');
    const late: string[] = [];
    for (let t = 0; t < TRIALS; t++) {
      const names = Array.from({ length: WORKERS }, (_, i) => `t${t}-w${i}`);
      // The 8 start at once through the library (what `spawn` calls), in this process.
      await withServerEnv(server, async () => {
        const r = findRun(run.id);
        const profile = loadProfile(fakeAgentProfile);
        await Promise.all(names.map((name) => spawnWorker({ run: r, tmux: tmuxForRun(r), name, prompt: `[[gate:go${t}]]`, profile, env: process.env })));
      });
      const started = Date.now();
      const clis = [
        ...[0, 1, 2].map(() => cliBackground(server, ['wait', run.id, ...names, '--timeout', '60', '--json'])),
        cliBackground(server, ['wait', run.id, ...names, '--any', '--timeout', '60', '--json']),
      ];
      const returned: (number | undefined)[] = clis.map(() => undefined);
      clis.forEach((p, i) => void p.then(() => (returned[i] = Date.now())));
      let ticked = false;
      const inProc = withServerEnv(server, async () => {
        const r = findRun(run.id);
        const out = await waitForWorkers(r, tmuxForRun(r), names, { onTick: () => void (ticked = true) });
        return { at: Date.now(), missed: out.missedWakeups };
      });
      await waitUntil(() => ticked && clis.every((p) => watching(p.pid!)), 'every waiter watching').catch((e) => { throw new Error(`${String(e)}: ticked=${ticked} watching=${clis.map((p) => watching(p.pid!))} exits=${clis.map((p) => p.exitCode)}`); });
      openGate(server, `go${t}`);
      const results = await Promise.all(clis);
      const own = await inProc;
      // Each record is settled before its exit fact is published (atomically): wait for the facts themselves.
      await waitUntil(() => names.every((n) => existsSync(join(workerDir(run, n), 'exit-0.facts'))), 'every exit fact');
      const ends = exits(run, names);
      const [first, last] = [Math.min(...ends), Math.max(...ends)];
      // The 8 end together (at the gate), well inside one fallback interval (on an idle machine, ~100 ms).
      expect(last - first, 'the 8 finishes came close together').toBeLessThan(FALLBACK_CHECK_MS);
      results.forEach((r, i) => {
        const any = i === 3;
        const json = parseOut<{ exitCode: number; missedWakeups: number }>(r);
        expect(json.exitCode, `${String(r.stderr)} ${JSON.stringify((json as unknown as { workers: unknown[] }).workers)}`).toBe(0);
        expect(json.missedWakeups, `trial ${t}, wait ${i}: a fallback wake found a missed change`).toBe(0);
        const after = returned[i]! - (any ? first : last);
        if (after >= CLI_BOUND_MS) late.push(`trial ${t}: wait ${i}${any ? ' --any' : ''} returned ${after} ms after the ${any ? 'first' : 'last'} exit`);
      });
      expect(own.missed).toBe(0);
      if (own.at - last >= BOUND_MS) late.push(`trial ${t}: the in-process waiter returned ${own.at - last} ms after the last exit`);
      // The monitor acts on the finishes: a pass that saw all 8 done, soon after the last exit.
      await waitUntil(() => passes.some((p) => p.time >= last && names.every((n) => p.done.has(n))), `monitor --watch to see trial ${t} done`, MONITOR_INTERVAL_S * 1000 + 10_000);
      const seen = passes.find((p) => p.time >= last && names.every((n) => p.done.has(n)))!;
      if (seen.time - last >= MONITOR_BOUND_MS) late.push(`trial ${t}: monitor --watch saw them ${seen.time - last} ms after the last exit`);
      expect(Date.now() - started, `trial ${t} took longer than a fallback interval would allow to hide`).toBeLessThan(60_000);
    }
    expect(late, `fallback intervals: wait ${FALLBACK_CHECK_MS} ms, monitor ${MONITOR_INTERVAL_S} s`).toEqual([]);
    openGate(server, 'anchor');
    monitor.kill('SIGTERM');
    await monitor;
  }, 300_000);
});
