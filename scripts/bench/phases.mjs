#!/usr/bin/env node
// Where the time of a lone end and of a launch goes, step by step (`npm run bench:phases`). The writers'
// trace (ORCH_TMUX_CRASH_TRACE with NODE_ENV=test: src/os/crash-point.ts) stamps when each process started,
// when its code was loaded, and when each file of record was written; the runner's exit fact is stamped by
// its file's time. Prints a Markdown table of medians over the trials.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { percentile, privateBench, root, sleep } from './lib.mjs';

const TRIALS = Number(process.env.PHASES_TRIALS ?? 7);
const cli = join(root, 'dist', 'cli.js');
const fake = join(root, 'test', 'fixtures', 'agents', 'fake.yaml');
const { tmp, socket, env } = privateBench('phases');
const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const orch = (args, extra = {}) => {
  const r = spawnSync(process.execPath, [cli, ...args], { env: { ...env, ...extra }, cwd: tmp, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`orch-tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

// `ROLE:POINT#N TIME` lines -> the time of each point of one role.
function points(file, role) {
  const at = new Map();
  if (!existsSync(file)) return at;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, time] = line.split(' ');
    if (name?.startsWith(`${role}:`)) at.set(name.slice(role.length + 1), Number(time));
  }
  return at;
}

async function until(check, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const median = (xs) => percentile(xs, 0.5);
const rows = [];
const add = (phase, values) => rows.push([phase, median(values)]);

async function loneEnd() {
  const phases = {};
  const put = (k, v) => (phases[k] ??= []).push(v);
  for (let t = 0; t < TRIALS; t++) {
    const trace = join(tmp, `lone-${t}.trace`);
    // The settle step gets the tmux server's environment (the runner's): the trace settings go there.
    tmux('set-environment', '-g', 'NODE_ENV', 'test', ';', 'set-environment', '-g', 'ORCH_TMUX_CRASH_TRACE', trace);
    const run = JSON.parse(orch(['new', '--json']));
    const prompt = join(tmp, `lone-${t}.md`);
    writeFileSync(prompt, `[[gate:lone-${t}]] [[reply:ok]]`);
    orch(['spawn', run.id, 'w', '--agent', fake, '--prompt-file', prompt]);
    writeFileSync(join(env.FAKE_AGENT_GATES, `lone-${t}`), '');
    await until(() => points(trace, 'settle').has('tmux:states-shown#1'), 'the settle step');
    const exitAt = statSync(join(run.dir, 'workers', 'w', 'exit-0.facts')).mtimeMs;
    const p = points(trace, 'settle');
    const at = (k) => p.get(k) ?? NaN;
    put('exit fact -> settle step process starts (runner: queue, lock, fork + exec node)', at('process-start#1') - exitAt);
    put('process start -> code loaded (Node start-up, the bundle read)', at('code-loaded#1') - at('process-start#1'));
    put('code loaded -> result.md written and fsync\'d (launch file, lock, facts, /proc, truth, the answer read)', at('result.md:written#1') - at('code-loaded#1'));
    put('result.md -> the record\'s intent written and fsync\'d', at('worker.json.next:written#1') - at('result.md:written#1'));
    put('intent -> worker.done appended (the commit point)', at('events.jsonl:worker.done#1') - at('worker.json.next:written#1'));
    put('event -> intent renamed over worker.json', at('worker.json:committed#1') - at('events.jsonl:worker.done#1'));
    put('record -> the window\'s state shown (one tmux call)', at('tmux:states-shown#1') - at('worker.json:committed#1'));
    put('**exit fact -> result.md on disk**', at('result.md:written#1') - exitAt);
    put('**exit fact -> worker.json says done**', at('worker.json:committed#1') - exitAt);
    tmux('kill-session', '-t', `=${run.session}`);
  }
  rows.push(['*A lone end (1 worker), median of ' + TRIALS + '*', undefined]);
  for (const [k, v] of Object.entries(phases)) add(k, v);
}

async function launch(n) {
  const phases = {};
  const put = (k, v) => (phases[k] ??= []).push(v);
  for (let t = 0; t < TRIALS; t++) {
    const trace = join(tmp, `launch-${n}-${t}.trace`);
    const run = JSON.parse(orch(['new', '--json']));
    const prompt = join(tmp, 'hang.md');
    writeFileSync(prompt, '[[hang]]');
    const names = Array.from({ length: n }, (_, i) => `w${i}`);
    orch(['spawn', run.id, ...names.flatMap((w) => ['--worker', `${w}=${prompt}`]), '--agent', fake], { NODE_ENV: 'test', ORCH_TMUX_CRASH_TRACE: trace });
    const p = points(trace, 'spawn');
    const at = (k) => p.get(k) ?? NaN;
    const last = (prefix) => Math.max(...[...p].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v));
    const firstIntent = at('worker.json.next:written#1');
    put('process start -> code loaded (Node start-up, the bundle read)', at('code-loaded#1') - at('process-start#1'));
    put('code loaded -> first worker\'s record intent (profile checked, prompts, folders)', firstIntent - at('code-loaded#1'));
    put(`first intent -> last window opened (${n} x: files, record, event, tmux new-window)`, last('tmux:window-opened') - firstIntent);
    put('last window -> last worker recorded running (runners start, facts read, records)', last('events.jsonl:worker.started') - last('tmux:window-opened'));
    put('atomic writes per worker (records, intents, prompt, launch files)', [...p.keys()].filter((k) => k.endsWith(':written') || k.includes(':written#')).length / n);
    put(`**process start -> all ${n} recorded running**`, last('worker.json:committed') - at('process-start#1'));
    tmux('kill-session', '-t', `=${run.session}`);
  }
  rows.push([`*Launch of ${n} in one \`spawn --worker ...\`, median of ${TRIALS}*`, undefined]);
  for (const [k, v] of Object.entries(phases)) add(k, v);
}

try {
  tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'keep', ';', 'set-option', '-g', 'default-shell', '/bin/sh');
  await loneEnd();
  await launch(1);
  await launch(4);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  console.log(`Phases (ms), ${new Date().toISOString().slice(0, 10)}, load ${load} at the end, node ${process.version}:\n`);
  console.log('| Step | median |\n|---|---|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v === undefined ? '' : Number.isInteger(v) ? v : v.toFixed(1)} |`);
} finally {
  spawnSync('tmux', ['-L', socket, 'kill-server'], { env });
  spawnSync('rm', ['-rf', tmp]);
}
