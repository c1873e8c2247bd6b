// Real codex failures: an HTTP 500 fails the worker with codex's own message; a hung stream is
// interrupted by the monitor and resumed with `codex exec resume <id>`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import stripAnsi from 'strip-ansi';
import { expect } from 'vitest';
import { waitUntil } from '../helpers/tmux-server.js';
import { codexFor, lastUserText, test } from './support.js';

test('a failed turn (HTTP 500): the worker fails with codex\'s message and wait exits 1', async ({ server }) => {
  const codex = await codexFor(server);
  try {
    const run = (await server.cli(['new', '--cwd', codex.work], { env: codex.env })).stdout.trim();
    writeFileSync(join(server.dir, 'p.md'), 'Please answer [[http500]]\n');
    const spawn = await server.cli(['spawn', run, 'w', '--agent', 'codex', '--prompt-file', join(server.dir, 'p.md')], { env: codex.env });
    expect(spawn.exitCode, spawn.stderr).toBe(0);
    const wait = await server.cli(['wait', run, '--timeout', '60', '--json'], { env: codex.env });
    expect(wait.exitCode).toBe(1);
    const w = JSON.parse(wait.stdout).workers[0];
    // codex wrote no last message: no result; the reason is codex's own error line, and what it printed is
    // kept for people in fallback.md, marked.
    expect(w).toMatchObject({ state: 'failed', exitCode: 1, result: null });
    expect(w.reason).toMatch(/^agent exited with code 1: ERROR: We.re currently experiencing high demand/);
    const runDir = JSON.parse((await server.cli(['status', run, '--json'], { env: codex.env })).stdout).dir;
    expect(JSON.parse(readFileSync(join(runDir, 'workers', 'w', 'worker.json'), 'utf8')).resultSource).toMatch(/^fallback:/);
    const fallback = readFileSync(join(runDir, 'workers', 'w', 'fallback.md'), 'utf8');
    expect(fallback).toContain('experiencing high demand');
    expect(fallback).toContain('It is not a result');
    expect(codex.stub.requests.filter((q) => q.kind === 'turn').length).toBeGreaterThanOrEqual(1);
  } finally {
    await codex.stub.close();
  }
});

test('a hung stream: the monitor sees it stalled, interrupts it, and it is resumed from its session id', async ({ server }) => {
  const codex = await codexFor(server, 60_000);
  try {
    const run = (await server.cli(['new', '--cwd', codex.work], { env: codex.env })).stdout.trim();
    const runDir = JSON.parse((await server.cli(['status', run, '--json'], { env: codex.env })).stdout).dir;
    writeFileSync(join(server.dir, 'policy.yaml'), 'silence:\n  pokeAfter: 1\n  interruptAfter: 1\n');
    expect((await server.cli(['policy', run, '--from', join(server.dir, 'policy.yaml')], { env: codex.env })).exitCode).toBe(0);
    writeFileSync(join(server.dir, 'p.md'), 'Review this [[hang-once]]\n');
    expect((await server.cli(['spawn', run, 'r1', '--agent', 'codex', '--prompt-file', join(server.dir, 'p.md')], { env: codex.env })).exitCode).toBe(0);
    const worker = () => JSON.parse(readFileSync(join(runDir, 'workers', 'r1', 'worker.json'), 'utf8'));
    // The runner records nothing while codex runs: the id is in what it printed (readers find it there).
    const printed = () => /session id: ([0-9a-f-]{36})/.exec(stripAnsi(readFileSync(join(runDir, 'workers', 'r1', 'pane.log'), 'utf8')))?.[1];
    await waitUntil(printed, 'codex to print its session id', 30_000);
    const sessionId = printed();
    // cron's job, by hand: passes until the worker was interrupted, resumed and finished.
    await waitUntil(async () => {
      await server.cli(['monitor', '--once'], { env: codex.env });
      return worker().state === 'done';
    }, 'the monitor to interrupt and resume the hung reviewer', 90_000, 300);
    const events = readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const kinds = events.filter((e) => e.worker === 'r1').map((e) => e.kind);
    expect(kinds).toContain('monitor.poked');
    expect(kinds).toContain('worker.stalled');
    expect(kinds).toContain('worker.resume');
    expect(worker().resumes).toBe(1);
    expect(worker().sessionId).toBe(sessionId);
    expect(worker().argv).toContain('read-only');
    expect(readFileSync(join(runDir, 'workers', 'r1', 'result.md'), 'utf8')).toBe('stub reply');
    // codex's own record: the resumed turn went to the same session file, and the resume prompt reached the stub.
    expect(stripAnsi(readFileSync(join(runDir, 'workers', 'r1', 'pane.log'), 'utf8'))).toContain(`session id: ${sessionId}`);
    const turns = codex.stub.requests.filter((q) => q.kind === 'turn').map(lastUserText);
    expect(turns.some((t) => t.includes('Continue the task'))).toBe(true);
  } finally {
    await codex.stub.close();
  }
});
