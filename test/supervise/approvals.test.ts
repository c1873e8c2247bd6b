// monitor and approval prompts: notified by default (never answered), answered once under `auto`,
// refused by the deny list and under `deny` mode. The fake agent asks `Allow command `touch approved.txt`? [y/n]`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeTuiProfile, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { newRun, promptFile, spawnFake, workerDir, workerJson, type NewRun } from '../cli/support.js';
import { actionsOf, eventsOf, monitorOnce, notices, observed, screenOf, writePolicy } from './support.js';

const approvedFile = (server: TestServer) => join(server.dir, 'work', 'approved.txt');

/** Spawns a worker that asks for approval and waits until the question is on its screen. */
async function askingWorker(server: TestServer, run: NewRun, name = 'w'): Promise<void> {
  await spawnFake(server, run.id, name, 'please [[approve:yn]]');
  await waitUntil(async () => /\[y\/n\]/.test(await screenOf(server, run, name)), 'the approval question on screen');
}

describe('monitor: approvals', () => {
  test('notify mode (the default): waiting_approval notified once over several passes, the prompt left alone', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, {}); // only a notify command: approvals stay at the default (notify)
    await askingWorker(server, run);
    for (let pass = 0; pass < 4; pass++) {
      const report = await monitorOnce(server);
      const w = observed(report, 'w')!;
      expect(w.state).toBe('running');
      expect(w.screen, w.reason).toBe('waiting_approval');
      expect(w.actions).toEqual(pass === 0 ? ['notify:waiting_approval'] : []);
    }
    const waiting = notices(server).filter((n) => n.event === 'waiting_approval');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ run: run.id, worker: 'w' });
    expect(String(waiting[0]!.detail!.prompt)).toContain('touch approved.txt');
    expect(eventsOf(run, 'monitor.approved')).toEqual([]);
    expect(eventsOf(run, 'monitor.denied')).toEqual([]);
    // Not answered: still asking, nothing approved, the worker still running.
    expect(await screenOf(server, run, 'w')).toMatch(/\[y\/n\]\s*$/);
    expect(existsSync(approvedFile(server))).toBe(false);
    expect(workerJson(run, 'w').state).toBe('running');
    await server.cli(['kill', run.id, 'w']);
  });

  test('auto: answered exactly once, even over more passes while the prompt may still be on screen', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, { approvals: { mode: 'auto' } });
    await askingWorker(server, run);
    const first = await monitorOnce(server);
    expect(observed(first, 'w')!.actions).toEqual(['approve']);
    // More passes right away: the y/n question is still the last thing a capture may show.
    for (let pass = 0; pass < 3; pass++) expect(actionsOf(await monitorOnce(server), 'w').filter((a) => a === 'approve')).toEqual([]);
    await waitUntil(() => existsSync(approvedFile(server)), 'approved.txt');
    expect((await server.cli(['wait', run.id, 'w', '--timeout', '20'])).exitCode).toBe(0);
    for (let pass = 0; pass < 2; pass++) await monitorOnce(server);
    const approved = eventsOf(run, 'monitor.approved', 'w');
    expect(approved).toHaveLength(1);
    expect(approved[0]!.detail).toMatchObject({ by: 'monitor', keys: ['y'] });
    expect(eventsOf(run, 'monitor.denied')).toEqual([]);
    expect(workerJson(run, 'w')).toMatchObject({ state: 'done', exitCode: 0 });
    expect(readFileSync(join(workerDir(run, 'w'), 'result.md'), 'utf8')).toMatch(/^fake-agent done/);
    expect(notices(server).filter((n) => n.event === 'approved')).toHaveLength(1);
    expect(notices(server).filter((n) => n.event === 'waiting_approval')).toEqual([]);
  });

  test('auto with a deny-list match: the deny key is sent once, nothing approved', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, { approvals: { mode: 'auto', allow: ['.*'], deny: ['touch approved'] } });
    await askingWorker(server, run);
    const report = await monitorOnce(server);
    expect(observed(report, 'w')!.actions).toEqual(['deny', 'notify:denied']);
    expect((await server.cli(['wait', run.id, 'w', '--timeout', '20'])).exitCode).toBe(0);
    await monitorOnce(server);
    expect(existsSync(approvedFile(server))).toBe(false);
    const denied = eventsOf(run, 'monitor.denied', 'w');
    expect(denied).toHaveLength(1);
    expect(denied[0]!.detail).toMatchObject({ keys: ['n'], why: 'matches the deny list' });
    expect(eventsOf(run, 'monitor.approved')).toEqual([]);
    // The fake agent reports a refused command as its message.
    expect(readFileSync(join(workerDir(run, 'w'), 'result.md'), 'utf8')).toMatch(/^denied\n?$/);
    expect(notices(server).filter((n) => n.event === 'denied')).toHaveLength(1);
  });

  test('deny mode: the prompt is answered no', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, { approvals: { mode: 'deny' } });
    await askingWorker(server, run);
    expect(observed(await monitorOnce(server), 'w')!.actions).toEqual(['deny', 'notify:denied']);
    expect((await server.cli(['wait', run.id, 'w', '--timeout', '20'])).exitCode).toBe(0);
    expect(existsSync(approvedFile(server))).toBe(false);
    expect(eventsOf(run, 'monitor.denied', 'w')).toHaveLength(1);
    expect(eventsOf(run, 'monitor.denied', 'w')[0]!.detail).toMatchObject({ why: 'approvals.mode is deny' });
    expect(readFileSync(join(workerDir(run, 'w'), 'result.md'), 'utf8')).toMatch(/^denied\n?$/);
  });

  test('auto: the same question asked again in a later turn is answered again (interactive agent)', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, { approvals: { mode: 'auto' } });
    expect((await server.cli(['spawn', run.id, 'tui', '--agent', fakeTuiProfile, '--prompt-file', promptFile(server, 'tui', '')])).exitCode).toBe(0);
    await waitUntil(async () => /^› $/m.test(await screenOf(server, run, 'tui')), 'the idle composer');
    for (const turn of [1, 2]) {
      expect((await server.cli(['send', run.id, 'tui', `turn ${turn} [[approve:yn]]`])).exitCode).toBe(0);
      await waitUntil(async () => /\[y\/n\]\s*$/.test(await screenOf(server, run, 'tui')), `turn ${turn}'s question`);
      expect(observed(await monitorOnce(server), 'tui')!.actions).toEqual(['approve']);
      await waitUntil(async () => new RegExp(`^• ok ${turn}$`, 'm').test(await screenOf(server, run, 'tui')), `turn ${turn}'s answer`);
      // A pass that sees the agent past the question, as cron's next pass would.
      expect(observed(await monitorOnce(server), 'tui')).toMatchObject({ screen: 'waiting_input', actions: [] });
    }
    expect(eventsOf(run, 'monitor.approved', 'tui')).toHaveLength(2);
    await server.cli(['kill', run.id, 'tui']);
  });
});
