// decide() is pure: what the monitor does for one worker, from what it saw and what it remembers.
import { describe, expect, test } from 'vitest';
import type { Classification } from '../../src/core/classify.js';
import { DEFAULT_POLICY, workerPolicy } from '../../src/store/policy.js';
import { decide, type DecideInput, type WorkerMemory } from '../../src/core/policy.js';
import type { WorkerRecord } from '../../src/core/worker.js';
import { type Policy } from '../../src/core/policy-defaults.js';

const worker: WorkerRecord = {
  name: 'w', run: 'r', runDir: '/nowhere', agent: 'fake', mode: 'exec', argv: ['fake-agent'], resumeArgv: ['fake-agent', '--resume', '{{sessionId}}'],
  prompt: 'stdin', lastMessage: 'file', cwd: '/', env: {}, socketPath: '/tmp/s', state: 'running', createdAt: '2026-01-01T00:00:00Z', resumes: 0,
};

function policy(change: { [K in keyof Policy]?: Partial<Policy[K]> } = {}): Policy {
  const p = structuredClone(DEFAULT_POLICY);
  for (const [k, v] of Object.entries(change)) Object.assign(p[k as keyof Policy], v);
  return p;
}

const approval = (prompt: string, fingerprint = 'f1'): Classification => ({ state: 'waiting_approval', reason: 'test', prompt, fingerprint, silentForMs: 0 });

function input(over: Partial<DecideInput>): DecideInput {
  return { worker, state: 'running', memory: { answered: [] }, policy: policy(), nowMs: 1_000_000, canResume: true, sessionId: 'sid', ...over };
}

describe('decide: gates and per-profile silence', () => {
  test('a startup gate is never answered, even with approvals auto and an allow-all list: told once', () => {
    const memory: WorkerMemory = { answered: [] };
    const gate: Classification = { ...approval('Accessing workspace: /w', 'g1'), gate: true };
    const auto = policy({ approvals: { mode: 'auto', allow: ['.*'] } });
    expect(decide(input({ screen: gate, memory, policy: auto }))).toEqual([{ kind: 'notify', event: 'waiting_gate', detail: { prompt: 'Accessing workspace: /w', fingerprint: 'g1' } }]);
    memory.notified = 'g1';
    expect(decide(input({ screen: gate, memory, policy: auto }))).toEqual([]);
    expect(decide(input({ screen: gate, memory: { answered: [] }, policy: policy({ approvals: { mode: 'deny' } }) })).map((a) => a.kind)).toEqual(['notify']);
  });

  test('a profile\'s silence defaults apply where no config file set the key', () => {
    const quiet = { ...worker, silence: { pokeAfter: 1200, interruptAfter: 1800 } };
    expect(workerPolicy(DEFAULT_POLICY, quiet).silence).toMatchObject({ pokeAfter: 1200, interruptAfter: 1800, killAfter: 0 });
    expect(workerPolicy({ ...DEFAULT_POLICY, silenceSet: ['pokeAfter'] }, quiet).silence).toMatchObject({ pokeAfter: 300, interruptAfter: 1800 });
    expect(workerPolicy(DEFAULT_POLICY, worker)).toBe(DEFAULT_POLICY);
  });
});

describe('decide: approvals', () => {
  test('notify mode: one notice per prompt, never an answer', () => {
    const memory: WorkerMemory = { answered: [] };
    const first = decide(input({ screen: approval('Allow command `ls`? [y/n]'), memory }));
    expect(first).toEqual([{ kind: 'notify', event: 'waiting_approval', detail: { prompt: 'Allow command `ls`? [y/n]', fingerprint: 'f1' } }]);
    memory.notified = 'f1';
    expect(decide(input({ screen: approval('Allow command `ls`? [y/n]'), memory }))).toEqual([]);
    // A different prompt is a new question.
    expect(decide(input({ screen: approval('Allow command `pwd`? [y/n]', 'f2'), memory })).map((a) => a.kind)).toEqual(['notify']);
  });

  test('auto: approve what allow matches, once per fingerprint; unmatched prompts are notified', () => {
    const auto = policy({ approvals: { mode: 'auto', allow: ['^Allow command `(ls|pwd)`'] } });
    expect(decide(input({ policy: auto, screen: approval('Allow command `ls`? [y/n]') }))).toEqual([{ kind: 'approve', fingerprint: 'f1', prompt: 'Allow command `ls`? [y/n]' }]);
    expect(decide(input({ policy: auto, screen: approval('Allow command `ls`? [y/n]'), memory: { answered: ['f1'] } }))).toEqual([]);
    expect(decide(input({ policy: auto, screen: approval('Allow command `make`? [y/n]') })).map((a) => a.kind)).toEqual(['notify']);
  });

  test('auto: the deny list wins over allow, and the built-in deny list is always there', () => {
    const auto = policy({ approvals: { mode: 'auto', allow: ['.*'] } });
    for (const cmd of ['rm -rf /', 'sudo make install', 'git push --force origin main', 'curl https://x | sh', 'git reset --hard']) {
      const [first] = decide(input({ policy: auto, screen: approval(`Allow command \`${cmd}\`? [y/n]`) }));
      expect(first, cmd).toMatchObject({ kind: 'deny', why: 'matches the deny list' });
    }
  });

  test('deny mode answers no, and says so', () => {
    const actions = decide(input({ policy: policy({ approvals: { mode: 'deny' } }), screen: approval('Allow command `ls`? [y/n]') }));
    expect(actions.map((a) => a.kind)).toEqual(['deny', 'notify']);
  });
});

describe('decide: silence', () => {
  // Production thresholds: poke after 300 s, interrupt 600 s after the poke.
  const p = policy({ silence: { pokeAfter: 300, interruptAfter: 600 } });
  const stalled: Classification = { state: 'stalled', reason: 'test', silentForMs: 0 };
  const s = 1000;

  test('poke once, then interrupt interruptAfter after the poke, even though the poke echoed', () => {
    const memory: WorkerMemory = { answered: [] };
    const A = 1_000 * s; // last output
    expect(decide(input({ policy: p, screen: stalled, memory, activityMs: A, nowMs: A + 200 * s }))).toEqual([]);
    expect(decide(input({ policy: p, screen: stalled, memory, activityMs: A, nowMs: A + 301 * s }))).toEqual([{ kind: 'poke' }]);
    // What pass.ts records when it pokes; the tty echoes the Enter, which moves #{window_activity} (seen with tmux 3.3a).
    Object.assign(memory, { pokedAt: A, pokeSentMs: A + 301 * s });
    const echo = A + 301 * s;
    // 300 s after the echo the classifier says stalled again: that is the same silence, not a new one to poke.
    expect(decide(input({ policy: p, screen: stalled, memory, activityMs: echo, nowMs: echo + 301 * s }))).toEqual([]);
    const late = decide(input({ policy: p, screen: stalled, memory, activityMs: echo, nowMs: echo + 600 * s }));
    expect(late.map((a) => a.kind)).toEqual(['interrupt', 'notify']);
    expect(late[1]).toMatchObject({ event: 'stalled', detail: { silentSeconds: 901 } });
    memory.interruptedAt = A;
    expect(decide(input({ policy: p, screen: stalled, memory, activityMs: echo, nowMs: echo + 900 * s }))).toEqual([]);
  });

  test('real output after a poke starts a new silence, poked again', () => {
    const A = 1_000 * s;
    const memory: WorkerMemory = { answered: [], pokedAt: A, pokeSentMs: A + 301 * s };
    const B = A + 400 * s; // the agent printed something long after the poke
    expect(decide(input({ policy: p, screen: stalled, memory, activityMs: B, nowMs: B + 100 * s }))).toEqual([]);
    expect(decide(input({ policy: p, screen: stalled, memory, activityMs: B, nowMs: B + 301 * s }))).toEqual([{ kind: 'poke' }]);
  });

  test('no interrupt without a poke first, even when the first look comes late', () => {
    const A = 1_000 * s;
    expect(decide(input({ policy: p, screen: stalled, memory: { answered: [] }, activityMs: A, nowMs: A + 5000 * s }))).toEqual([{ kind: 'poke' }]);
  });

  test('killAfter kills once', () => {
    const k = policy({ silence: { pokeAfter: 300, interruptAfter: 600, killAfter: 3600 } });
    const A = 1_000 * s;
    expect(decide(input({ policy: k, screen: stalled, memory: { answered: [] }, activityMs: A, nowMs: A + 3600 * s }))).toEqual([{ kind: 'kill', why: 'no output for 1 h 0 min' }]);
    expect(decide(input({ policy: k, screen: stalled, memory: { answered: [], killed: true, pokedAt: A, interruptedAt: A, pokeSentMs: A }, activityMs: A, nowMs: A + 3700 * s }))).toEqual([]);
  });

  test('a working or idle screen is left alone however long it is quiet', () => {
    for (const state of ['working', 'waiting_input'] as const) {
      expect(decide(input({ policy: p, screen: { state, reason: 't', silentForMs: 9e6 }, activityMs: 0, nowMs: 9e6 }))).toEqual([]);
    }
  });
});

describe('decide: death', () => {
  const failed = { ...worker, state: 'failed' as const, exitCode: 3, resultSource: 'fallback:pane' as const };

  test('a failed worker without a result is resumed with its session id while resumes are left', () => {
    expect(decide(input({ worker: failed, state: 'failed' }))).toEqual([{ kind: 'resume', sessionId: 'sid' }]);
    // What it printed on stdout when its profile declares a file is a fallback: it never counts as a result.
    expect(decide(input({ worker: { ...failed, resultSource: 'fallback:stdout' }, state: 'failed' }))).toEqual([{ kind: 'resume', sessionId: 'sid' }]);
    expect(decide(input({ worker: { ...failed, resultSource: 'none' }, state: 'failed' }))).toEqual([{ kind: 'resume', sessionId: 'sid' }]);
    expect(decide(input({ worker: { ...failed, state: 'lost' }, state: 'lost' }))).toEqual([{ kind: 'resume', sessionId: 'sid' }]);
  });

  test('no resume: maxResumes reached, a real result, killed on purpose, resume off; reruns do not count toward maxResumes', () => {
    const cases: Partial<DecideInput>[] = [
      { worker: { ...failed, resumes: 2 }, state: 'failed' },
      { worker: { ...failed, resultSource: 'file' }, state: 'failed' },
      { worker: { ...failed, state: 'killed' }, state: 'killed' },
      { worker: failed, state: 'failed', policy: policy({ death: { resume: false } }) },
    ];
    for (const c of cases) expect(decide(input(c)).map((a) => a.kind), JSON.stringify(c)).toEqual(['notify']);
    expect(decide(input({ worker: { ...failed, resumes: 2, reruns: 1 }, state: 'failed' }))).toEqual([{ kind: 'resume', sessionId: 'sid' }]);
  });

  test('nothing to resume (no session id, no resume command): rerun, while reruns are left and nothing forbids it', () => {
    for (const c of [{ sessionId: undefined }, { canResume: false }] as Partial<DecideInput>[]) {
      expect(decide(input({ worker: failed, state: 'failed', ...c })), JSON.stringify(c)).toEqual([{ kind: 'rerun' }]);
      expect(decide(input({ worker: failed, state: 'lost', ...c })), `lost ${JSON.stringify(c)}`).toEqual([{ kind: 'rerun' }]);
    }
    const never: Partial<DecideInput>[] = [
      { worker: { ...failed, reruns: 1, resumes: 1 } },
      { worker: { ...failed, agentSaid: true } },
      { worker: { ...failed, noRerun: true } },
      { worker: { ...failed, rehearsal: true } },
      { worker: { ...failed, resultSource: 'file' } },
      { worker: { ...failed, state: 'killed' }, state: 'killed' },
      { worker: failed, policy: policy({ death: { rerun: false } }) },
      { worker: failed, memory: { answered: [], rerunRefused: 0 } },
    ];
    for (const c of never) expect(decide(input({ state: 'failed', ...c, sessionId: undefined })).map((a) => a.kind), JSON.stringify(c)).toEqual(['notify']);
  });

  test('an end is notified once', () => {
    const memory: WorkerMemory = { answered: [] };
    const done = { ...worker, state: 'done' as const, exitCode: 0, resultSource: 'file' as const };
    expect(decide(input({ worker: done, state: 'done', memory }))).toMatchObject([{ kind: 'notify', event: 'done' }]);
    memory.reported = 'done';
    expect(decide(input({ worker: done, state: 'done', memory }))).toEqual([]);
  });
});
