// How an attempt ended, from its exit fact and the evidence: every row of judgeExit, in its order of
// precedence, and deriveTruth for the states a record in progress can reach (no tmux: the evidence is data).
import { describe, expect, test } from 'vitest';
import type { ExitFact } from '../../src/core/facts.js';
import { paneMap } from '../../src/core/panes.js';
import { deriveTruth, judgeExit, type Evidence } from '../../src/core/truth.js';
import type { WorkerRecord } from '../../src/core/worker.js';

const exit = (o: Partial<ExitFact> = {}): ExitFact => ({ code: 0, signal: null, time: '2026-12-07T10:00:00.000Z', ...o });
const said = { killRequested: false, answered: true };

describe('judgeExit: every row, first match wins', () => {
  test.for([
    ['killed by orch-tmux kill, whatever else', exit({ code: 1 }), { ...said, killRequested: true, agentFailure: 'x' }, { state: 'killed', reason: 'killed by orch-tmux kill' }],
    ['the runner could not start it', exit({ code: 127, error: 'could not start x: not found or not executable' }), said, { state: 'failed', reason: 'could not start x: not found or not executable' }],
    ['orch-tmux interrupted its turn (exit 0 and an answer too)', exit(), { ...said, interrupted: 'by the monitor after 600 s of silence' }, { state: 'failed', reason: 'interrupted: by the monitor after 600 s of silence' }],
    ['the agent reported a failure (its own word)', exit(), { ...said, agentFailure: 'the agent reported an error: Not logged in' }, { state: 'failed', reason: 'the agent reported an error: Not logged in', agentSaid: true }],
    ['an exit code its profile explains (its own word)', exit({ code: 41 }), { ...said, exitCodes: { 41: 'authentication failed' }, lastWords: 'boom' }, { state: 'failed', reason: 'agent exited with code 41: authentication failed', agentSaid: true }],
    ['ended by a signal, with its last words', exit({ code: null, signal: 'SIGABRT' }), { ...said, lastWords: 'assertion failed: queue not empty' }, { state: 'failed', reason: 'agent ended by SIGABRT: assertion failed: queue not empty' }],
    ['ended by SIGKILL (from outside): its last words do not say why', exit({ code: null, signal: 'SIGKILL' }), { ...said, lastWords: 'Ripgrep is not available. Falling back to GrepTool.' }, { state: 'failed', reason: 'agent ended by SIGKILL' }],
    ['ended by a signal, silent', exit({ code: null, signal: 'SIGSEGV' }), { ...said, answered: false }, { state: 'failed', reason: 'agent ended by SIGSEGV' }],
    ['a non-zero exit with its last words, answer or not', exit({ code: 1 }), { ...said, lastWords: 'boom: cannot open config' }, { state: 'failed', reason: 'agent exited with code 1: boom: cannot open config' }],
    ['a non-zero exit, silent', exit({ code: 3 }), { ...said, answered: false }, { state: 'failed', reason: 'agent exited with code 3' }],
    ['exit 0 without an answer on its channel', exit(), { ...said, answered: false }, { state: 'failed', reason: 'no result' }],
    ['exit 0 with its answer', exit(), said, { state: 'done' }],
  ] as const)('%s', ([, fact, evidence, expected]) => {
    expect(judgeExit(fact, evidence as Parameters<typeof judgeExit>[1])).toEqual(expected);
  });
});

// A record in progress, as spawn writes it, and evidence with nothing in it.
const rec = (o: Partial<WorkerRecord> = {}): WorkerRecord => ({
  name: 'w', run: 'r', runDir: '/r', agent: 'fake', mode: 'exec', argv: ['/bin/true'], prompt: 'stdin', lastMessage: 'file', states: {},
  keys: { approve: ['y'], deny: ['n'], interrupt: ['C-c'], submit: ['Enter'] }, cwd: '/r', env: {}, socketPath: '/s', state: 'running',
  createdAt: '2026-12-07T10:00:00.000Z', startedAt: '2026-12-07T10:00:01.000Z', paneId: '%1', runnerPid: 11, resumes: 0, version: 2, ...o,
});
const now = Date.parse('2026-12-07T10:05:00.000Z');
const pane = { paneId: '%1', dead: false, activity: now, pid: 11, currentCommand: 'sh', windowName: 'w' };
const evidence = (o: Partial<Evidence> = {}): Evidence => ({ facts: {}, panes: 'unknown', killRequested: false, answered: false, alive: () => true, nowMs: now, ...o });
const listed = (...panes: (typeof pane)[]) => paneMap(panes.map((p) => [p.paneId, p]), now - 1000);

describe('deriveTruth: what the evidence shows', () => {
  test('a finished record stands, whatever tmux shows', () => {
    expect(deriveTruth(rec({ state: 'done' }), evidence({ panes: 'gone' }))).toMatchObject({ state: 'done' });
  });
  test('an exit fact is judged (judgeExit)', () => {
    expect(deriveTruth(rec(), evidence({ facts: { exit: exit({ code: 2 }) } }))).toMatchObject({ state: 'failed', reason: 'agent exited with code 2' });
  });
  test('its host does not answer: unreachable, never lost', () => {
    expect(deriveTruth(rec({ host: { name: 'box', ssh: 'box', dir: 'd', env: {}, forward: [], maxWorkers: 8, source: 's' } }), evidence({ panes: 'unreachable', unreachable: 'ssh: timed out' })))
      .toMatchObject({ state: 'unreachable', reason: 'ssh: timed out' });
  });
  test('running: its pane alive and its runner too; a listing older than its start says nothing', () => {
    expect(deriveTruth(rec(), evidence({ panes: listed(pane) }))).toMatchObject({ state: 'running' });
    const stale = paneMap([], Date.parse('2026-12-07T10:00:00.500Z'));
    expect(deriveTruth(rec(), evidence({ panes: stale }))).toMatchObject({ state: 'running' });
  });
  test('lost: the session or server gone, or its pane vanished', () => {
    expect(deriveTruth(rec(), evidence({ panes: 'gone' }))).toMatchObject({ state: 'lost', reason: 'tmux session or server gone' });
    expect(deriveTruth(rec(), evidence({ panes: listed() }))).toMatchObject({ state: 'lost', reason: 'worker pane vanished' });
  });
  test('failed: its pane dead with no outcome recorded, or its runner gone', () => {
    expect(deriveTruth(rec(), evidence({ panes: listed({ ...pane, dead: true, deadStatus: 137 } as typeof pane) }))).toMatchObject({ state: 'failed', reason: 'runner died without recording an outcome (pane exit status 137)' });
    expect(deriveTruth(rec(), evidence({ panes: listed(pane), alive: () => false }))).toMatchObject({ state: 'failed', reason: 'runner process is gone' });
  });
  test('pending: waits for its runner, lost when its starter died or nobody came within the grace', () => {
    const waiting = rec({ state: 'pending', startedAt: undefined, paneId: undefined, runnerPid: undefined, createdAt: new Date(now - 1000).toISOString(), starterPid: 7 });
    expect(deriveTruth(waiting, evidence({ panes: listed() }))).toMatchObject({ state: 'pending' });
    const late = { ...waiting, createdAt: new Date(now - 10_000).toISOString() };
    expect(deriveTruth(late, evidence({ panes: listed(), alive: () => false }))).toMatchObject({ state: 'lost', reason: 'its starter died before the agent started' });
    const abandoned = { ...waiting, createdAt: new Date(now - 60_000).toISOString() };
    expect(deriveTruth(abandoned, evidence({ panes: listed() }))).toMatchObject({ state: 'lost', reason: 'the worker never started (its starter died?)' });
    expect(deriveTruth(abandoned, evidence({ panes: 'gone' }))).toMatchObject({ state: 'lost', reason: 'tmux session gone before the worker started' });
  });
});
