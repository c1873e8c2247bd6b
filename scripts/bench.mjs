#!/usr/bin/env node
// Benchmarks: orch-tmux against the capture-and-hash polling today's tmux agent tools do, side by side.
// `npm run bench` (full: 1,000 sends, more trials) or `npm run bench -- --quick` (fewer trials, 100 sends: the
// short run; on a 2-core machine busy with other work it takes ~5 min, see meta.cpuSeconds). Everything runs on a
// private tmux server (-L orch-bench-<random>, -f /dev/null) with its own state folders in a temp dir,
// and the fake agent (test/fixtures/fake-agent.mjs) so the agent's own time is known. Prints a table and
// writes bench/results.json (median and p95 of every figure, baseline figures from the same run).
// Targets are reported PASS/MISS; the script never fails on them. Options: --quick, --only a,b (sections:
// startup launch notice pool send waiters ended), --keep (keep the temp dir), --json (print results.json too).
import { $, argv, fs, path, os } from 'zx';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { syncDoc, tableOf, targetsOf } from './bench/report.mjs';
import { childrenOf, loadAvg, now, procCpu, procRssKb, procSmapsKb, probeRss, readWorkerFiles, run, runTimed, running, sleep, stats } from './bench/lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node = process.execPath;
const helper = (name) => path.join(root, 'scripts', 'bench', name);
const fakeProfile = path.join(root, 'test', 'fixtures', 'agents', 'fake.yaml');
const fakeTuiProfile = path.join(root, 'test', 'fixtures', 'agents', 'fake-tui.yaml');
const stampedProfile = helper('fake-stamped.yaml');

const QUICK = Boolean(argv.quick);
const ONLY = argv.only ? new Set(String(argv.only).split(',')) : undefined;
const want = (s) => !ONLY || ONLY.has(s);
const C = QUICK
  ? { startup: 5, launch: { 1: 2, 4: 2, 16: 1, 32: 1 }, notice: { 1: 2, 8: 1, 32: 1 }, gapMs: 130, pool: [8, 32, 64], passes: 3, changed: 1, sweeps: 2, watchS: 5, watchAt: [64], status: 1, send: 100, waiterTrials: 2 }
  : { startup: 10, launch: { 1: 8, 4: 8, 16: 2, 32: 2 }, notice: { 1: 8, 8: 3, 32: 2 }, gapMs: 130, pool: [8, 32, 64], passes: 6, changed: 3, sweeps: 6, watchS: 30, watchAt: [8, 64], status: 3, send: 1000, waiterTrials: 5 };

// --launch 1:3,4:3 / --notice 1:5 override a section's worker counts and trials (for a closer look).
for (const key of ['launch', 'notice']) {
  if (typeof argv[key] === 'string') C[key] = Object.fromEntries(argv[key].split(',').map((x) => x.split(':').map(Number)));
}
if (argv['send-count']) C.send = Number(argv['send-count']);

if (!fs.existsSync(path.join(root, 'dist', 'cli.js'))) {
  process.stderr.write('bench: dist/cli.js is missing: run `npm run build` first (npm run bench does)\n');
  process.exit(2);
}

// ---------- the private server, its environment, and cleanup ----------
const socket = `orch-bench-${randomBytes(5).toString('hex')}`;
const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'orch-bench-')));
const baseEnv = { ...process.env, NO_COLOR: '1' };
for (const k of ['TMUX', 'TMUX_PANE', 'ORCH_TMUX_WORKER', 'ORCH_TMUX_AGENT']) delete baseEnv[k];
Object.assign(baseEnv, {
  PATH: `${path.join(root, 'test', 'fixtures', 'bin')}:${process.env.PATH}`,
  ORCH_TMUX_SOCKET: socket,
  ORCH_TMUX_HOME: path.join(tmp, 'state'),
  ORCH_TMUX_RUNS: path.join(tmp, 'runs'),
  FAKE_AGENT_HOME: path.join(tmp, 'fake-sessions'),
  XDG_CONFIG_HOME: path.join(tmp, 'config'),
  XDG_STATE_HOME: path.join(tmp, 'xdg-state'),
  // A HOME of its own: zx runs bash with a socket as stdin, and bash then reads ~/.bashrc (a pyenv rehash
  // waiting on a stale lock made every call take seconds here).
  HOME: path.join(tmp, 'home'),
});
mkdirSync(path.join(tmp, 'home'));
const work = path.join(tmp, 'work');
mkdirSync(work);
// A snapshot of the built package (dist, templates, package.json; node_modules linked), so a rebuild of
// dist/ by someone else during the run cannot change the code under test halfway. Runner windows use the
// snapshot too (src/os/package.ts finds the runner next to the CLI).
const pkg = path.join(tmp, 'pkg');
const CHECK_IMPORTS = `import { readdirSync } from 'node:fs'; import { join } from 'node:path';
const files = readdirSync(process.argv[1], { recursive: true }).filter((f) => f.endsWith('.js') && !f.endsWith('-main.js') && f !== 'cli.js');
for (const f of files) await import(join(process.argv[1], f));`;
async function snapshotPackage() {
  for (let attempt = 1; ; attempt++) {
    fs.rmSync(pkg, { recursive: true, force: true });
    mkdirSync(pkg);
    for (const item of ['dist', 'templates', 'scripts', 'package.json']) fs.cpSync(path.join(root, item), path.join(pkg, item), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'));
    // Every module must link (a copy taken in the middle of someone's tsc run may not); the programs
    // (cli.js, *-main.js) run when imported, so they are not.
    const check = await $`node --input-type=module -e ${CHECK_IMPORTS} ${path.join(pkg, 'dist')}`.nothrow();
    if (check.exitCode === 0) return;
    if (attempt === 5) throw new Error(`the built package does not load: ${check.stderr.slice(-500)}`);
    process.stderr.write('bench: dist/ is being rebuilt, copying again in 5 s\n');
    await sleep(5000);
  }
}
const cli = path.join(pkg, 'dist', 'cli.js');
const dist = path.join(pkg, 'dist');
$.env = baseEnv;
$.cwd = work;
$.verbose = false;
$.quiet = true;

/** Each section has its own state home (index) and runs folder, so one section's runs never count in another's. */
function sectionEnv(name) {
  return { ...baseEnv, ORCH_TMUX_HOME: path.join(tmp, name, 'state'), ORCH_TMUX_RUNS: path.join(tmp, name, 'runs') };
}

const tmux = (...args) => $`tmux -L ${socket} ${args}`;
const started = new Set(); // pids of long-lived helpers we started (ended by pid on cleanup)
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const pid of [...started, ...running]) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  await $`tmux -L ${socket} kill-server`.nothrow();
  const uid = process.getuid?.() ?? 0;
  fs.rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${uid}`, socket), { force: true });
  if (!argv.keep) fs.rmSync(tmp, { recursive: true, force: true });
  else process.stderr.write(`bench: kept ${tmp}\n`);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { cleanup().finally(() => process.exit(130)); });
}

const log = (text) => process.stderr.write(`bench: ${text}\n`);
const results = {
  meta: {
    date: new Date().toISOString(), quick: QUICK, node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model,
    memGB: Math.round(os.totalmem() / 2 ** 30), loadavg: {}, tmux: '', commit: '',
  },
  figures: {},
  notes: [],
};
const fig = (key, value) => { results.figures[key] = value; return value; };
const ms = (values) => stats(values, 1);

// ---------- shared helpers ----------
async function serverPid() {
  return Number((await tmux('display-message', '-p', '#{pid}')).stdout.trim());
}

/** Runs the library helper (create a run and/or start workers); returns its JSON. */
async function lib(env, spec) {
  const r = await run([node, helper('launch-lib.mjs'), JSON.stringify({ dist, ...spec })], { env, cwd: work, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`launch-lib failed (${r.code}): ${r.stderr.slice(-2000)}`);
  return { ...JSON.parse(r.stdout.trim().split('\n').pop()), t0: r.t0, t1: r.t1 };
}

async function killSession(session) {
  await tmux('kill-session', '-t', `=${session}`).nothrow();
}

function workerDir(runDir, name) {
  return path.join(runDir, 'workers', name);
}

// ---------- 0. Node start-up ----------
async function benchStartup() {
  log('startup: node dist/cli.js --version');
  const version = [];
  const bare = [];
  for (let i = 0; i < C.startup; i++) {
    version.push((await run([node, cli, '--version'], { env: baseEnv, cwd: work })).ms);
    bare.push((await run([node, '-e', '0'], { env: baseEnv, cwd: work })).ms);
  }
  // The floor under every event path: one short-lived tmux client (spawn -> exit), and a wake-up
  // (`tmux wait-for -S` issued -> a blocked `tmux wait-for` client has exited).
  const client = [];
  const wake = [];
  for (let i = 0; i < C.startup * 2; i++) client.push((await run(['tmux', '-L', socket, 'display-message', '-p', 'x'], { env: baseEnv })).ms);
  for (let i = 0; i < C.startup; i++) {
    const ch = `bench-wake-${i}`;
    const waiter = run(['tmux', '-L', socket, 'wait-for', ch], { env: baseEnv });
    await sleep(150);
    const t0 = now();
    await run(['tmux', '-L', socket, 'wait-for', '-S', ch], { env: baseEnv });
    wake.push((await waiter).t1 - t0);
  }
  // Node start-up in CPU (robust to a busy machine): the CLI up to --version (its eager imports), the
  // settle step up to its usage message (all its imports: it runs once per finished attempt, after the
  // agent), and bare node. The window's runner is sh: its CPU is measured in the launch section.
  const cpuOf = async (argv) => {
    const xs = [];
    for (let i = 0; i < C.startup; i++) xs.push((await runTimed(argv, path.join(tmp, 'cpu.out'), { env: baseEnv, cwd: work })).cpu);
    return stats(xs, 3);
  };
  fig('startup', {
    cliVersionMs: ms(version), nodeBareMs: ms(bare), tmuxClientMs: ms(client), tmuxWakeMs: ms(wake),
    cliVersionCpuS: await cpuOf([node, cli, '--version']), settleImportCpuS: await cpuOf([node, path.join(dist, 'supervise', 'settle-main.js')]), nodeBareCpuS: await cpuOf([node, '-e', '0']),
  });
}

// ---------- 2. fan-out launch ----------
async function benchLaunch() {
  const env = sectionEnv('launch');
  const sPid = await serverPid();
  const out = {};
  const runnerCpu = (dir, names) => names.map((name) => procCpu(readWorkerFiles(workerDir(dir, name)).rec.runnerPid)?.self ?? NaN);
  for (const [nStr, trials] of Object.entries(C.launch)) {
    const n = Number(nStr);
    const names = Array.from({ length: n }, (_, i) => `w${i}`);
    const cliMs = [];
    const cliCpu = [];
    const oneCliMs = [];
    const oneCliCpu = [];
    const libMs = [];
    const libCpu = [];
    const libInProcessMs = [];
    const libBootMs = [];
    const createdToStarted = [];
    const runnerStartCpu = [];
    const pre = (await lib(env, { name: `launch-${n}`, newRuns: 3 * trials })).runs;
    const prompt = path.join(tmp, 'launch-hang.md');
    writeFileSync(prompt, '[[hang]]');
    for (let t = 0; t < trials; t++) {
      log(`launch: ${n} workers, trial ${t + 1}/${trials}`);
      // N parallel `orch-tmux spawn` processes: the first command's start -> the last one returned
      // (each returns once its agent runs). CPU: the spawns (with their tmux clients), the runners, the tmux server.
      const made = pre[3 * t];
      let s0 = procCpu(sPid).self;
      const rs = await Promise.all(names.map((name, i) =>
        runTimed([node, cli, 'spawn', made.run, name, '--prompt', '[[hang]]', '--agent', fakeProfile, '--json'], path.join(tmp, `spawn-${i}.out`), { env, cwd: work })));
      const bad = rs.filter((r) => r.code !== 0);
      if (bad.length) throw new Error(`spawn failed: ${bad[0].stderr}`);
      cliMs.push(Math.max(...rs.map((r) => r.end)) - Math.min(...rs.map((r) => r.start)));
      let runners = runnerCpu(made.dir, names);
      cliCpu.push((rs.reduce((a, r) => a + r.cpu, 0) + runners.reduce((a, b) => a + b, 0) + procCpu(sPid).self - s0) / n);
      runnerStartCpu.push(...runners);
      for (const name of names) {
        const { rec } = readWorkerFiles(workerDir(made.dir, name));
        if (rec.state !== 'running') throw new Error(`worker ${name} is ${rec.state} after spawn returned`);
        createdToStarted.push(Date.parse(rec.startedAt) - Date.parse(rec.createdAt));
      }
      await killSession(made.session);
      // The library in one process: process start -> every spawnWorker resolved.
      const m2 = pre[3 * t + 1];
      s0 = procCpu(sPid).self;
      const r = await runTimed([node, helper('launch-lib.mjs'), JSON.stringify({ dist, run: m2.run, agent: fakeProfile, workers: names.map((name) => ({ name, prompt: '[[hang]]' })) })], path.join(tmp, 'launch-lib.out'), { env, cwd: work, timeoutMs: 300_000 });
      if (r.code !== 0) throw new Error(`launch-lib failed: ${r.stderr}`);
      const l = JSON.parse(r.stdout);
      if (Object.values(l.states).some((s) => s !== 'running')) throw new Error(`library launch: not all running: ${JSON.stringify(l.states)}`);
      runners = runnerCpu(m2.dir, names);
      libMs.push(l.tAllRunning - r.start);
      libCpu.push((r.cpu + runners.reduce((a, b) => a + b, 0) + procCpu(sPid).self - s0) / n);
      libInProcessMs.push(l.tAllRunning - l.tLaunch);
      libBootMs.push(l.tImported - r.start);
      await killSession(m2.session);
      // One `orch-tmux spawn --worker a=F --worker b=F ...`: command start -> it returned (every agent running).
      const m3 = pre[3 * t + 2];
      s0 = procCpu(sPid).self;
      const one = await runTimed([node, cli, 'spawn', m3.run, ...names.flatMap((name) => ['--worker', `${name}=${prompt}`]), '--agent', fakeProfile, '--json'], path.join(tmp, 'spawn-one.out'), { env, cwd: work, timeoutMs: 300_000 });
      if (one.code !== 0) throw new Error(`spawn --worker failed: ${one.stderr}`);
      for (const name of names) if (readWorkerFiles(workerDir(m3.dir, name)).rec.state !== 'running') throw new Error(`worker ${name} is not running after spawn --worker returned`);
      runners = runnerCpu(m3.dir, names);
      oneCliMs.push(one.ms);
      oneCliCpu.push((one.cpu + runners.reduce((a, b) => a + b, 0) + procCpu(sPid).self - s0) / n);
      await killSession(m3.session);
    }
    // Node start-up's share: CPU of a CLI start (to --version) against the CPU per launched worker (the
    // runner is sh); one `spawn --worker ...` and the library pay one CLI-like start for all n workers.
    const S0 = results.figures.startup;
    const cliStart = S0?.cliVersionCpuS?.median;
    const perCli = stats(cliCpu, 3).median;
    const perLib = stats(libCpu, 3).median;
    out[n] = {
      oneCliSpawnMs: ms(oneCliMs), oneCliCpuSPerWorker: stats(oneCliCpu, 3),
      nodeStartShareCli: cliStart ? Number((cliStart / perCli).toFixed(2)) : null,
      nodeStartShareLibrary: cliStart ? Number((cliStart / n / perLib).toFixed(2)) : null,
      nodeStartShareCliWall: S0 ? Number((S0.cliVersionMs.median / stats(cliMs).median).toFixed(2)) : null,
      cliSpawnMs: ms(cliMs), cliCpuSPerWorker: stats(cliCpu, 3), libraryMs: ms(libMs), libraryCpuSPerWorker: stats(libCpu, 3),
      libraryInProcessMs: ms(libInProcessMs), libraryBootMs: ms(libBootMs), runnerStartCpuS: stats(runnerStartCpu, 3), createdToAgentStartedMs: ms(createdToStarted),
    };
  }
  fig('launch', out);
}

// ---------- 1. completion notice ----------
// Agents exit at known, staggered moments: worker i sleeps base + i*gap ms, then the bench profile's bash
// wrapper stamps $EPOCHREALTIME right after the agent process exits (agent-exit.time).
function sleeps(n, base) {
  return Array.from({ length: n }, (_, i) => base + i * C.gapMs);
}

async function waitForFile(file, timeoutMs) {
  const deadline = now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (now() > deadline) throw new Error(`timed out waiting for ${file}`);
    await sleep(20);
  }
}

async function benchNotice() {
  const env = sectionEnv('notice');
  const out = {};
  const startupMs = results.figures.startup?.cliVersionMs?.median ?? 500;
  let baseSession = 0;
  for (const [nStr, trials] of Object.entries(C.notice)) {
    const n = Number(nStr);
    // Every agent must still be working when the waiters are up: the launch of n workers plus a start-up margin.
    const L = results.figures.launch;
    const launchMs = L?.[n]?.libraryMs?.max ?? (L?.[32]?.libraryMs?.max ?? 32 * 300) * (n / 32);
    const base = Math.round(Math.max(1500, launchMs * 1.2 + 2 * startupMs));
    // The bare agents of the baseline start in one tmux call, so they need less head start; exits keep the same spacing.
    const baseBare = Math.round(1500 + n * 60);
    const waitLib = [];
    const waitCli = [];
    const resultOnDisk = [];
    const endedAtMs = [];
    const poll = [];
    const runStatusMs = [];
    let dropped = 0;
    const pre = (await lib(env, { name: `notice-${n}`, newRuns: trials })).runs;
    for (let t = 0; t < trials; t++) {
      log(`notice: ${n} workers, trial ${t + 1}/${trials} (agents exit ${base}..${base + (n - 1) * C.gapMs} ms after start)`);
      // orch-tmux: the library's wait loop (per worker: when it first sees the worker finished), and one
      // `orch-tmux wait <run>` CLI process (the last exit -> it returns).
      const made = pre[t];
      const ready = path.join(tmp, `notice-${n}-${t}.ready`);
      const names = Array.from({ length: n }, (_, i) => `w${i}`);
      const S = sleeps(n, base);
      const libP = lib(env, { run: made.run, agent: stampedProfile, wait: true, readyFile: ready, workers: names.map((name, i) => ({ name, prompt: `[[sleep:${S[i]}]] [[reply:done ${name}]]` })) });
      await Promise.race([waitForFile(ready, 300_000), libP]);
      // result.md is renamed into place (write temp, rename): inotify tells the moment it lands.
      const resultAt = {};
      const watchers = names.map((name) => fs.watch(workerDir(made.dir, name), (_event, file) => {
        if (file === 'result.md' && resultAt[name] === undefined) resultAt[name] = now();
      }));
      const cliStart = now();
      const cliP = run([node, cli, 'wait', made.run, '--timeout', '300', '--json'], { env, cwd: work, timeoutMs: 320_000 });
      const [l, c] = await Promise.all([libP, cliP]);
      watchers.forEach((w) => w.close());
      runStatusMs.push(...(l.runStatusMs ?? []));
      const exits = names.map((name) => ({ name, ...readWorkerFiles(workerDir(made.dir, name)) }));
      for (const e of exits) {
        if (!e.exitAt) throw new Error(`no exit stamp for ${e.name} (${e.rec.state}: ${e.rec.reason ?? ''})`);
        if (e.exitAt < l.tAllRunning) { dropped++; continue; } // exited before the waiter was up: not a notice
        waitLib.push(l.notices[e.name] - e.exitAt);
        if (resultAt[e.name] !== undefined) resultOnDisk.push(resultAt[e.name] - e.exitAt);
        endedAtMs.push(Date.parse(e.rec.endedAt) - e.exitAt);
      }
      const lastExit = Math.max(...exits.map((e) => e.exitAt));
      const firstExit = Math.min(...exits.map((e) => e.exitAt));
      if (c.code !== 0) throw new Error(`orch-tmux wait exited ${c.code}: ${c.stderr}`);
      if (firstExit > cliStart + 2 * startupMs) waitCli.push(c.t1 - lastExit);
      else dropped++;
      await killSession(made.session);

      // Baseline: the same agents, bare in tmux windows (remain-on-exit), watched by the 500 ms poller.
      const session = `base-${n}-${baseSession++}`;
      const script = 'fake-agent --last-message "$1" - < "$3"; c=$?; printf "%s\\n" "$EPOCHREALTIME" > "$2"; exit $c';
      const SB = sleeps(n, baseBare);
      const dirs = names.map((name, i) => {
        const dir = path.join(tmp, session, name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, 'prompt.md'), `[[sleep:${SB[i]}]] [[reply:done ${name}]]`);
        return dir;
      });
      // One tmux client makes the session and every window; a second sets remain-on-exit on each.
      const make = [['new-session', '-d', '-s', session, '-x', '200', '-y', '50'], ...dirs.map((dir) => ['new-window', '-d', '-P', '-F', '#{pane_id}', '-t', `=${session}:`, '-c', dir,
        'bash', '-c', script, 'bare-agent', path.join(dir, 'last.txt'), path.join(dir, 'agent-exit.time'), path.join(dir, 'prompt.md')])];
      const made2 = await run(['tmux', '-L', socket, ...make.flatMap((cmd, i) => (i ? [';', ...cmd] : cmd))], { env: baseEnv });
      const panes = made2.stdout.trim().split('\n');
      if (made2.code !== 0 || panes.length !== n) throw new Error(`baseline windows: ${made2.stderr}`);
      await run(['tmux', '-L', socket, ...panes.flatMap((p, i) => [...(i ? [';'] : []), 'set-option', '-w', '-t', p, 'remain-on-exit', 'on'])], { env: baseEnv });
      const p = await run([node, helper('poller.mjs'), JSON.stringify({ socket, panes, mode: 'notice', intervalMs: 500, timeoutMs: SB.at(-1) + 30_000 })], { env: baseEnv, cwd: work, timeoutMs: SB.at(-1) + 60_000 });
      const pr = JSON.parse(p.stdout);
      if (Object.keys(pr.unseen ?? {}).length) {
        const state = (await run(['tmux', '-L', socket, 'list-panes', '-s', '-t', `=${session}`, '-F', '#{pane_id} dead=#{pane_dead} status=#{pane_dead_status} pid=#{pane_pid}'], { env: baseEnv })).stdout;
        results.notes.push({ section: 'notice', n, trial: t, pollerMissed: pr.unseen, panes: state, stamps: panes.map((p, i) => `${p}:${fs.existsSync(path.join(dirs[i], 'agent-exit.time'))}`).join(' ') });
      }
      panes.forEach((pane, i) => {
        let exitAt;
        try { exitAt = Number(readFileSync(path.join(dirs[i], 'agent-exit.time'), 'utf8')) * 1000; } catch { return; }
        if (exitAt < pr.tStart) { dropped++; return; } // exited before the poller ran
        if (pr.notices[pane] !== undefined) poll.push(pr.notices[pane] - exitAt);
      });
      await killSession(session);
    }
    out[n] = {
      agentSleepMs: { first: base, last: base + (n - 1) * C.gapMs, gap: C.gapMs, bareFirst: baseBare },
      waitLibraryPerWorkerMs: ms(waitLib), waitCliLastExitMs: ms(waitCli), resultOnDiskMs: ms(resultOnDisk), endedAtMs: ms(endedAtMs), runStatusMs: ms(runStatusMs),
      baselinePoll500Ms: ms(poll), dropped,
    };
  }
  fig('notice', out);
}

// ---------- 8. every waiter hears every finish (scripts/bench/waiters.mjs, its own private server) ----------
async function benchWaiters() {
  log('waiters: last exit -> each of N concurrent waits returns (scripts/bench/waiters.mjs)');
  const r = await run([node, helper('waiters.mjs'), '--trials', String(C.waiterTrials), '--json'], { env: process.env, cwd: root, timeoutMs: 1_800_000 });
  if (r.code !== 0) throw new Error(`waiters.mjs exited ${r.code}: ${r.stderr.slice(-1000)}`);
  fig('waiters', JSON.parse(r.stdout.trim().split('\n').pop()));
}

// ---------- 3-6. a pool of idle workers: monitor passes, memory, watching cost, status ----------
async function monitorPass(env, sPid) {
  const c0 = procCpu(sPid)?.self ?? 0;
  const r = await runTimed([node, cli, 'monitor', '--once', '--json'], path.join(tmp, 'monitor.out'), { env, cwd: work });
  const serverCpu = (procCpu(sPid)?.self ?? 0) - c0;
  if (r.code !== 0) throw new Error(`monitor failed (${r.code}): ${r.stderr}`);
  const rep = JSON.parse(r.stdout);
  const ws = rep.runs.flatMap((x) => x.workers);
  return { ms: r.ms, cpu: r.cpu, serverCpu, tmuxCalls: rep.tmuxCalls, captured: ws.filter((w) => w.captured).length, workers: ws.length, actions: rep.actions };
}

async function paneTtys(panes) {
  const rows = (await tmux('list-panes', '-a', '-F', '#{pane_id} #{pane_tty}')).stdout.trim().split('\n').map((l) => l.split(' '));
  const byPane = new Map(rows);
  return panes.map((p) => byPane.get(p)).filter(Boolean);
}

async function benchPool() {
  const env = sectionEnv('pool');
  const sPid = await serverPid();
  const runs = [];
  const workers = []; // { run, name, dir, pane, runnerPid, agentPid }
  const monitor = {};
  const memory = {};
  const watch = {};
  for (const size of C.pool) {
    // Runs of 8 hanging workers each, started by the library (runs in parallel, at most 4 helpers at a time).
    log(`pool: starting workers ${workers.length + 1}..${size}`);
    const more = (size - workers.length) / 8;
    for (let k = 0; k < more; k += 4) {
      const batch = await Promise.all(Array.from({ length: Math.min(4, more - k) }, () =>
        lib(env, { name: 'pool', agent: fakeProfile, workers: Array.from({ length: 8 }, (_, i) => ({ name: `w${i}`, prompt: '[[hang]]' })) })));
      for (const l of batch) {
        runs.push(l);
        for (let i = 0; i < 8; i++) {
          const dir = workerDir(l.dir, `w${i}`);
          const { rec } = readWorkerFiles(dir);
          workers.push({ run: l.run, name: `w${i}`, dir, pane: rec.paneId, runnerPid: rec.runnerPid, agentPid: rec.agentPid });
        }
      }
    }
    log(`pool: ${size} live workers: monitor passes`);
    const first = await monitorPass(env, sPid); // captures the panes it has not seen before (nothing remembered yet)
    // window_activity counts whole seconds, so the monitor looks once more at panes whose last output fell in
    // the second of its previous look; let that second pass, and let one pass settle it, before measuring.
    await sleep(1100);
    await monitorPass(env, sPid);
    const still = [];
    for (let i = 0; i < C.passes; i++) still.push(await monitorPass(env, sPid));
    const changed = [];
    const ttys = await paneTtys(workers.map((w) => w.pane));
    for (let i = 0; i < C.changed; i++) {
      // window_activity counts whole seconds: wait past the second, then make every pane print (an invisible SGR reset).
      await sleep(1100);
      for (const t of ttys) try { appendFileSync(t, '\x1b[0m'); } catch { /* pane gone */ }
      await sleep(50);
      changed.push(await monitorPass(env, sPid));
    }
    const sweeps = [];
    for (let i = 0; i < C.sweeps; i++) {
      const p = await run([node, helper('poller.mjs'), JSON.stringify({ socket, panes: workers.map((w) => w.pane), mode: 'once' })], { env: baseEnv, cwd: work });
      sweeps.push(JSON.parse(p.stdout).sweepMs[0]);
    }
    monitor[size] = {
      passAfterAdding: first,
      noChange: { ms: ms(still.map((x) => x.ms)), tmuxCalls: ms(still.map((x) => x.tmuxCalls)), captured: ms(still.map((x) => x.captured)), cpuS: stats(still.map((x) => x.cpu), 3), serverCpuS: stats(still.map((x) => x.serverCpu), 3) },
      allChanged: { ms: ms(changed.map((x) => x.ms)), tmuxCalls: ms(changed.map((x) => x.tmuxCalls)), captured: ms(changed.map((x) => x.captured)), cpuS: stats(changed.map((x) => x.cpu), 3) },
      baselineCaptureAll: { ms: ms(sweeps), tmuxProcesses: size },
      workersSeen: still[0]?.workers,
    };

    if (size === C.pool.at(-1)) {
      log(`pool: memory of ${size} live workers`);
      const rss = workers.map((w) => procRssKb(w.runnerPid));
      const sm = workers.map((w) => procSmapsKb(w.runnerPid)).filter(Boolean);
      const cats = childrenOf(sPid, 'cat');
      // An exec agent's stdout goes to its pane and stdout.txt through the runner's `tee`.
      const tees = workers.flatMap((w) => childrenOf(w.runnerPid, 'tee'));
      const agents = workers.map((w) => procRssKb(w.agentPid));
      memory.runnerRssMB = stats(rss.map((k) => k / 1024), 1);
      memory.runnerPssMB = stats(sm.map((s) => s.pss / 1024), 1);
      memory.runnerPrivateMB = stats(sm.map((s) => s.private / 1024), 1);
      memory.pipePaneCatRssMB = stats(cats.map((p) => procRssKb(p) / 1024), 2);
      memory.pipePaneCats = cats.length;
      memory.teeRssMB = stats(tees.map((p) => procRssKb(p) / 1024), 2);
      memory.teePssMB = stats(tees.map((p) => (procSmapsKb(p)?.pss ?? NaN) / 1024), 2);
      memory.pipePaneCatPssMB = stats(cats.map((p) => (procSmapsKb(p)?.pss ?? NaN) / 1024), 2);
      memory.tees = tees.length;
      memory.windowProcesses = workers.map((w) => procCpu(w.runnerPid)?.comm).reduce((a, c) => ({ ...a, [c]: (a[c] ?? 0) + 1 }), {});
      memory.agentRssMB = stats(agents.map((k) => k / 1024), 1);
      memory.floors = await memoryFloors();
    }

    if (C.watchAt.includes(size)) {
      log(`pool: watching ${size} idle workers for ${C.watchS} s (orch-tmux runners), then ${C.watchS} s (500 ms poller)`);
      const snap = () => ({ runners: workers.reduce((a, w) => a + (procCpu(w.runnerPid)?.self ?? 0), 0), server: procCpu(sPid)?.self ?? 0, t: now() });
      const a = snap();
      await sleep(C.watchS * 1000);
      const b = snap();
      const quietS = (b.t - a.t) / 1000;
      const p = await run([node, helper('poller.mjs'), JSON.stringify({ socket, panes: workers.map((w) => w.pane), mode: 'watch', intervalMs: 500, durationMs: C.watchS * 1000 })], { env: baseEnv, cwd: work, timeoutMs: C.watchS * 1000 + 60_000 });
      const c = snap();
      const pr = JSON.parse(p.stdout);
      const perPass = (monitor[size].noChange.cpuS.median ?? 0) + (monitor[size].noChange.serverCpuS.median ?? 0);
      const orchHour = ((b.runners - a.runners) + (b.server - a.server)) / quietS * 3600 + perPass * 120;
      const pollHour = (pr.cpu.total + (c.server - b.server)) / (pr.elapsedMs / 1000) * 3600;
      watch[size] = {
        windowS: Number(quietS.toFixed(1)),
        orch: { runnersCpuS: b.runners - a.runners, serverCpuS: b.server - a.server, monitorPassCpuS: perPass, cpuSPerWorkerHour: Number((orchHour / size).toFixed(3)) },
        baseline: { pollerCpuS: pr.cpu.own, tmuxClientsCpuS: pr.cpu.tmuxClients, serverCpuS: c.server - b.server, sweeps: pr.sweeps, sweepMs: ms(pr.sweepMs), cpuSPerWorkerHour: Number((pollHour / size).toFixed(3)) },
      };
    }
  }
  fig('monitor', monitor);
  fig('memory', memory);
  fig('watch', watch);

  // 6. status --json with 1,000 finished runs in the index and the pool's live workers.
  log('status: writing 1,000 finished runs');
  const socketPath = (await tmux('display-message', '-p', '#{socket_path}')).stdout.trim();
  writeFinishedRuns(env, 1000, socketPath);
  log('status: timing status --json');
  const times = [];
  const cpu = [];
  let runsReported = 0;
  for (let i = 0; i < C.status; i++) {
    const r = await runTimed([node, cli, 'status', '--json'], path.join(tmp, 'status.out'), { env, cwd: work, timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`status failed: ${r.stderr}`);
    runsReported = JSON.parse(r.stdout).runs.length;
    times.push(r.ms);
    cpu.push(r.cpu);
  }
  const one = [];
  for (let i = 0; i < C.status; i++) one.push((await runTimed([node, cli, 'status', runs[0].run, '--json'], path.join(tmp, 'status1.out'), { env, cwd: work })).ms);
  // Counting with the shim costs one more whole status run: full runs only.
  const tmuxCount = QUICK ? null : await countTmuxCalls([node, cli, 'status', '--json'], env);
  fig('status', { ms: ms(times), cpuS: stats(cpu, 3), liveRuns: runsReported, liveWorkers: workers.length, indexedRuns: 1000 + runs.length, tmuxProcesses: tmuxCount, oneRunMs: ms(one) });
  for (const r of runs) await killSession(r.session);
}

/** RSS floors: what an idle Node process costs, with flags that shrink it, with execa loaded, and a shell. */
async function memoryFloors() {
  const probe = (argv) => probeRss(argv, { cwd: pkg });
  const idle = "console.log('ready'); setInterval(() => {}, 1e9)";
  return {
    nodeIdleMB: await probe([node, '-e', idle]),
    nodeSmallHeapMB: await probe([node, '--max-semi-space-size=1', '--max-old-space-size=16', '-e', idle]),
    nodeJitlessMB: await probe([node, '--jitless', '--max-semi-space-size=1', '-e', idle]),
    nodeWithExecaMB: await probe([node, '--input-type=module', '-e', `await import('execa'); ${idle}`]),
    nodeWithTmuxModuleMB: await probe([node, '--input-type=module', '-e', `await import(${JSON.stringify(path.join(dist, 'tmux', 'index.js'))}); ${idle}`]),
    bashWaitingMB: await probe(['bash', '-c', 'echo ready; sleep 1000 & wait']),
  };
}

/** Counts the tmux processes a command starts: a `tmux` shim first on PATH logs each call, then execs tmux. */
async function countTmuxCalls(argv, env) {
  const shimDir = path.join(tmp, 'shim');
  const logFile = path.join(tmp, 'shim.log');
  const real = (await $`command -v tmux`).stdout.trim();
  mkdirSync(shimDir, { recursive: true });
  writeFileSync(path.join(shimDir, 'tmux'), `#!/bin/sh\necho x >> '${logFile}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
  writeFileSync(logFile, '');
  const r = await run(argv, { env: { ...env, PATH: `${shimDir}:${env.PATH}` }, cwd: work });
  if (r.code !== 0) throw new Error(`counted command failed: ${r.stderr}`);
  return readFileSync(logFile, 'utf8').split('\n').filter(Boolean).length;
}

// Finished runs written straight to disk, in the shapes src/store/index-file.ts, src/store/run.ts and
// src/core/worker.ts use: an index line, run.json, events.jsonl, and per worker worker.json, prompt.md, result.md.
function writeFinishedRuns(env, count, socketPath) {
  const runsRoot = env.ORCH_TMUX_RUNS;
  const lines = [];
  const day = Date.now() - 30 * 86400_000;
  for (let i = 0; i < count; i++) {
    const created = new Date(day + i * 60_000);
    const p = (n) => String(n).padStart(2, '0');
    const stamp = `${created.getFullYear()}${p(created.getMonth() + 1)}${p(created.getDate())}-${p(created.getHours())}${p(created.getMinutes())}${p(created.getSeconds())}`;
    const id = `${stamp}-old-${i.toString(16).padStart(4, '0')}`;
    const dir = path.join(runsRoot, id);
    const session = `orch-${id}`;
    mkdirSync(path.join(dir, 'workers'), { recursive: true, mode: 0o700 });
    const run = { id, dir, cwd: work, session, socketPath, created: created.toISOString(), state: 'finished' };
    writeFileSync(path.join(dir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`, { mode: 0o600 });
    const events = [{ time: run.created, kind: 'run.created', detail: { session, cwd: work } }];
    for (const name of ['clarity', 'risks', 'synth']) {
      const wdir = path.join(dir, 'workers', name);
      mkdirSync(wdir, { mode: 0o700 });
      const ended = new Date(created.getTime() + 45_000).toISOString();
      const rec = {
        name, run: id, runDir: dir, agent: 'fake', agentRef: fakeProfile, mode: 'exec', argv: ['fake-agent', '-'], prompt: 'stdin', lastMessage: 'file',
        cwd: work, env: {}, socketPath, state: 'done', exitCode: 0, signal: null, createdAt: run.created, startedAt: run.created, endedAt: ended,
        paneId: `%${i * 3}`, resultSource: 'file', resumes: 0,
      };
      writeFileSync(path.join(wdir, 'worker.json'), `${JSON.stringify(rec, null, 2)}\n`, { mode: 0o600 });
      writeFileSync(path.join(wdir, 'prompt.md'), `Review ${name}\n`, { mode: 0o600 });
      writeFileSync(path.join(wdir, 'result.md'), `Result of ${name}\n`, { mode: 0o600 });
      events.push({ time: run.created, worker: name, kind: 'worker.started', detail: {} }, { time: ended, worker: name, kind: 'worker.done', detail: { exitCode: 0 } });
    }
    writeFileSync(path.join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n', { mode: 0o600 });
    lines.push(JSON.stringify({ id, dir, session, socketPath, created: run.created }));
  }
  mkdirSync(env.ORCH_TMUX_HOME, { recursive: true, mode: 0o700 });
  appendFileSync(path.join(env.ORCH_TMUX_HOME, 'index.jsonl'), lines.join('\n') + '\n', { mode: 0o600 });
}

// ---------- 7. send ----------
function messages(count) {
  const long = (i) => `m${i} ${'long single line that goes past the 512-byte typing limit, '.repeat(12)}end`;
  const kinds = [
    (i) => `m${i} hello world`,
    (i) => `m${i} echo "$(whoami)" && rm -rf ~ ; ls | wc -l > /dev/null 'q' \`x\``,
    (i) => `m${i} ends with a semicolon;`,
    (i) => `m${i} héllo wörld — 日本語 🙂 ünïcödé`,
    (i) => `m${i} Enter C-c Escape Tab BSpace`,
    long,
    (i) => `m${i} first line\nsecond line\nthird line`,
    (i) => Array.from({ length: 30 }, (_, k) => `m${i} line ${k} of a pasted block`).join('\n'),
    (i) => `-m${i} starts with a dash`,
    (i) => `m${i} 100% #{pane_id} #[fg=red] ~/x \\n`,
  ];
  return Array.from({ length: count }, (_, i) => kinds[i % kinds.length](String(i).padStart(4, '0')));
}

async function benchSend() {
  const env = sectionEnv('send');
  const l = await lib(env, { name: 'send', agent: fakeTuiProfile, workers: [{ name: 'tui', prompt: '' }] });
  const { rec } = readWorkerFiles(workerDir(l.dir, 'tui'));
  for (let i = 0; ; i++) {
    if ((await tmux('capture-pane', '-p', '-t', rec.paneId)).stdout.includes('›')) break;
    if (i > 200) throw new Error('the interactive fake agent never showed its prompt');
    await sleep(50);
  }
  const msgs = messages(C.send);
  const each = [];
  const codes = {};
  const fileDir = path.join(tmp, 'send-files');
  mkdirSync(fileDir);
  const t0 = now();
  for (let i = 0; i < msgs.length; i++) {
    if (i % 100 === 0) log(`send: message ${i + 1}/${msgs.length}`);
    let args;
    if (msgs[i].includes('\n') && i % 20 === 7) {
      const f = path.join(fileDir, `${i}.txt`);
      writeFileSync(f, msgs[i]);
      args = ['send', l.run, 'tui', '--file', f, '--json'];
    } else args = ['send', '--json', '--', l.run, 'tui', msgs[i]];
    const r = await run([node, cli, ...args], { env, cwd: work });
    each.push(r.ms);
    codes[r.code] = (codes[r.code] ?? 0) + 1;
  }
  const elapsed = (now() - t0) / 1000;
  await sleep(300);
  const records = readFileSync(path.join(workerDir(l.dir, 'tui'), 'record.jsonl'), 'utf8').split('\n').filter(Boolean).map((x) => JSON.parse(x).text);
  const counts = new Map();
  for (const t of records) counts.set(t, (counts.get(t) ?? 0) + 1);
  const once = msgs.filter((m) => counts.get(m) === 1).length;
  const missing = msgs.filter((m) => !counts.has(m));
  const twice = msgs.filter((m) => (counts.get(m) ?? 0) > 1).length;
  const known = new Set(msgs);
  const stray = records.filter((t) => !known.has(t));
  fig('send', {
    messages: msgs.length, perSecond: Number((msgs.length / elapsed).toFixed(2)), perSendMs: ms(each), exitCodes: codes,
    exactlyOnce: once, exactlyOnceShare: Number((once / msgs.length).toFixed(4)), missing: missing.length, duplicated: twice, stray: stray.length,
    examples: { missing: missing.slice(0, 3), stray: stray.slice(0, 3) },
  });
  await killSession(l.session);
}

// ---------- 9. what an ended run leaves running ----------
// Processes of ours (argv naming the package's dist/ or scripts/orch-*) on this benchmark's tmux server.
function ourProcesses() {
  const mine = [path.join(pkg, 'dist') + '/', path.join(pkg, 'scripts', 'orch-')];
  const out = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!argv.some((a) => mine.some((m) => a.startsWith(m)))) continue;
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').includes(socket)) out.push(Number(entry));
    } catch { /* gone */ }
  }
  return out;
}

async function benchEnded() {
  log('ended: what a finished run leaves running');
  const env = sectionEnv('ended');
  writeFileSync(path.join(work, 'ended-doc.md'), '# Doc\n\nSome text.\n');
  const untilNone = [];
  const leftMB = [];
  for (let i = 0; i < (QUICK ? 3 : 6); i++) {
    const r = await run([node, cli, 'review', 'ended-doc.md', '--dry-run', '--json'], { env, cwd: work });
    if (r.code !== 0) throw new Error(`review --dry-run failed: ${r.stderr.slice(-500)}`);
    const t = now();
    let left = ourProcesses();
    while (left.length && now() - t < 10_000) {
      await sleep(20);
      left = ourProcesses();
    }
    untilNone.push(left.length ? null : now() - t);
    leftMB.push(left.reduce((sum, pid) => sum + procRssKb(pid), 0) / 1024);
    await killSession(JSON.parse(r.stdout).session);
  }
  fig('ended', { msUntilNoneLeft: ms(untilNone.filter((x) => x !== null)), neverEmptied: untilNone.filter((x) => x === null).length, rssLeftMB: stats(leftMB, 1) });
}

/** CPU seconds the whole benchmark used: this process, what it reaped, and the tmux server with what it reaped (runners, agents). */
function benchCpu(sPid) {
  const own = process.cpuUsage();
  const me = procCpu(process.pid);
  const server = sPid ? procCpu(sPid) : undefined;
  return Number(((own.user + own.system) / 1e6 + (me?.children ?? 0) + (server ? server.self + server.children : 0)).toFixed(1));
}

function save() {
  results.targets = targetsOf(results);
  mkdirSync(path.join(root, 'bench'), { recursive: true });
  writeFileSync(path.join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
}

// ---------- main ----------
const tStart = now();
try {
  await snapshotPackage();
  results.meta.tmux = (await $`tmux -V`).stdout.trim();
  results.meta.commit = (await $({ cwd: root })`git rev-parse --short HEAD`.nothrow()).stdout.trim();
  results.meta.loadavg.start = loadAvg();
  await $`tmux -L ${socket} -f /dev/null new-session -d -s keepalive -x 200 -y 50`;
  log(`private tmux server -L ${socket}, temp ${tmp}${QUICK ? ' (quick)' : ''}`);
  const sections = [['startup', benchStartup], ['launch', benchLaunch], ['notice', benchNotice], ['pool', benchPool], ['send', benchSend], ['waiters', benchWaiters], ['ended', benchEnded]];
  for (const [name, fn] of sections) {
    if (!want(name)) continue;
    const t = now();
    const la = loadAvg();
    await fn();
    results.meta.loadavg[name] = { before: la, after: loadAvg(), seconds: Number(((now() - t) / 1000).toFixed(1)) };
    save(); // after every section, so a stopped run keeps what it measured
  }
  results.meta.durationS = Number(((now() - tStart) / 1000).toFixed(1));
  results.meta.cpuSeconds = benchCpu(await serverPid().catch(() => undefined));
  results.meta.complete = true;
  save();
  process.stdout.write(`\norch-tmux benchmarks (${QUICK ? 'quick' : 'full'}; ${results.meta.cpus} x ${results.meta.cpuModel}; ${results.meta.tmux}; node ${process.version}; load ${results.meta.loadavg.start} -> ${loadAvg()}; ${results.meta.durationS} s, ${results.meta.cpuSeconds} CPU-s)\n\n`);
  process.stdout.write(`${tableOf(results)}\n\nTargets:\n`);
  for (const t of results.targets) process.stdout.write(`  ${t.result.padEnd(4)}  ${t.target}: ${t.value}\n`);
  syncDoc(results);
  process.stdout.write(`\nbench/results.json and the figures in docs/performance.md written.\n`);
  if (argv.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} finally {
  await cleanup();
}
