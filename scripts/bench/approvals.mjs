#!/usr/bin/env node
// Benchmark: approval notice latency, "the agent asks -> the notify command has the event", over N
// approvals (default 20) of the fake TUI agent (it logs when it asks), three ways in the same run:
//   hooks   its PermissionRequest hook runs orch-tmux's decider, which runs the notify command at once;
//   watch   no hooks: `monitor --watch --interval 1` finds the prompt on the screen;
//   cron    no hooks: one `monitor --once` a minute. Not waited for (20 minutes): the latency is the wait
//           for the next pass (uniform over 60 s: median 30 s, p95 57 s) plus the pass itself, measured.
// Also the cost of one hook line: `orch-hook` (sh) vs a Node start-up, per call.
// Usage: node scripts/bench/approvals.mjs [--approvals 20] [--json]   (after `npm run build`)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { now, privateBench, root, sleep, stats } from './lib.mjs';

const { values } = parseArgs({ options: { approvals: { type: 'string', default: '20' }, json: { type: 'boolean' } } });
const N = Number(values.approvals);
const { tmp, socket, env } = privateBench('approvals');
const cli = (...args) => spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { env, cwd: tmp, encoding: 'utf8' });
const profiles = { hooks: join(root, 'test', 'fixtures', 'agents', 'fake-tui-hooks.yaml'), screen: join(root, 'test', 'fixtures', 'agents', 'fake-tui.yaml') };
const lines = (file) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

async function until(check, what, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

// One run with one worker of `profile`, notify mode, the notify command stamping when it starts.
function setUp(kind) {
  const run = JSON.parse(cli('new', '--json').stdout);
  const notices = join(tmp, `${kind}-notices.txt`);
  const policy = join(tmp, `${kind}-policy.yaml`);
  writeFileSync(policy, JSON.stringify({ approvals: { mode: 'notify' }, notify: { tmux: false, command: ['sh', '-c', 'date +%s%N >> "$0"; cat > /dev/null', notices] } }));
  if (cli('policy', run.id, '--from', policy).status !== 0) throw new Error('policy --from failed');
  const spawned = cli('spawn', run.id, 'w', '--agent', profiles[kind === 'hooks' ? 'hooks' : 'screen'], '--prompt', 'unused');
  if (spawned.status !== 0) throw new Error(`spawn: ${spawned.stderr}`);
  return { run, notices, asked: join(run.dir, 'workers', 'w', 'asked.jsonl'), status: join(run.dir, 'status.json') };
}

// N approvals: ask, wait for the notice, answer n (the turn ends), wait until the agent is at its composer again.
async function approvals(kind, { afterAnswer } = {}) {
  const s = setUp(kind);
  await until(() => /^› ?$/m.test(spawnSync('tmux', ['-L', socket, 'capture-pane', '-p', '-t', `=${s.run.session}:w`], { env, encoding: 'utf8' }).stdout), 'the composer');
  const samples = [];
  for (let i = 1; i <= N; i++) {
    if (cli('send', s.run.id, 'w', `ask ${i} [[approve:yn]]`).status !== 0) throw new Error('send failed');
    await until(() => lines(s.notices).length >= i, `notice ${i}`);
    const asked = JSON.parse(lines(s.asked)[i - 1]).asked;
    samples.push(Number(BigInt(lines(s.notices)[i - 1]) / 1000n) / 1000 - asked);
    cli('keys', s.run.id, 'w', 'n');
    if (afterAnswer) await afterAnswer(s, i);
  }
  cli('kill', s.run.id);
  return samples;
}

const tmuxUp = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'keepalive', ';', 'set-option', '-g', 'default-shell', '/bin/sh'], { env });
if (tmuxUp.status !== 0) throw new Error('tmux would not start');
const out = {};
try {
  out.hooks = stats(await approvals('hooks'));
  // The screen path under a watching monitor: it must see the prompt go away between two asks, or the
  // same prompt text would count as already told.
  const monitor = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'monitor', '--watch', '--interval', '1', '--json'], { env, cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    out.watch = stats(await approvals('watch', {
      afterAnswer: async (s) => {
        const since = now();
        await until(() => {
          try {
            const st = JSON.parse(readFileSync(s.status, 'utf8'));
            return Date.parse(st.time) > since && st.workers.find((w) => w.name === 'w')?.screen !== 'waiting_approval';
          } catch {
            return false;
          }
        }, 'a pass past the prompt');
      },
    }));
  } finally {
    monitor.kill();
  }
  // Cron: the pass itself, measured on a worker waiting at a prompt.
  const s = setUp('cron');
  await until(() => /^› ?$/m.test(spawnSync('tmux', ['-L', socket, 'capture-pane', '-p', '-t', `=${s.run.session}:w`], { env, encoding: 'utf8' }).stdout), 'the composer');
  cli('send', s.run.id, 'w', 'ask [[approve:yn]]');
  await until(() => lines(s.asked).length === 1, 'the question');
  const passes = [];
  for (let i = 0; i < N; i++) {
    const t0 = now();
    cli('monitor', '--once');
    passes.push(now() - t0);
  }
  const pass = stats(passes);
  out.cron = { median: Math.round(30_000 + pass.median), p95: Math.round(57_000 + pass.p95), passMedianMs: pass.median, note: 'computed: the wait for the next one-minute pass (uniform) plus one measured pass' };
  // One hook line: the sh program vs a bare Node start-up.
  const dir = join(tmp, 'hookdir');
  mkdirSync(dir);
  const time = (argv) => { const t0 = now(); spawnSync(argv[0], argv.slice(1), { input: '{"hook_event_name":"Stop","session_id":"x"}', env }); return now() - t0; };
  const socketPath = spawnSync('tmux', ['-L', socket, 'display-message', '-p', '#{socket_path}'], { env, encoding: 'utf8' }).stdout.trim();
  out.hookLine = {
    sh: stats(Array.from({ length: 30 }, () => time(['/bin/sh', join(root, 'scripts', 'orch-hook'), dir, 'turn_done', socketPath, 'bench-a', 'bench-b']))),
    nodeStartup: stats(Array.from({ length: 30 }, () => time([process.execPath, '-e', '0']))),
  };
} finally {
  spawnSync('tmux', ['-L', socket, 'kill-server'], { env });
  // Runners of the killed server may still be writing their last files for a moment.
  for (let i = 0; i < 20; i++) {
    try {
      rmSync(tmp, { recursive: true, force: true });
      break;
    } catch {
      await sleep(100);
    }
  }
}
if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
else {
  console.log(`approval notice latency over ${N} approvals (ms): median / p95`);
  console.log(`  hooks (PermissionRequest hook -> notify)       ${out.hooks.median} / ${out.hooks.p95}`);
  console.log(`  screen, monitor --watch --interval 1           ${out.watch.median} / ${out.watch.p95}`);
  console.log(`  screen, cron once a minute (computed)          ${out.cron.median} / ${out.cron.p95}   (one pass: ${out.cron.passMedianMs} ms)`);
  console.log(`one hook line (ms, median): orch-hook (sh) ${out.hookLine.sh.median}, a bare Node start-up ${out.hookLine.nodeStartup.median}`);
}
