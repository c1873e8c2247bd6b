#!/usr/bin/env node
// Benchmark: a no-change `monitor --once` pass with 0 and with 200 ended (finished or killed) runs in the
// index, side by side in one run, beside 8 live idle workers. Ended runs should cost nothing: the monitor
// skips them from the index without opening their files. Prints median / p95 / max of each, in ms.
// Usage: node scripts/bench/ended-runs.mjs [--passes 15]   (after `npm run build`; Linux, tmux 3.0+)
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { privateBench, root } from './lib.mjs';

const { values } = parseArgs({ options: { passes: { type: 'string', default: '15' } } });
const passes = Number(values.passes);
const { tmp, socket, env } = privateBench('ended');
const cli = (...args) => {
  const r = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { env, cwd: tmp, encoding: 'utf8' });
  if (r.status !== 0 && args[0] !== 'wait') throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
};
const fake = join(root, 'test', 'fixtures', 'agents', 'fake.yaml');

function timePasses(label) {
  cli('monitor', '--once'); // warm: the first pass captures what it has not seen yet
  const ms = [];
  for (let i = 0; i < passes; i++) {
    const t = process.hrtime.bigint();
    cli('monitor', '--once');
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const at = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))];
  return { label, median: at(0.5), p95: at(0.95), max: ms.at(-1) };
}

try {
  execFileSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'keepalive'], { env });
  // A finished run to copy: one worker, done, the run ended by a monitor pass.
  const done = JSON.parse(cli('new', '--json', '--name', 'ended'));
  cli('spawn', done.id, 'w', '--agent', fake, '--prompt', '[[reply:ok]]');
  cli('wait', done.id, '--timeout', '30');
  cli('monitor', '--once');
  // The live part every pass supervises: 8 idle workers.
  const live = JSON.parse(cli('new', '--json', '--name', 'live'));
  for (let i = 0; i < 8; i++) cli('spawn', live.id, `w${i}`, '--agent', fake, '--prompt', '[[gate:never]]');
  const none = timePasses('0 ended runs in the index');
  const index = join(env.ORCH_TMUX_HOME, 'index.jsonl');
  for (let i = 0; i < 200; i++) {
    const id = `${done.id}-c${i}`;
    const dir = join(env.ORCH_TMUX_RUNS, id);
    cpSync(done.dir, dir, { recursive: true });
    const rec = { ...JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')), id, dir, state: i % 2 ? 'killed' : 'finished' };
    writeFileSync(join(dir, 'run.json'), JSON.stringify(rec));
    appendFileSync(index, `${JSON.stringify({ id, dir, session: rec.session, socketPath: rec.socketPath, created: rec.created, state: rec.state })}\n`);
  }
  const many = timePasses('200 ended runs in the index');
  console.log(`no-change monitor --once pass, 8 live idle workers, ${passes} passes each (ms):`);
  for (const r of [none, many]) console.log(`  ${r.label.padEnd(30)} median ${r.median.toFixed(0).padStart(5)}  p95 ${r.p95.toFixed(0).padStart(5)}  max ${r.max.toFixed(0).padStart(5)}`);
  console.log(`  difference of medians: ${(many.median - none.median).toFixed(0)} ms`);
} finally {
  spawnSync('tmux', ['-L', socket, 'kill-server'], { env });
  rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
  rmSync(tmp, { recursive: true, force: true });
}
