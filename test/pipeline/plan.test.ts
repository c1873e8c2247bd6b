// plan: steps with exactly one in progress until all are done (update_plan), in plan.json, `status --json` and the session's tmux status line.
import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, test, type TestServer } from '../helpers/tmux-server.js';
import { cliJson, readEvents } from './support.js';

interface PlanJson {
  run: string;
  plan: { steps: { title: string; status: string }[]; updated: string } | null;
}

async function statusRight(server: TestServer, session: string): Promise<string> {
  const r = await execa('tmux', ['-L', server.name, 'show-options', '-v', '-t', `=${session}:`, 'status-right'], { env: server.env, extendEnv: false });
  return String(r.stdout);
}

describe('plan', () => {
  test('set starts the first step, start moves the marker, done moves it on; shown in status --json and the status line', async ({ server }) => {
    const run = await cliJson<{ id: string; session: string; dir: string }>(server, ['new']);
    const none = await cliJson<PlanJson>(server, ['plan', run.id]);
    expect(none).toEqual({ run: run.id, plan: null });

    const set = await server.cli(['plan', run.id, 'set', 'a', 'b', 'c']);
    expect(set.exitCode).toBe(0);
    expect(String(set.stderr)).toBe(''); // 3 steps: no warning
    expect(String(set.stdout)).toBe('1. [>] a\n2. [ ] b\n3. [ ] c');
    expect(await statusRight(server, run.session)).toBe('plan 0/3 > 1. a');

    // The marker moves; there is never a second step in progress.
    expect((await server.cli(['plan', run.id, 'start', '2'])).exitCode).toBe(0);
    const stored = JSON.parse(readFileSync(join(run.dir, 'plan.json'), 'utf8'));
    expect(stored.steps.map((s: { status: string }) => s.status)).toEqual(['pending', 'in_progress', 'pending']);
    expect(await statusRight(server, run.session)).toBe('plan 0/3 > 2. b');

    const done = await cliJson<PlanJson>(server, ['plan', run.id, 'done', '2']);
    expect(done.plan!.steps.map((s) => s.status)).toEqual(['pending', 'completed', 'in_progress']);
    await cliJson<PlanJson>(server, ['plan', run.id, 'done', '3']);
    const last = await cliJson<PlanJson>(server, ['plan', run.id, 'done', '1']);
    expect(last.plan!.steps.map((s) => s.status)).toEqual(['completed', 'completed', 'completed']);

    const status = await cliJson<{ plan: PlanJson['plan'] }>(server, ['status', run.id]);
    expect(status.plan!.steps.map((s) => s.status)).toEqual(['completed', 'completed', 'completed']);
    expect(await statusRight(server, run.session)).toBe('plan 3/3');
    expect(readEvents(run.dir).filter((e) => e.kind === 'plan.updated').map((e) => e.detail!.verb)).toEqual(['set', 'start', 'done', 'done', 'done']);
  });

  test.for([
    ['0 in progress while steps remain', [['a', 'completed'], ['b', 'pending']], 2, /Exactly one step must be in progress while steps remain, got 0/],
    ['2 in progress', [['a', 'in_progress'], ['b', 'in_progress'], ['c', 'pending']], 2, /got 2/],
    ['no steps', [], 2, /at least one step/],
    ['an unknown status', [['a', 'doing']], 2, /pending, in_progress, completed or failed, got "doing"/],
    ['a failed step and one pending, none in progress', [['a', 'failed'], ['b', 'pending']], 2, /got 0/],
    ['a failed step, then the next in progress', [['a', 'failed'], ['b', 'in_progress'], ['c', 'pending']], 0, undefined],
    ['every step closed, one failed', [['a', 'completed'], ['b', 'failed'], ['c', 'completed']], 0, undefined],
    ['all completed', [['a', 'completed'], ['b', 'completed'], ['c', 'completed']], 0, undefined],
    ['one in progress', [['a', 'completed'], ['b', 'in_progress'], ['c', 'pending']], 0, undefined],
  ] as const)('update: %s', async ([, steps, exit, message], { server }) => {
    const run = await cliJson<{ id: string; dir: string }>(server, ['new']);
    const input = JSON.stringify({ steps: steps.map(([title, status]) => ({ title, status })) });
    const r = await server.cli(['plan', run.id, 'update'], { input });
    expect(r.exitCode, String(r.stderr)).toBe(exit);
    if (message) {
      expect(String(r.stderr)).toMatch(message);
      expect(existsSync(join(run.dir, 'plan.json')), 'a refused plan is not written').toBe(false);
    } else {
      expect(JSON.parse(readFileSync(join(run.dir, 'plan.json'), 'utf8')).steps).toEqual(steps.map(([title, status]) => ({ title, status })));
    }
  });

  test('update takes YAML too; 2 steps warn but are kept; bad step numbers and actions exit 2; # is shown literally in tmux', async ({ server }) => {
    const run = await cliJson<{ id: string; session: string }>(server, ['new']);
    const two = await server.cli(['plan', run.id, 'update'], { input: '- {title: "fix #12", status: in_progress}\n- {title: ship, status: pending}\n' });
    expect(two.exitCode).toBe(0);
    expect(String(two.stderr)).toBe('orch-tmux plan: warning: 2 steps; plans of 3 to 6 steps work best');
    expect((await cliJson<PlanJson>(server, ['status', run.id])).plan!.steps.map((s) => s.title)).toEqual(['fix #12', 'ship']);
    // status-right is a format: the stored value escapes # so tmux prints "fix #12", not a format.
    expect(await statusRight(server, run.session)).toBe('plan 0/2 > 1. fix ##12');
    const shown = await execa('tmux', ['-L', server.name, 'display-message', '-p', '-t', `=${run.session}:`, '#{T:status-right}'], { env: server.env, extendEnv: false });
    expect(String(shown.stdout)).toBe('plan 0/2 > 1. fix #12');
    for (const args of [['start', '3'], ['start', '0'], ['done', 'x'], ['frob']]) {
      const r = await server.cli(['plan', run.id, ...args]);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(String(r.stderr).split('\n'), args.join(' ')).toHaveLength(1);
    }
    const seven = await server.cli(['plan', run.id, 'set', '1', '2', '3', '4', '5', '6', '7']);
    expect(seven.exitCode).toBe(0);
    expect(String(seven.stderr)).toBe('orch-tmux plan: warning: 7 steps; plans of 3 to 6 steps work best');
  });

  test('a pattern run keeps its own plan: one step per stage, advanced stage by stage', async ({ server }) => {
    writeFileSync(join(server.dir, 'work', 'notes.md'), '# Notes\n\nTeh typo.\n');
    const out = await cliJson<{ dir: string }>(server, ['run', 'review-fix', '--var', 'doc=notes.md', '--agent', fakeAgentProfile]);
    const plan = JSON.parse(readFileSync(join(out.dir, 'plan.json'), 'utf8'));
    expect(plan.steps).toEqual([{ title: 'review: 1 worker', status: 'completed' }, { title: 'fix: 1 worker', status: 'completed' }, { title: 'verify: 1 worker', status: 'completed' }]);
    // Each stage's end moved the marker on, in order, and each step was in progress before its workers ran.
    const updates = readEvents(out.dir).filter((e) => e.kind === 'plan.updated').map((e) => e.detail!.completed ?? `start ${String(e.detail!.stage)}`);
    expect(updates).toEqual(['start review', 'review', 'fix', 'verify']);
    const events = readEvents(out.dir);
    const at = (pred: (e: (typeof events)[number]) => boolean) => events.findIndex(pred);
    expect(at((e) => e.kind === 'plan.updated' && e.detail!.completed === 'review')).toBeLessThan(at((e) => e.kind === 'worker.created' && e.worker === 'fix'));
    expect(at((e) => e.kind === 'plan.updated' && e.detail!.completed === 'fix')).toBeLessThan(at((e) => e.kind === 'worker.created' && e.worker === 'verify'));
  });

  test('an unknown run exits 2', async ({ server }) => {
    const r = await server.cli(['plan', 'nope', 'set', 'a', 'b', 'c']);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toMatch(/^orch-tmux plan: Unknown run "nope"/);
  });
});
