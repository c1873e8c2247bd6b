// Helpers for scripts/bench.mjs: clocks, statistics, /proc readers, and timed child processes.
// Only node: builtins, so helper processes (poller, launcher) start as fast as Node can.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A benchmark's private world: a temp folder, a tmux socket name, and an environment rooted in the folder
 *  (HOME, state, runs, config, the fake agent's sessions and gates) with the fake agent first on PATH. */
export function privateBench(name) {
  const tmp = realpathSync(mkdtempSync(join(tmpdir(), `orch-bench-${name}-`)));
  const socket = `orch-bench-${randomBytes(4).toString('hex')}`;
  const env = {
    PATH: `${join(root, 'test', 'fixtures', 'bin')}:${process.env.PATH}`, HOME: join(tmp, 'home'), TMPDIR: tmp, SHELL: '/bin/sh', LANG: 'C.UTF-8',
    ORCH_TMUX_SOCKET: socket, ORCH_TMUX_HOME: join(tmp, 'state'), ORCH_TMUX_RUNS: join(tmp, 'runs'), XDG_CONFIG_HOME: join(tmp, 'config'),
    FAKE_AGENT_HOME: join(tmp, 'fake'), FAKE_AGENT_GATES: join(tmp, 'gates'),
  };
  mkdirSync(env.HOME, { recursive: true });
  mkdirSync(env.FAKE_AGENT_GATES, { recursive: true });
  return { tmp, socket, env };
}

/** Wall-clock milliseconds with sub-millisecond resolution (same clock as Date.now and bash $EPOCHREALTIME). */
export function now() {
  return performance.timeOrigin + performance.now();
}

/** A promise that resolves after ms. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Linear-interpolated percentile (like numpy's default) of numbers; undefined for none. */
export function percentile(values, p) {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const i = (xs.length - 1) * p;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return xs[lo] + (xs[hi] - xs[lo]) * (i - lo);
}

/** median, p95, min, max, mean and n of a list of numbers, rounded to `digits`. */
export function stats(values, digits = 1) {
  const xs = values.filter((v) => Number.isFinite(v));
  const r = (v) => (v === undefined ? null : Number(v.toFixed(digits)));
  if (xs.length === 0) return { n: 0, median: null, p95: null, min: null, max: null, mean: null };
  return {
    n: xs.length,
    median: r(percentile(xs, 0.5)),
    p95: r(percentile(xs, 0.95)),
    min: r(Math.min(...xs)),
    max: r(Math.max(...xs)),
    mean: r(xs.reduce((a, b) => a + b, 0) / xs.length),
  };
}

// USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every Linux we run on; see `getconf CLK_TCK`).
export const CLK_TCK = 100;

/** CPU seconds of one process from /proc/<pid>/stat: own (utime+stime) and reaped children (cutime+cstime). */
export function procCpu(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces and parentheses: split after its closing parenthesis.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const tick = (i) => Number(f[i - 3]) / CLK_TCK;
    return { self: tick(14) + tick(15), children: tick(16) + tick(17), ppid: Number(f[1]), comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')) };
  } catch {
    return undefined;
  }
}

/** VmRSS of a process in kB (/proc/<pid>/status); undefined when it is gone. */
export function procRssKb(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Rss, Pss and private (unshared) memory in kB from /proc/<pid>/smaps_rollup. */
export function procSmapsKb(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const get = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { rss: get('Rss'), pss: get('Pss'), private: get('Private_Clean') + get('Private_Dirty') };
  } catch {
    return undefined;
  }
}

/** Pids of every process whose parent is ppid and whose comm is `comm` (e.g. the tmux server's `cat`s). */
export function childrenOf(ppid, comm) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const c = procCpu(d);
    if (c && c.ppid === ppid && (!comm || c.comm === comm)) out.push(Number(d));
  }
  return out;
}

/** The 1-minute load average (the machine is shared: recorded with every section). */
export function loadAvg() {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

/** Pids of the processes run() started that have not exited yet (the bench ends them by pid on cleanup). */
export const running = new Set();

/**
 * Runs argv (never a shell for the argv itself) and resolves when it exits: start/exit wall times taken
 * in this process, exit code, stdout and stderr. Used where the bench's own clock is the measure.
 */
export function run(argv, { env, cwd, input, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    if (child.pid) running.add(child.pid);
    child.once('exit', () => running.delete(child.pid));
    let stdout = '';
    let stderr = '';
    let tExit;
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('exit', () => (tExit = now()));
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ t0, t1: tExit ?? now(), ms: (tExit ?? now()) - t0, code, signal, stdout, stderr, pid: child.pid });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

// bash measures the command itself: wall time from $EPOCHREALTIME around it (no bash start-up inside),
// and the CPU of the command and every descendant it reaped (`times`, i.e. getrusage(RUSAGE_CHILDREN)).
const TIMED = 's=$EPOCHREALTIME; "${@:2}" >"$1"; c=$?; e=$EPOCHREALTIME; printf "%s %s %s\\n" "$s" "$e" "$c"; times';

/** Runs argv under bash's clock and `times`: { ms, cpu (user+sys s of it and its reaped descendants), code, stdout }. */
export async function runTimed(argv, outFile, o = {}) {
  const r = await run(['bash', '-c', TIMED, 'timed', outFile, ...argv], o);
  const lines = r.stdout.trim().split('\n');
  const [s, e, c] = lines[0].split(' ').map(Number);
  const secs = (t) => { const m = /(\d+)m([\d.]+)s/.exec(t); return m ? Number(m[1]) * 60 + Number(m[2]) : NaN; };
  const [cu, cs] = (lines[2] ?? '').trim().split(/\s+/).map(secs);
  let stdout = '';
  try { stdout = readFileSync(outFile, 'utf8'); } catch { /* none */ }
  return { ms: (e - s) * 1000, start: s * 1000, end: e * 1000, cpu: cu + cs, code: c, stdout, stderr: r.stderr };
}

/** Reads a worker's files: worker.json, and the agent's exit stamp the bench profile writes (ms). */
export function readWorkerFiles(workerDir) {
  const rec = JSON.parse(readFileSync(join(workerDir, 'worker.json'), 'utf8'));
  let exitAt;
  try { exitAt = Number(readFileSync(join(workerDir, 'agent-exit.time'), 'utf8').trim()) * 1000; } catch { /* not yet */ }
  return { rec, exitAt };
}

/** RSS in MB of a program once it prints `ready` (and 300 ms more), or null. The program runs in a process
 *  group of its own, killed whole afterwards: a child it started (a shell's `sleep`) would otherwise keep
 *  running and hold the pipe open, and the benchmark would never exit. */
export function probeRss(argv, { cwd, waitMs = 10_000 } = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'], cwd, detached: true });
    let seen = false;
    const done = () => {
      clearTimeout(giveUp);
      const kb = procRssKb(child.pid);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      child.stdout.destroy();
      resolvePromise(kb === undefined ? null : Number((kb / 1024).toFixed(1)));
    };
    const giveUp = setTimeout(() => { if (!seen) { seen = true; done(); } }, waitMs);
    child.stdout.on('data', (d) => { if (!seen && String(d).includes('ready')) { seen = true; setTimeout(done, 300); } });
  });
}
