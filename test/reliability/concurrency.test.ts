// Concurrency: 10 monitors at once, two reviews of one document at once, two resumes of one run at once,
// 32 spawns into one run at once, 32 spawns of the same name at once: no action done twice, no torn file,
// every worker starts.
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { cleanEnv, fakeAgentProfile, openGate, test, waitUntil } from '../helpers/tmux-server.js';
import {
  cliBackground, countEvents, described, eventLines, fakeMessage, newRun, notDone, notifyRecorder, notifyRecords, oneLine, reportTally, settled, shutdown, workerFile,
  workerJson, writePolicy, type Run,
} from './support.js';

afterAll(() => reportTally(import.meta.filename));

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

describe('concurrency', () => {
  test('10 monitors at once: one resume, one notification per event, files whole, no lock left', async ({ server, expect }) => {
    const run = await newRun(server);
    const record = join(server.dir, 'notify.jsonl');
    await writePolicy(server, run.dir, { notify: { command: [process.execPath, notifyRecorder, record], tmux: true } });
    for (const [name, prompt] of Object.entries({ a: '[[reply:a]]', b: '[[reply:b]]', c: '[[crash-once:3]]' })) {
      const r = await server.cli(['spawn', run.id, name, '--agent', fakeAgentProfile, '--prompt', prompt]);
      expect(r.exitCode, described(r)).toBe(0);
    }
    expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(1);
    const monitors = await Promise.all(Array.from({ length: 10 }, () => server.cli(['monitor', '--once', '--json'])));
    for (const m of monitors) expect(m.exitCode, described(m)).toBe(0);
    const ran = monitors.filter((m) => !(JSON.parse(String(m.stdout)) as { skipped?: boolean }).skipped).length;
    expect(ran, 'at least one monitor did a pass').toBeGreaterThan(0);
    // c was resumed once and finishes; two more passes report it and the end of the run.
    expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(0);
    await Promise.all(Array.from({ length: 10 }, () => server.cli(['monitor', '--once'])));
    expect((await server.cli(['monitor', '--once'])).exitCode).toBe(0);
    expect(countEvents(run.dir, 'worker.resume', 'c'), 'c resumed exactly once').toBe(1);
    const notices = notifyRecords(record).map((r) => JSON.parse(r.stdin) as { event: string; worker?: string });
    const keys = notices.map((n) => `${n.event}:${n.worker ?? ''}`);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i), 'no notification twice').toEqual([]);
    expect(keys.sort()).toEqual(['done:a', 'done:b', 'done:c', 'resumed:c', 'run_finished:']);
    const { bad } = eventLines(run.dir);
    expect(bad, 'events.jsonl has only whole lines').toEqual([]);
    for (const f of ['monitor.json', 'status.json']) expect(() => JSON.parse(readFileSync(join(run.dir, f), 'utf8')), f).not.toThrow();
    expect(existsSync(join(server.dir, 'state', 'monitor.lock'))).toBe(false);
    expect(await settled(server), 'no runner or agent left once every worker ended').toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 120_000);

  test('two reviews of the same document at once: two separate complete runs, a whole index', async ({ server, expect }) => {
    const doc = join(server.dir, 'doc.md');
    writeFileSync(doc, '# Plan\n\nShip it.\n');
    const [r1, r2] = await Promise.all([1, 2].map(() => server.cli(['review', doc, '--agent', fakeAgentProfile, '--lenses', 'clarity,risks', '--json'])));
    const outs = [r1!, r2!].map((r) => {
      expect(r.exitCode, described(r)).toBe(0);
      return JSON.parse(String(r.stdout)) as { run: string; dir: string; ok: boolean; synthesis: string | null };
    });
    expect(outs[0]!.run).not.toBe(outs[1]!.run);
    for (const out of outs) {
      expect(out.ok).toBe(true);
      expect(out.synthesis && existsSync(out.synthesis)).toBeTruthy();
      for (const w of ['clarity', 'risks', 'synth']) expect(countEvents(out.dir, 'worker.started', w), `${out.run}/${w}`).toBe(1);
      expect(eventLines(out.dir).bad).toEqual([]);
    }
    // Every line whole; a run has its creation line and, once it ended, a line saying so.
    const index = lines(join(server.dir, 'state', 'index.jsonl')).map((l) => JSON.parse(l) as { id: string; state?: string });
    expect([...new Set(index.map((e) => e.id))].sort()).toEqual(outs.map((o) => o.run).sort());
    expect(index.filter((e) => e.state === 'finished').map((e) => e.id).sort()).toEqual(outs.map((o) => o.run).sort());
    expect(await settled(server), 'no runner or agent left once every worker ended').toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 120_000);

  test('two `review --resume` of the same run at once: the synthesis starts once, reviewers are not redone', async ({ server, expect }) => {
    const doc = join(server.dir, 'doc.md');
    writeFileSync(doc, '# Plan\n\nShip it. [[gate:reviewers]]\n');
    // A review whose driver died after the reviewers started (as in the faults test).
    const review = cliBackground(server, ['review', doc, '--agent', fakeAgentProfile, '--lenses', 'clarity,risks', '--json']);
    const runsRoot = join(server.dir, 'runs');
    const dir = await waitUntil(() => (existsSync(runsRoot) ? readdirSync(runsRoot).find((d) => existsSync(join(runsRoot, d, 'run.json'))) : undefined), 'the run', 15_000);
    const run = { ...(JSON.parse(readFileSync(join(runsRoot, dir, 'run.json'), 'utf8')) as Run), dir: join(runsRoot, dir) };
    // Running, and its event logged: the driver is killed after the store's whole step, not between its two writes.
    await waitUntil(() => ['clarity', 'risks'].every((l) => existsSync(workerFile(run, l, 'worker.json')) && workerJson(run, l).state === 'running' && countEvents(run.dir, 'worker.started', l) === 1), 'reviewers running', 20_000);
    review.kill('SIGKILL');
    await review;
    // Both resumes start while the reviewers still run; then the reviewers may finish.
    const resuming = Promise.all([1, 2].map(() => server.cli(['review', '--resume', run.id, '--json'])));
    await waitUntil(() => countEvents(run.dir, 'run.driving') > 1, 'a resumed driver to take the run');
    openGate(server, 'reviewers');
    const both = await resuming;
    for (const r of both) {
      expect.soft(r.exitCode, `no internal error: ${described(r)}`).not.toBe(70);
      expect.soft(r.exitCode === 0 || (r.exitCode === 2 && oneLine(r.stderr)), `0, or 2 with one line: ${described(r)}`).toBe(true);
    }
    expect.soft(both.some((r) => r.exitCode === 0)).toBe(true);
    expect.soft(existsSync(join(run.dir, 'synthesis.md'))).toBe(true);
    expect.soft(countEvents(run.dir, 'worker.started', 'synth'), 'synth started once').toBe(1);
    expect.soft(existsSync(join(run.dir, 'attempts')) ? readdirSync(join(run.dir, 'attempts')) : [], 'no worker set aside').toEqual([]);
    for (const l of ['clarity', 'risks']) expect.soft(countEvents(run.dir, 'worker.started', l), `${l} started once`).toBe(1);
    expect.soft(eventLines(run.dir).bad).toEqual([]);
    expect(await settled(server), 'no runner or agent left once every worker ended').toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 120_000);

  test('32 spawns into one run at once: all start and finish with their own prompt, one window each, whole files', async ({ server, expect }) => {
    const run = await newRun(server);
    const names = Array.from({ length: 32 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const prompts = Object.fromEntries(names.map((n) => [n, Buffer.from(`worker ${n}: its own prompt ${'x'.repeat(Number(n.slice(1)) * 37)}`)]));
    for (const n of names) writeFileSync(join(server.dir, `${n}.prompt`), prompts[n]!);
    const results = await Promise.all(names.map((n) => server.cli(['spawn', run.id, n, '--agent', fakeAgentProfile, '--prompt-file', join(server.dir, `${n}.prompt`)])));
    results.forEach((r, i) => expect(r.exitCode, `${names[i]}: ${described(r)}`).toBe(0));
    expect(await notDone(server, run.id), 'every worker done').toEqual([]);
    const windows = (await execa('tmux', ['-L', server.name, 'list-windows', '-t', `=${run.session}`, '-F', '#{window_name}'], { env: cleanEnv(), extendEnv: false })).stdout.split('\n');
    expect(windows.sort()).toEqual(['orch', ...names].sort());
    for (const n of names) {
      expect(workerJson(run, n).state, n).toBe('done');
      expect(readFileSync(workerFile(run, n, 'result.md'), 'utf8'), n).toBe(fakeMessage(prompts[n]!));
      expect(countEvents(run.dir, 'worker.started', n), `${n} started once`).toBe(1);
      expect(countEvents(run.dir, 'worker.done', n), `${n} done once`).toBe(1);
    }
    expect(eventLines(run.dir).bad).toEqual([]);
    expect(await settled(server), 'no runner or agent left once every worker ended').toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 180_000);

  test('32 spawns of the same worker name at once: exactly one starts, the rest exit 2', async ({ server, expect }) => {
    const run = await newRun(server);
    const results = await Promise.all(Array.from({ length: 32 }, (_, i) => server.cli(['spawn', run.id, 'dup', '--agent', fakeAgentProfile, '--prompt', `attempt ${i}`])));
    const ok = results.filter((r) => r.exitCode === 0);
    expect(ok.length, results.map(described).join('\n')).toBe(1);
    for (const r of results.filter((x) => x.exitCode !== 0)) {
      expect(r.exitCode, described(r)).toBe(2);
      expect(oneLine(r.stderr)).toBe(true);
      expect(String(r.stderr)).toContain('already exists');
    }
    expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(0);
    const windows = (await execa('tmux', ['-L', server.name, 'list-windows', '-t', `=${run.session}`, '-F', '#{window_name}'], { env: cleanEnv(), extendEnv: false })).stdout.split('\n');
    expect(windows.filter((w) => w === 'dup')).toHaveLength(1);
    expect(countEvents(run.dir, 'worker.started', 'dup')).toBe(1);
    expect(readdirSync(join(run.dir, 'workers'))).toEqual(['dup']);
    expect(await settled(server), 'no runner or agent left once every worker ended').toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 120_000);
});
