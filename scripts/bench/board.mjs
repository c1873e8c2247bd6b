#!/usr/bin/env node
// Benchmark: what the live board costs. A run with N idle workers (default 32; the fake agent hangs,
// printing nothing), its board drawn in an 80x24 control-mode client; the board process's CPU is read
// from /proc over a quiet window (default 60 s) and given per hour, beside the 500 ms capture-and-hash
// poller over the same panes for the same time (what screen-watching dashboards do). Then one finish:
// the agent's exit -> the board's line says done (capture every 20 ms), median over the finishes.
// Usage: node scripts/bench/board.mjs [--workers 32] [--seconds 60] [--json]   (after `npm run build`)
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { now, privateBench, procCpu, root, sleep, stats } from './lib.mjs';

const { values } = parseArgs({ options: { workers: { type: 'string', default: '32' }, seconds: { type: 'string', default: '60' }, json: { type: 'boolean' } } });
const N = Number(values.workers);
const S = Number(values.seconds);
const { tmp, socket, env } = privateBench('board');
const cli = (...args) => spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { env, cwd: tmp, encoding: 'utf8' });
const tmux = (...args) => spawnSync('tmux', ['-L', socket, ...args], { env, encoding: 'utf8' });
const log = (t) => process.stderr.write(`bench:board: ${t}\n`);

async function until(check, what, ms = 60_000, every = 20) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

let client;
try {
  const run = JSON.parse(cli('new', '--json').stdout);
  client = spawn('tmux', ['-L', socket, '-C', 'attach-session', '-t', `=${run.session}`], { env, stdio: ['pipe', 'pipe', 'ignore'] });
  let sized = false;
  client.stdout.on('data', (d) => {
    if (!sized && d.toString().includes('%session-changed')) {
      sized = true;
      client.stdin.write('refresh-client -C 80x24\n');
    }
  });
  const workers = Array.from({ length: N }, (_, i) => `w${i}`);
  for (const w of workers) writeFileSync(join(tmp, `${w}.md`), `[[gate:${w}]] [[reply:done ${w}]]`);
  log(`starting ${N} idle workers`);
  const r = cli('spawn', run.id, ...workers.flatMap((w) => ['--worker', `${w}=${join(tmp, `${w}.md`)}`]), '--agent', join(root, 'test', 'fixtures', 'agents', 'fake.yaml'));
  if (r.status !== 0) throw new Error(`spawn: ${r.stderr}`);
  const boardPid = Number(tmux('display-message', '-p', '-t', `=${run.session}:orch`, '#{pane_pid}').stdout.trim());
  // The board is the node child of the window's sh.
  const board = await until(() => spawnSync('pgrep', ['-P', String(boardPid), 'node'], { encoding: 'utf8' }).stdout.trim(), 'the board process');
  const capture = () => tmux('capture-pane', '-p', '-t', `=${run.session}:orch`).stdout;
  await until(() => capture().includes(`: ${N} running`), 'the board to count every worker running');
  await sleep(2000);
  log(`board pid ${board}: quiet for ${S} s`);
  const c0 = procCpu(board).self;
  const t0 = now();
  await sleep(S * 1000);
  const boardCpuS = procCpu(board).self - c0;
  const quietS = (now() - t0) / 1000;
  log(`500 ms capture-and-hash poller over the same ${N} panes for ${S} s`);
  const panes = tmux('list-panes', '-s', '-t', `=${run.session}`, '-F', '#{pane_id} #{window_name}').stdout.trim().split('\n').filter((l) => !l.endsWith(' orch')).map((l) => l.split(' ')[0]);
  const p = spawnSync(process.execPath, [join(root, 'scripts', 'bench', 'poller.mjs'), JSON.stringify({ socket, panes, mode: 'watch', intervalMs: 500, durationMs: S * 1000 })], { env, encoding: 'utf8', timeout: S * 1000 + 60_000 });
  const pr = JSON.parse(p.stdout);
  log('finishes: agent exit -> the board line says done');
  const lags = [];
  for (const w of workers.slice(0, Math.min(8, N))) {
    writeFileSync(join(env.FAKE_AGENT_GATES, w), '');
    const t = now();
    await until(() => capture().split('\n').some((l) => new RegExp(`^\\d+\\s+${w}\\s+✓ done`).test(l)), `${w} done on the board`, 30_000, 5);
    lags.push(now() - t);
  }
  const out = {
    workers: N, quietS: Number(quietS.toFixed(1)),
    boardCpuSPerHour: Number((boardCpuS / quietS * 3600).toFixed(2)),
    pollerCpuSPerHour: Number(((pr.cpu.total) / (pr.elapsedMs / 1000) * 3600).toFixed(2)),
    gateOpenToBoardDoneMs: stats(lags),
  };
  if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else {
    process.stdout.write(`board, ${N} idle workers: ${out.boardCpuSPerHour} CPU-s per hour (500 ms poller over the same panes: ${out.pollerCpuSPerHour})\n`);
    process.stdout.write(`gate opened -> board line says done, median / p95 over ${lags.length}: ${out.gateOpenToBoardDoneMs.median} / ${out.gateOpenToBoardDoneMs.p95} ms\n`);
  }
} finally {
  client?.kill();
  tmux('kill-server');
  rmSync(tmp, { recursive: true, force: true });
}
