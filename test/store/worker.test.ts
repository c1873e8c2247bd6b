// The store, the one owner of a worker's record: every transition of the state machine checked on real files,
// refused ones logged and never written, and 32 real processes racing on one worker leaving a legal history.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { WorkerRecord, WorkerState } from '../../src/core/worker.js';
import { RefusedTransition, transition } from '../../src/store/worker.js';
import { hermeticEnv, repoRoot } from '../helpers/tmux-server.js';
import { TRANSITIONS } from '../../src/core/states.js';

const STATES: WorkerState[] = ['pending', 'running', 'done', 'failed', 'killed', 'lost'];
const root = mkdtempSync(join(tmpdir(), 'orch-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A run directory holding one worker in `state` (the record as spawn writes it). */
function workerIn(state: WorkerState, label: string): { runDir: string; file: string; events: string } {
  const runDir = join(root, label);
  mkdirSync(join(runDir, 'workers', 'w'), { recursive: true });
  const rec: WorkerRecord = {
    name: 'w', run: label, runDir, agent: 'fake', mode: 'exec', argv: ['/bin/true'], prompt: 'stdin', lastMessage: 'file',
    states: {}, keys: { approve: ['y'], deny: ['n'], interrupt: ['C-c'], submit: ['Enter'] }, cwd: runDir, env: {}, socketPath: '/nowhere',
    state, createdAt: new Date().toISOString(), resumes: 0, version: 1,
  };
  const file = join(runDir, 'workers', 'w', 'worker.json');
  writeFileSync(file, `${JSON.stringify(rec, null, 2)}\n`);
  writeFileSync(join(runDir, 'events.jsonl'), '');
  return { runDir, file, events: join(runDir, 'events.jsonl') };
}

const events = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { worker?: string; kind: string; detail: Record<string, unknown> });

describe('state machine (real files)', () => {
  for (const from of STATES) {
    for (const to of STATES) {
      const ok = TRANSITIONS[from].includes(to);
      test(`${from} -> ${to}: ${ok ? 'applied, one event' : 'refused and logged, nothing written'}`, () => {
        const w = workerIn(from, `${from}-${to}`);
        const before = readFileSync(w.file);
        if (ok) {
          const after = transition(w.runDir, 'w', to, {}, 'test');
          expect(after).toMatchObject({ state: to, version: 2 });
          expect(JSON.parse(readFileSync(w.file, 'utf8'))).toMatchObject({ state: to, version: 2 });
          const [e] = events(w.events);
          expect(events(w.events)).toHaveLength(1);
          expect(e!.detail).toMatchObject({ from, to, version: 2, by: 'test' });
        } else {
          expect(() => transition(w.runDir, 'w', to, {}, 'test')).toThrow(RefusedTransition);
          expect(readFileSync(w.file).equals(before), 'worker.json untouched').toBe(true);
          expect(events(w.events)).toMatchObject([{ worker: 'w', kind: 'worker.refused', detail: { from, to, by: 'test' } }]);
        }
      });
    }
  }
  test('the table is the one DESIGN describes: done is final; failed, lost (and killed, by hand) go back to pending; queued starts or is killed', () => {
    expect(TRANSITIONS).toEqual({
      queued: ['pending', 'killed'], pending: ['running', 'failed', 'killed', 'lost'], running: ['done', 'failed', 'killed', 'lost'],
      failed: ['pending'], lost: ['pending'], killed: ['pending'], done: [],
    });
  });
});

describe('concurrency (real processes)', () => {
  test('32 processes (runners finishing, monitors settling, kill, resume) on one worker: a legal history, never torn, never regressed', async () => {
    const w = workerIn('running', 'race');
    // The agent of attempt 0 started, and it left its answer: a finishing runner will make it done.
    const wdir = join(w.runDir, 'workers', 'w');
    writeFileSync(join(wdir, 'start-0.facts'), `pid=1\nrunnerPid=1\ntime=${new Date().toISOString()}\n`);
    writeFileSync(join(wdir, 'last-message.txt'), 'the answer');
    const gate = join(root, 'race-gate');
    const roles = Array.from({ length: 32 }, (_, i) => ['finish', 'settle', 'settle', 'kill', 'resume', 'settle', 'finish', 'resume'][i % 8]!);
    const actor = join(repoRoot, 'test', 'store', 'fixtures', 'store-actor.mjs');
    const procs = roles.map((role) => execa(process.execPath, [actor, w.runDir, 'w', role, gate], { env: hermeticEnv(join(root, 'env')), extendEnv: false, reject: false }));
    // All 32 are up and waiting at the gate (each says so on stdout's first byte)... then go at once.
    await Promise.all(procs.map((p) => new Promise<void>((res) => p.stdout!.once('data', () => res()))));
    writeFileSync(gate, '');
    const results = await Promise.all(procs);
    for (const r of results) expect(r.exitCode, String(r.stderr)).toBe(0);

    const rec = JSON.parse(readFileSync(w.file, 'utf8')) as WorkerRecord; // whole JSON: never torn
    // Replay the worker's transitions from `running`: each one allowed, each one from where the last left.
    const history = events(w.events).filter((e) => e.worker === 'w' && e.kind !== 'worker.refused');
    let state: WorkerState = 'running';
    let version = 1;
    for (const e of history) {
      expect(e.detail.from, JSON.stringify(e)).toBe(state);
      expect(TRANSITIONS[state], `${state} -> ${String(e.detail.to)}`).toContain(e.detail.to);
      expect(e.detail.version, 'versions go up one by one').toBe(version + 1);
      state = e.detail.to as WorkerState;
      version = e.detail.version as number;
    }
    expect(rec.state).toBe(state);
    expect(rec.version).toBe(version);
    expect(history.length, 'something happened').toBeGreaterThan(0);
    // Never regressed: `running` again only right after a resume made it pending.
    history.forEach((e, i) => {
      if (e.detail.to === 'running') expect(history[i - 1]?.detail.to, 'running only after pending').toBe('pending');
    });
  }, 60_000);
});
