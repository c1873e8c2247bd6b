// Lifecycle hooks: a worker whose profile declares `hooks:` reports its own state (hooks.jsonl), its
// permission requests are decided by the run's policy inside the hook (never typed), a person is told at
// once when one must answer, `send` refuses to type into a waiting prompt, and `explain` names the evidence.
// The fake agent runs Claude Code-style hooks from its --settings file.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fixturesDir, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { newRun, workerDir, type NewRun } from '../cli/support.js';
import { eventsOf, monitorOnce, notices, observed, screenOf, writePolicy } from './support.js';

const hooksProfile = join(fixturesDir, 'agents', 'fake-tui-hooks.yaml');
const approvedFile = (server: TestServer) => join(server.dir, 'work', 'approved.txt');

interface Line { fact: string; decision?: string; event: { hook_event_name?: string; session_id?: string; tool_input?: { command?: string } } | null }
const hookLines = (run: NewRun, name: string): Line[] => {
  const path = join(workerDir(run, name), 'hooks.jsonl');
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line) : [];
};
const facts = (run: NewRun, name: string) => hookLines(run, name).map((l) => l.fact + (l.decision ? `:${l.decision}` : ''));

/** Spawns the hooked fake TUI, waits for its SessionStart line and composer, then submits `text`. */
async function hookedWorker(server: TestServer, run: NewRun, text: string, name = 'w'): Promise<void> {
  const r = await server.cli(['spawn', run.id, name, '--agent', hooksProfile, '--prompt', 'unused']);
  expect(r.exitCode, String(r.stderr)).toBe(0);
  await waitUntil(() => facts(run, name).includes('session'), 'the SessionStart hook line');
  await waitUntil(async () => /^› ?$/m.test(await screenOf(server, run, name)), 'the composer');
  const sent = await server.cli(['send', run.id, name, text]);
  expect(sent.exitCode, String(sent.stderr)).toBe(0);
}

describe('hooks', () => {
  test('facts arrive in order, 0600, and the session id comes from SessionStart; the monitor reads state from them', async ({ server }) => {
    const run = await newRun(server);
    await hookedWorker(server, run, 'hello [[reply:hi there]]');
    await waitUntil(() => facts(run, 'w').includes('turn_done'), 'the Stop hook line');
    expect(facts(run, 'w')).toEqual(['session', 'working', 'turn_done']);
    expect(statSync(join(workerDir(run, 'w'), 'hooks.jsonl')).mode & 0o777).toBe(0o600);
    const id = hookLines(run, 'w')[0]!.event!.session_id;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const report = await monitorOnce(server);
    expect(observed(report, 'w')).toMatchObject({ state: 'running', screen: 'waiting_input', from: 'hook' });
    const explained = await server.cli(['explain', run.id, 'w', '--json']);
    expect(explained.exitCode).toBe(0);
    expect(JSON.parse(String(explained.stdout))).toMatchObject({ state: 'running', hooks: { lines: 3, newest: { fact: 'turn_done', line: 3 } }, now: { state: 'waiting_input', from: 'hook' } });
    await server.cli(['kill', run.id, 'w']);
  });

  test('auto + allow list: the hook approves once, the command runs, nothing is typed and no prompt is shown', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, { approvals: { mode: 'auto', allow: ['^touch approved\\.txt$'] } });
    await hookedWorker(server, run, 'please [[approve:yn]]');
    await waitUntil(() => existsSync(approvedFile(server)), 'approved.txt');
    await waitUntil(() => facts(run, 'w').includes('turn_done'), 'the turn to end');
    expect(facts(run, 'w')).toEqual(['session', 'working', 'approval:allow', 'turn_done']);
    expect(hookLines(run, 'w')[2]!.event!.tool_input!.command).toBe('touch approved.txt');
    expect(eventsOf(run, 'hook.approved', 'w')).toHaveLength(1);
    expect(eventsOf(run, 'hook.approved', 'w')[0]!.detail).toMatchObject({ by: 'hook', request: 'touch approved.txt', why: 'matches the allow list' });
    expect(await screenOf(server, run, 'w')).toContain('approved by a hook');
    expect(await screenOf(server, run, 'w')).not.toContain('[y/n]');
    for (let pass = 0; pass < 2; pass++) expect(observed(await monitorOnce(server), 'w')!.actions).toEqual([]);
    expect(eventsOf(run, 'monitor.approved')).toEqual([]);
    await server.cli(['kill', run.id, 'w']);
  });

  test('auto + deny list: the hook refuses, the command never runs, the user is told', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, { approvals: { mode: 'auto', allow: ['.*'], deny: ['touch approved'] } });
    await hookedWorker(server, run, 'please [[approve:yn]]');
    await waitUntil(() => facts(run, 'w').includes('turn_done'), 'the turn to end');
    expect(facts(run, 'w')).toEqual(['session', 'working', 'approval:deny', 'turn_done']);
    expect(existsSync(approvedFile(server))).toBe(false);
    expect(eventsOf(run, 'hook.denied', 'w')[0]!.detail).toMatchObject({ request: 'touch approved.txt', why: 'matches the deny list' });
    expect(notices(server).filter((n) => n.event === 'denied')).toHaveLength(1);
    await server.cli(['kill', run.id, 'w']);
  });

  test('notify mode: the notify command has the request before the prompt shows; send refuses to type into it; the monitor neither types nor tells twice', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, {});
    await hookedWorker(server, run, 'please [[approve:yn]]');
    await waitUntil(async () => /\[y\/n\]/.test(await screenOf(server, run, 'w')), 'the approval question on screen');
    const told = notices(server).filter((n) => n.event === 'waiting_approval');
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ run: run.id, worker: 'w', detail: { prompt: 'touch approved.txt', by: 'hook' } });
    expect(facts(run, 'w')).toEqual(['session', 'working', 'approval:ask']);

    const refused = await server.cli(['send', run.id, 'w', 'carry on']);
    expect(refused.exitCode).toBe(1);
    expect(String(refused.stderr)).toMatch(/^orch-tmux send: Worker w is waiting at an approval prompt \(touch approved\.txt\): nothing was typed/);
    expect(await screenOf(server, run, 'w')).not.toContain('carry on');

    for (let pass = 0; pass < 2; pass++) {
      const w = observed(await monitorOnce(server), 'w')!;
      expect(w).toMatchObject({ screen: 'waiting_approval', from: 'hook', actions: [] });
    }
    expect(notices(server).filter((n) => n.event === 'waiting_approval')).toHaveLength(1);
    const explained = await server.cli(['explain', run.id, 'w']);
    expect(String(explained.stdout)).toMatch(/now: waiting_approval from the hook: hook PermissionRequest \(hooks\.jsonl:3\): asked a person/);
    // A person answers with keys; the agent goes on.
    expect((await server.cli(['keys', run.id, 'w', 'y'])).exitCode).toBe(0);
    await waitUntil(() => existsSync(approvedFile(server)), 'approved.txt');
    await waitUntil(() => facts(run, 'w').includes('turn_done'), 'the turn to end');
    await server.cli(['kill', run.id, 'w']);
  });
});
