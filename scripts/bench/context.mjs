#!/usr/bin/env node
// Benchmark: how many bytes of tool results an orchestrating agent reads to run a 3-lens review to its merged
// answer, non-blocking (start it, then wait in bounded steps until it has ended, then read the synthesis).
// Three ways at once, each on its own review of the same document, whose reviewers (the fake agent) take
// --seconds each:
//   mcp:   `orch-tmux mcp` through the SDK's own client: review, wait (20 s) until the run ended, result synth;
//   cli:   the commands with --json as the skill teaches them: review --detach, wait --timeout 20, status
//          (the run's state), result synth;
//   seeds: the seeds' way: the review started, then a 2 KB tail of each live worker's log every 5 s until it
//          ends, then the synthesis.
// A byte count is what the agent's tool returned (what enters its context). The MCP tool schemas (tools/list)
// are counted once, apart. "beyond the answer" leaves out the synthesis text itself; per worker divides that
// by the run's 4 workers (3 reviewers and the synthesizer). Prints figures; sets no target.
// Usage: npm run bench:context [-- --seconds 60] [--json]    (node scripts/bench/context.mjs after a build)
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { privateBench, root, sleep } from './lib.mjs';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, json: { type: 'boolean' } } });
const seconds = Number(values.seconds);
/** The bounded wait each call asks for, as the skill says. */
const WAIT_SECONDS = 20;
/** The seeds' poll: every 5 s, the last 2 KB of each live worker's log. */
const SEED_POLL_MS = 5000;
const SEED_TAIL_BYTES = 2048;
/** Workers in a 3-lens review: three reviewers and the synthesizer. */
const WORKERS = 4;

const { tmp, socket, env } = privateBench('context');
const cliPath = join(root, 'dist', 'cli.js');
const fake = join(root, 'test', 'fixtures', 'agents', 'fake.yaml');
const doc = join(tmp, 'doc.md');
writeFileSync(doc, `# Plan\n\nShip the login fix on Friday.\n\n## Risks\n\nNone known. [[sleep:${seconds * 1000}]]\n`);
spawnSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'keepalive', ';', 'set-option', '-g', 'default-shell', '/bin/sh'], { env });
const run = promisify(execFile);

/** Runs the CLI; its stdout is what the agent's shell tool returns. */
async function cli(args) {
  const r = await run(process.execPath, [cliPath, ...args], { env, cwd: tmp, maxBuffer: 64 * 1024 * 1024 }).catch((e) => e);
  return String(r.stdout ?? '');
}

const bytes = (s) => Buffer.byteLength(s);

async function viaMcp() {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [cliPath, 'mcp', '--home', env.ORCH_TMUX_HOME, '--runs', env.ORCH_TMUX_RUNS, '-L', socket], env, cwd: tmp }));
  const tally = { calls: 0, bytes: 0 };
  const call = async (name, args) => {
    const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 });
    const text = r.content.map((c) => c.text).join('');
    tally.calls++;
    tally.bytes += bytes(text);
    return JSON.parse(text);
  };
  const schemas = bytes(JSON.stringify((await client.listTools()).tools));
  const started = await call('review', { doc, agent: fake });
  for (let w = await call('wait', { run: started.run, timeout: WAIT_SECONDS }); w.running.length || w.state !== 'finished'; w = await call('wait', { run: started.run, timeout: WAIT_SECONDS }));
  const answer = (await call('result', { run: started.run, worker: 'synth' })).text;
  await client.close();
  return { way: 'mcp', ...tally, answer: bytes(answer), schemas };
}

async function viaCli() {
  const tally = { calls: 0, bytes: 0 };
  const call = async (args) => {
    const out = await cli([...args, '--json']);
    tally.calls++;
    tally.bytes += bytes(out);
    return JSON.parse(out);
  };
  const started = await call(['review', doc, '--agent', fake, '--detach']);
  for (;;) {
    await call(['wait', started.run, '--timeout', String(WAIT_SECONDS)]);
    if ((await call(['status', started.run])).state === 'finished') break;
  }
  const answer = (await call(['result', started.run, 'synth'])).text;
  return { way: 'cli', ...tally, answer: bytes(answer) };
}

async function viaSeeds() {
  const tally = { calls: 0, bytes: 0 };
  const out = await cli(['review', doc, '--agent', fake, '--detach', '--json']);
  const started = JSON.parse(out);
  tally.calls++;
  tally.bytes += bytes(out);
  const dir = started.dir;
  const state = (name) => JSON.parse(readFileSync(join(dir, 'workers', name, 'worker.json'), 'utf8')).state;
  const ended = () => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).state !== 'active';
  // The seeds' orchestrator knows the workers it started: here the run directory says (not counted).
  for (;;) {
    const names = (() => { try { return readdirSync(join(dir, 'workers')); } catch { return []; } })();
    for (const name of names) {
      if (['done', 'failed', 'killed', 'lost'].includes(state(name))) continue;
      const tail = await cli(['log', started.run, name, '--lines', '200']);
      tally.calls++;
      tally.bytes += Math.min(SEED_TAIL_BYTES, bytes(tail));
    }
    if (ended()) break;
    await sleep(SEED_POLL_MS);
  }
  const answer = readFileSync(join(dir, 'synthesis.md'), 'utf8');
  tally.calls++;
  tally.bytes += bytes(answer);
  return { way: 'seeds', ...tally, answer: bytes(answer) };
}

const began = Date.now();
try {
  const results = await Promise.all([viaMcp(), viaCli(), viaSeeds()]);
  const rows = results.map((r) => ({ ...r, beyond: r.bytes - r.answer, perWorker: Math.round((r.bytes - r.answer) / WORKERS) }));
  const figures = { seconds, waitSeconds: WAIT_SECONDS, workers: WORKERS, elapsedSeconds: Math.round((Date.now() - began) / 1000), schemas: rows[0].schemas, ways: rows.map(({ schemas: _s, ...r }) => r) };
  if (values.json) process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  else {
    process.stdout.write(`context economy: a 3-lens review (reviewers take ${seconds} s), started and waited for without blocking (${figures.elapsedSeconds} s)\n`);
    process.stdout.write(`way     calls  bytes read  answer  beyond the answer  per worker (${WORKERS})\n`);
    for (const r of rows) process.stdout.write(`${r.way.padEnd(6)}  ${String(r.calls).padStart(5)}  ${String(r.bytes).padStart(10)}  ${String(r.answer).padStart(6)}  ${String(r.beyond).padStart(17)}  ${String(r.perWorker).padStart(10)}\n`);
    process.stdout.write(`MCP tool schemas (tools/list, read once per session): ${figures.schemas} bytes\n`);
  }
} finally {
  spawnSync('tmux', ['-L', socket, 'kill-server'], { env });
  rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
}
