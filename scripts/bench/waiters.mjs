#!/usr/bin/env node
// Benchmark: every waiter hears every finish. W workers (8, 32) are held at a gate, N `orch-tmux wait`
// processes (1, 4, 16) wait on the run, the gate opens and every worker exits within a few ms; each wait's
// "last exit -> it returned" is one sample. Beside it, the same W agents bare in tmux windows watched by
// N of today's 500 ms capture-and-hash pollers (scripts/bench/poller.mjs): "last exit -> that poller has
// seen every pane finish". Prints median and max (the max is the figure that matters: one waiter that
// missed its wake-up shows as the 10 s fallback) and the waits' own missed-wake-up counters.
// Usage: node scripts/bench/waiters.mjs [--trials 5] [--workers 8,32] [--waiters 1,4,16] [--json]   (after
// `npm run build`; `npm run bench` runs it as its `waiters` section). --json prints the figures as JSON.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { now, sleep } from './lib.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({ options: { trials: { type: 'string', default: '5' }, workers: { type: 'string', default: '8,32' }, waiters: { type: 'string', default: '1,4,16' }, json: { type: 'boolean' } } });
const trials = Number(values.trials);
const list = (s) => s.split(',').map(Number);
const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'orch-bench-waiters-')));
const socket = `orch-bench-${randomBytes(4).toString('hex')}`;
const gates = join(tmp, 'gates');
const env = {
  PATH: `${join(root, 'test', 'fixtures', 'bin')}:${process.env.PATH}`, HOME: join(tmp, 'home'), TMPDIR: tmp, SHELL: '/bin/sh', LANG: 'C.UTF-8',
  ORCH_TMUX_SOCKET: socket, ORCH_TMUX_HOME: join(tmp, 'state'), ORCH_TMUX_RUNS: join(tmp, 'runs'), XDG_CONFIG_HOME: join(tmp, 'config'),
  FAKE_AGENT_HOME: join(tmp, 'fake'), FAKE_AGENT_GATES: gates,
};
for (const dir of [env.HOME, gates]) mkdirSync(dir, { recursive: true });
const cliPath = join(root, 'dist', 'cli.js');
const stamped = join(root, 'scripts', 'bench', 'fake-stamped.yaml');
const tmux = (...args) => spawnSync('tmux', ['-L', socket, ...args], { env, encoding: 'utf8' });

// A child process and the moment it exited (wall clock, sub-ms).
function start(argv) {
  const child = spawn(argv[0], argv.slice(1), { env, cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const done = new Promise((res) => {
    let exitedAt;
    child.once('exit', () => (exitedAt = now()));
    child.once('close', (code) => res({ code, at: exitedAt ?? now(), stdout, stderr }));
  });
  return { child, done, stderr: () => stderr };
}

// True once the process holds an inotify descriptor: an `orch-tmux wait` is watching the run's folders.
function watching(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:inotify'; } catch { return false; } });
  } catch {
    return false;
  }
}

async function until(check, what, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

// The agent-exit.time stamps (bash's $EPOCHREALTIME right after the agent exited), in ms.
const stampsOf = (dirs) => dirs.map((d) => Number(readFileSync(join(d, 'agent-exit.time'), 'utf8')) * 1000);

/** One orch-tmux trial: { waits: ms after the last exit for each wait, missed: fallback wakes that found a change }. */
async function orchTrial(w, n, t) {
  const made = start([process.execPath, cliPath, 'new', '--json', '--name', `w${w}-n${n}-t${t}`]);
  const run = JSON.parse((await made.done).stdout);
  const gate = `g-${w}-${n}-${t}`;
  const names = Array.from({ length: w }, (_, i) => `w${i}`);
  const launched = await start([process.execPath, join(root, 'scripts', 'bench', 'launch-lib.mjs'), JSON.stringify({ dist: join(root, 'dist'), run: run.id, agent: stamped, workers: names.map((name) => ({ name, prompt: `[[gate:${gate}]] [[reply:done ${name}]]` })) })]).done;
  if (launched.code !== 0) throw new Error(`launch-lib: ${launched.stderr.slice(-1000)}`);
  const waits = Array.from({ length: n }, () => start([process.execPath, cliPath, 'wait', run.id, '--timeout', '120', '--json']));
  await until(() => waits.every((p) => watching(p.child.pid)), `${n} waits to watch`);
  writeFileSync(join(gates, gate), '');
  const outs = await Promise.all(waits.map((p) => p.done));
  const last = Math.max(...stampsOf(names.map((name) => join(run.dir, 'workers', name))));
  const missed = outs.reduce((sum, o) => sum + (JSON.parse(o.stdout).missedWakeups ?? 0), 0);
  tmux('kill-session', '-t', `=${run.session}`);
  return { waits: outs.map((o) => o.at - last), missed };
}

/** One baseline trial: the same agents bare in windows (remain-on-exit), N 500 ms pollers; ms after the last exit for each poller. */
async function pollerTrial(w, n, t) {
  const session = `bare-${w}-${n}-${t}`;
  const gate = `b-${w}-${n}-${t}`;
  // The exit also shows on the screen ("[agent exited N]"), as an agent's end does: in some trials here the
  // pollers never saw tmux's remain-on-exit line on 7 of 8 panes (tmux 3.3a; cause not found).
  const script = 'fake-agent --last-message "$1" - < "$3"; c=$?; printf "%s\\n" "$EPOCHREALTIME" > "$2"; printf "[agent exited %s]\\n" "$c"; exit $c';
  const dirs = Array.from({ length: w }, (_, i) => {
    const dir = join(tmp, session, `w${i}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'prompt.md'), `[[gate:${gate}]] [[reply:done]]`);
    return dir;
  });
  const make = [['new-session', '-d', '-s', session, '-x', '200', '-y', '50'], ...dirs.map((dir) => ['new-window', '-d', '-P', '-F', '#{pane_id}', '-t', `=${session}:`, '-c', dir,
    'bash', '-c', script, 'bare-agent', join(dir, 'last.txt'), join(dir, 'agent-exit.time'), join(dir, 'prompt.md')])];
  const panes = tmux(...make.flatMap((cmd, i) => (i ? [';', ...cmd] : cmd))).stdout.trim().split('\n');
  tmux(...panes.flatMap((p, i) => [...(i ? [';'] : []), 'set-option', '-w', '-t', p, 'remain-on-exit', 'on']));
  const pollers = Array.from({ length: n }, () => start([process.execPath, join(root, 'scripts', 'bench', 'poller.mjs'), JSON.stringify({ socket, panes, mode: 'notice', intervalMs: 500, timeoutMs: 120_000 })]));
  // Each poller is up and has swept once (its first sweep hashes every pane) before the agents go on.
  await until(() => pollers.every((p) => p.stderr().includes('ready')), `${n} pollers`);
  await sleep(1000);
  writeFileSync(join(gates, gate), '');
  const outs = await Promise.all(pollers.map((p) => p.done));
  const last = Math.max(...stampsOf(dirs));
  tmux('kill-session', '-t', `=${session}`);
  return outs.map((o) => {
    const seen = Object.values(JSON.parse(o.stdout).notices);
    if (seen.length !== panes.length) process.stderr.write(`poller missed: ${o.stdout.slice(0, 300)}\n`);
    return seen.length === panes.length ? Math.max(...seen) - last : Infinity;
  });
}

// Median and max in ms (null: a waiter never saw it).
const summary = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const v = (x) => (Number.isFinite(x) ? Math.round(x) : null);
  return { n: s.length, median: v(s[Math.floor((s.length - 1) / 2)]), max: v(s.at(-1)) };
};
const fmt = ({ median, max }) => `${median ?? 'never'} / ${max ?? 'never'} ms`;

try {
  spawnSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'keepalive'], { env });
  const rows = [];
  const figures = {};
  for (const w of list(values.workers)) {
    for (const n of list(values.waiters)) {
      const orch = [];
      const base = [];
      let missed = 0;
      for (let t = 0; t < trials; t++) {
        process.stderr.write(`waiters: ${w} workers, ${n} waits, trial ${t + 1}/${trials}\n`);
        const o = await orchTrial(w, n, t);
        orch.push(...o.waits);
        missed += o.missed;
        base.push(...(await pollerTrial(w, n, t)));
      }
      const f = { wait: summary(orch), missedWakeups: missed, poller500: summary(base) };
      (figures[w] ??= {})[n] = f;
      rows.push([`${w} workers, ${n} concurrent wait${n > 1 ? 's' : ''}`, fmt(f.wait), String(missed), fmt(f.poller500)]);
    }
  }
  const head = ['Last exit -> each waiter returns', 'orch-tmux wait: median / max', 'missed wake-ups', '500 ms poller: median / max'];
  const all = [head, ...rows];
  const width = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
  if (values.json) console.log(JSON.stringify({ trials, figures }));
  else console.log(`\n${trials} trials each (samples: one per waiter per trial)\n\n${[line(head), `|${width.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...rows.map(line)].join('\n')}`);
} finally {
  spawnSync('tmux', ['-L', socket, 'kill-server'], { env });
  rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
  rmSync(tmp, { recursive: true, force: true });
}
