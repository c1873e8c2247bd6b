// plan: steps with at most one in progress, in plan.json, `status --json` and the session's tmux status line.
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test, type TestServer } from '../helpers/tmux-server.js';
import { cliJson, readEvents } from '../review/support.js';

interface PlanJson {
  run: string;
  plan: { steps: { title: string; status: string }[]; updated: string } | null;
}

async function statusRight(server: TestServer, session: string): Promise<string> {
  const r = await execa('tmux', ['-L', server.name, 'show-options', '-v', '-t', `=${session}:`, 'status-right'], { env: server.env, extendEnv: false });
  return String(r.stdout);
}

describe('plan', () => {
  test('set, start, refuse a second start, done; shown in status --json and the status line', async ({ server }) => {
    const run = await cliJson<{ id: string; session: string; dir: string }>(server, ['new']);
    const none = await cliJson<PlanJson>(server, ['plan', run.id]);
    expect(none).toEqual({ run: run.id, plan: null });

    const set = await server.cli(['plan', run.id, 'set', 'a', 'b', 'c']);
    expect(set.exitCode).toBe(0);
    expect(String(set.stderr)).toBe(''); // 3 steps: no warning
    expect(String(set.stdout)).toBe('1. [ ] a\n2. [ ] b\n3. [ ] c');
    expect(await statusRight(server, run.session)).toBe('plan 0/3');

    expect((await server.cli(['plan', run.id, 'start', '1'])).exitCode).toBe(0);
    expect(await statusRight(server, run.session)).toBe('plan 0/3 > 1. a');
    const second = await server.cli(['plan', run.id, 'start', '2']);
    expect(second.exitCode).toBe(2);
    expect(String(second.stderr)).toBe(`orch-tmux plan: Step 1 is in progress: mark it done first (orch-tmux plan ${run.id} done 1)`);
    // The refusal changed nothing.
    const stored = JSON.parse(readFileSync(join(run.dir, 'plan.json'), 'utf8'));
    expect(stored.steps.map((s: { status: string }) => s.status)).toEqual(['in_progress', 'pending', 'pending']);

    const done = await cliJson<PlanJson>(server, ['plan', run.id, 'done', '1']);
    expect(done.plan!.steps).toEqual([{ title: 'a', status: 'completed' }, { title: 'b', status: 'pending' }, { title: 'c', status: 'pending' }]);
    expect((await server.cli(['plan', run.id, 'start', '2'])).exitCode).toBe(0);

    const status = await cliJson<{ plan: PlanJson['plan'] }>(server, ['status', run.id]);
    expect(status.plan!.steps).toEqual([{ title: 'a', status: 'completed' }, { title: 'b', status: 'in_progress' }, { title: 'c', status: 'pending' }]);
    expect(await statusRight(server, run.session)).toBe('plan 1/3 > 2. b');
    expect(readEvents(run.dir).filter((e) => e.kind === 'plan.updated').map((e) => e.detail!.verb)).toEqual(['set', 'start', 'done', 'start']);
  });

  test('2 steps warn but are kept; bad step numbers and actions exit 2; # is shown literally in tmux', async ({ server }) => {
    const run = await cliJson<{ id: string; session: string }>(server, ['new']);
    const two = await server.cli(['plan', run.id, 'set', 'fix #12', 'ship']);
    expect(two.exitCode).toBe(0);
    expect(String(two.stderr)).toBe('orch-tmux plan: warning: 2 steps; plans of 3 to 6 steps work best');
    expect((await cliJson<PlanJson>(server, ['status', run.id])).plan!.steps.map((s) => s.title)).toEqual(['fix #12', 'ship']);
    expect((await server.cli(['plan', run.id, 'start', '1'])).exitCode).toBe(0);
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

  test('an unknown run exits 2', async ({ server }) => {
    const r = await server.cli(['plan', 'nope', 'set', 'a', 'b', 'c']);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toMatch(/^orch-tmux plan: Unknown run "nope"/);
  });
});
