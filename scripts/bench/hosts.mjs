#!/usr/bin/env node
// Benchmark: workers on another host over SSH (a real sshd on 127.0.0.1, test/helpers/sshd.mjs). With the
// host's shared connection (ControlMaster, the default) and with a full ssh handshake per call
// (ORCH_TMUX_SSH_SHARE=0, the baseline, measured in the same run): spawning 16 workers there in one CLI
// call; the completion notice of a remote worker (gate opened -> `wait` returns, the end brought home and
// recorded); and one `status` of the run (its hosts' facts brought home).
// Usage: node scripts/bench/hosts.mjs [--workers 16] [--finishes 5] [--json]   (after `npm run build`)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startSshd } from '../../test/helpers/sshd.mjs';
import { now, privateBench, root, sleep, stats } from './lib.mjs';

const { values } = parseArgs({ options: { workers: { type: 'string', default: '16' }, finishes: { type: 'string', default: '5' }, json: { type: 'boolean' } } });
const N = Number(values.workers);
const F = Number(values.finishes);
const { tmp, socket, env } = privateBench('hosts');
const log = (t) => process.stderr.write(`bench:hosts: ${t}\n`);
const fake = join(root, 'test', 'fixtures', 'agents', 'fake.yaml');

async function measure(mode, sshd) {
  const menv = { ...env, ORCH_TMUX_SSH_SHARE: mode === 'shared' ? '1' : '0' };
  const cli = (...args) => spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { env: menv, cwd: tmp, encoding: 'utf8' });
  const run = JSON.parse(cli('new', '--json').stdout);
  const workers = Array.from({ length: N }, (_, i) => `${mode}-${i}`);
  for (const w of workers) writeFileSync(join(tmp, `${w}.md`), `[[gate:${w}]] [[reply:done ${w}]]`);
  log(`${mode}: spawning ${N} workers on the host in one call`);
  const t0 = now();
  const r = cli('spawn', run.id, '--host', 'loop', '--agent', fake, ...workers.flatMap((w) => ['--worker', `${w}=${join(tmp, `${w}.md`)}`]));
  const spawnMs = now() - t0;
  if (r.status !== 0) throw new Error(`spawn: ${r.stderr}`);
  const s0 = now();
  const st = cli('status', run.id, '--json');
  const statusMs = now() - s0;
  const notRunning = JSON.parse(st.stdout).workers.filter((w) => w.state !== 'running');
  if (notRunning.length) throw new Error(`not every worker runs: ${JSON.stringify(notRunning[0])}`);
  const notice = [];
  for (const w of workers.slice(0, F)) {
    const waiter = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'wait', run.id, w, '--timeout', '60'], { env: menv, cwd: tmp, stdio: 'ignore' });
    const ended = new Promise((resolve) => waiter.once('exit', (code) => resolve({ code, at: now() })));
    // The waiter has looked once and waits on the host's channel: give it time to get there (not measured).
    await sleep(mode === 'shared' ? 1500 : 3000);
    const g = now();
    writeFileSync(join(env.FAKE_AGENT_GATES, w), '');
    const { code, at } = await ended;
    if (code !== 0) throw new Error(`wait ${w} exited ${code}`);
    notice.push(at - g);
  }
  for (const w of workers) writeFileSync(join(env.FAKE_AGENT_GATES, w), '');
  cli('wait', run.id, '--timeout', '60');
  cli('kill', run.id, '--grace', '0');
  return { spawnMs: Math.round(spawnMs), statusMs: Math.round(statusMs), notice: stats(notice) };
}

const sshd = await startSshd(join(tmp, 'sshd'));
try {
  mkdirSync(join(env.XDG_CONFIG_HOME, 'orch-tmux'), { recursive: true });
  writeFileSync(join(env.XDG_CONFIG_HOME, 'orch-tmux', 'hosts.yaml'), sshd.hostsYaml().replace('\n    dir:', `\n    maxWorkers: ${N}\n    dir:`));
  const shared = await measure('shared', sshd);
  const perCall = await measure('per-call', sshd);
  const out = { workers: N, finishes: F, shared, perCall };
  if (values.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else {
    const row = (name, m) => `${name.padEnd(32)} spawn ${N}: ${m.spawnMs} ms   status: ${m.statusMs} ms   notice median ${m.notice.median} ms (p95 ${m.notice.p95})`;
    process.stdout.write(`${row('one shared connection per host', shared)}\n${row('one ssh per call (baseline)', perCall)}\n`);
  }
} finally {
  await sshd.close();
  spawnSync('tmux', ['-L', socket, 'kill-server'], { env });
  rmSync(tmp, { recursive: true, force: true });
}
