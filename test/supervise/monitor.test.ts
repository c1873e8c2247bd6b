// One pass: status.json snapshot, a damaged policy logged and replaced by the safe defaults, and no capture
// when nothing moved (one list-panes per server and nothing else).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeTuiProfile, test, waitUntil } from '../helpers/tmux-server.js';
import { newRun, promptFile, spawnFake } from '../cli/support.js';
import { eventsOf, monitorOnce, observed, screenOf, writePolicy } from './support.js';

describe('monitor pass', () => {
  test('a damaged policy snapshot is logged (monitor.config-error) and the pass goes on with the safe defaults; status.json is written', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, { approvals: { mode: 'auto', allow: ['.*'] } });
    // Meant to turn on auto-approval, but the frozen policy is damaged: the safe default (notify, never answer) must apply.
    writeFileSync(join(run.dir, 'policy.json'), '{"policy": {"approvals": ');
    await spawnFake(server, run.id, 'w', 'please [[approve:yn]]');
    await waitUntil(async () => /\[y\/n\]/.test(await screenOf(server, run, 'w')), 'the approval question');
    const r = await server.cli(['monitor', '--once', '--json']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`orch-tmux monitor: ${join(run.dir, 'policy.json')}: damaged policy snapshot .*\\(using the safe defaults\\)`));
    const report = JSON.parse(String(r.stdout));
    expect(observed(report, 'w')).toMatchObject({ state: 'running', screen: 'waiting_approval', actions: ['notify:waiting_approval'] });
    const errors = eventsOf(run, 'monitor.config-error');
    expect(errors).toHaveLength(1);
    expect(String(errors[0]!.detail!.error)).toContain('policy.json');
    expect(eventsOf(run, 'monitor.approved')).toEqual([]);
    expect(existsSync(join(server.dir, 'work', 'approved.txt'))).toBe(false);

    const status = JSON.parse(readFileSync(join(run.dir, 'status.json'), 'utf8'));
    expect(status).toMatchObject({ run: run.id, session: run.session });
    expect(Date.parse(status.time)).toBeGreaterThan(Date.now() - 60_000);
    expect(status.workers).toMatchObject([{ name: 'w', state: 'running', screen: 'waiting_approval', captured: true }]);

    // A policy file with an unknown key is refused when it is given, named with its key, and nothing changes.
    const bad = join(server.dir, 'bad.yaml');
    writeFileSync(bad, 'approvals: { mode: auto, alow: [".*"] }\n');
    const refused = await server.cli(['policy', run.id, '--from', bad]);
    expect(refused.exitCode).toBe(2);
    expect(String(refused.stderr)).toMatch(/unknown key `approvals.alow`/);
    expect(readFileSync(join(run.dir, 'policy.json'), 'utf8')).toBe('{"policy": {"approvals": ');
    await server.cli(['kill', run.id, 'w']);
  });

  test('a second pass over a steadily idle interactive worker captures nothing: one tmux call', async ({ server }) => {
    const run = await newRun(server);
    // Quiet for longer than pokeAfter too: an agent idle at its prompt needs no second look either.
    await writePolicy(server, run, { silence: { pokeAfter: 0.5 } });
    const spawned = await server.cli(['spawn', run.id, 'tui', '--agent', fakeTuiProfile, '--prompt-file', promptFile(server, 'tui', '')]);
    expect(spawned.exitCode, String(spawned.stderr)).toBe(0);
    await waitUntil(async () => /^› $/m.test(await screenOf(server, run, 'tui')), 'the idle composer');
    // Until a pass has seen it idle (and captured it to know); then nothing moves.
    await waitUntil(async () => observed(await monitorOnce(server), 'tui')?.screen === 'waiting_input', 'a pass that sees waiting_input');
    await waitUntil(async () => Date.now() - Number(await server.tmux.displayMessage('#{window_activity}', `=${run.session}:tui`)) * 1000 > 1500, 'quiet for more than pokeAfter');
    // One more look if the last one fell inside the activity's second (tmux counts activity in whole seconds).
    await monitorOnce(server);
    for (let pass = 0; pass < 2; pass++) {
      const report = await monitorOnce(server);
      expect(report.tmuxCalls).toBe(1);
      expect(observed(report, 'tui')).toMatchObject({ state: 'running', screen: 'waiting_input', captured: false, actions: [] });
    }
    // Activity moves: the next pass looks again.
    expect((await server.cli(['send', run.id, 'tui', 'hello [[reply:hi]]'])).exitCode).toBe(0);
    await waitUntil(async () => /^• hi/m.test(await screenOf(server, run, 'tui')), 'the reply');
    const moved = await monitorOnce(server);
    expect(moved.tmuxCalls).toBe(2);
    expect(observed(moved, 'tui')!.captured).toBe(true);
    await server.cli(['kill', run.id, 'tui']);
  });
});
