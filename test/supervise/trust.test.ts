// Supervision out of the workers' reach: a project's .orch/config.yaml (it comes with the tree, and a
// worker may write it) only tightens the policy until the user trusts that exact content; the policy in
// force is frozen into the run when it starts; runs live outside the working tree by default.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { parseOut, spawnFake, type NewRun } from '../cli/support.js';
import { eventsOf, monitorOnce, observed, screenOf } from './support.js';

const work = (server: TestServer) => join(server.dir, 'work');
const projectConfig = (server: TestServer) => join(work(server), '.orch', 'config.yaml');
const userConfig = (server: TestServer) => join(server.env.XDG_CONFIG_HOME!, 'orch-tmux', 'config.yaml');

function writeConfig(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

// `new` from the working tree, keeping what it printed on stderr (the untrusted-file warning).
async function startRun(server: TestServer): Promise<{ run: NewRun; stderr: string }> {
  const r = await server.cli(['new', '--json']);
  expect(r.exitCode, String(r.stderr)).toBe(0);
  return { run: parseOut<NewRun>(r), stderr: String(r.stderr) };
}

// A worker at its approval question, then one monitor pass: what it did about it.
async function askOnce(server: TestServer, run: NewRun, name: string): Promise<string[]> {
  await spawnFake(server, run.id, name, 'please [[approve:yn]]');
  await waitUntil(async () => /\[y\/n\]/.test(await screenOf(server, run, name)), 'the approval question');
  const actions = observed(await monitorOnce(server), name)!.actions;
  await server.cli(['kill', run.id, '--grace', '0']);
  return actions;
}

describe('policy from the user, not from the tree', () => {
  test('a repository\'s auto-approve config is only notified, with a warning naming it; trusted, it approves; changed, it is untrusted again', async ({ server }) => {
    writeConfig(projectConfig(server), 'approvals: {mode: auto, allow: ["touch"]}\n');
    const first = await startRun(server);
    expect(first.stderr).toBe(`orch-tmux: ${projectConfig(server)} is not trusted: ignored approvals.mode, approvals.allow (only what tightens applies; \`orch-tmux trust ${projectConfig(server)}\` to allow it)`);
    expect(await askOnce(server, first.run, 'a')).toEqual(['notify:waiting_approval']);
    expect(existsSync(join(work(server), 'approved.txt'))).toBe(false);
    const status = parseOut(await server.cli(['status', first.run.id, '--json']));
    expect(status.policy).toMatchObject({ policy: { approvals: { mode: 'notify' } }, ignored: [{ file: projectConfig(server), keys: ['approvals.mode', 'approvals.allow'] }] });
    expect(status.policy.sources['approvals.mode']).toBeUndefined();

    const trusted = await server.cli(['trust', '--json']);
    expect(trusted.exitCode, String(trusted.stderr)).toBe(0);
    expect(parseOut(trusted)).toMatchObject({ path: projectConfig(server), trusted: true });
    const second = await startRun(server);
    expect(second.stderr).toBe('');
    expect(await askOnce(server, second.run, 'b')).toEqual(['approve']);
    expect(parseOut(await server.cli(['policy', second.run.id, '--json'])).sources['approvals.mode']).toBe(projectConfig(server));

    writeConfig(projectConfig(server), 'approvals: {mode: auto, allow: ["touch"]}\n# changed\n');
    const third = await startRun(server);
    expect(third.stderr).toContain('is not trusted');
    expect(await askOnce(server, third.run, 'c')).toEqual(['notify:waiting_approval']);
  });

  test('a deny pattern in an untrusted project file still refuses a matching command', async ({ server }) => {
    writeConfig(userConfig(server), 'approvals: {mode: auto, allow: [".*"]}\n');
    writeConfig(projectConfig(server), 'approvals: {deny: ["touch approved"]}\n');
    const { run, stderr } = await startRun(server);
    expect(stderr).toBe('');
    expect(await askOnce(server, run, 'w')).toEqual(['deny', 'notify:denied']);
    expect(eventsOf(run, 'monitor.approved')).toEqual([]);
  });

  test('editing any policy file after the run started changes nothing for it', async ({ server }) => {
    writeConfig(userConfig(server), 'approvals: {mode: notify}\n');
    const { run } = await startRun(server);
    const frozen = readFileSync(join(run.dir, 'policy.json'), 'utf8');
    // Everything that could loosen it, after the start: the user's file, a trusted project file, a run-level file.
    writeConfig(userConfig(server), 'approvals: {mode: auto, allow: [".*"]}\n');
    writeConfig(projectConfig(server), 'approvals: {mode: auto, allow: [".*"]}\n');
    expect((await server.cli(['trust'])).exitCode).toBe(0);
    writeFileSync(join(run.dir, 'orch-tmux.yaml'), 'approvals: {mode: auto, allow: [".*"]}\n');
    expect(await askOnce(server, run, 'w')).toEqual(['notify:waiting_approval']);
    expect(readFileSync(join(run.dir, 'policy.json'), 'utf8')).toBe(frozen);
    expect(existsSync(join(work(server), 'approved.txt'))).toBe(false);
  });

  test('runs go under the state folder by default, outside the working tree; doctor warns about a run root inside it', async ({ server }) => {
    const env = { ...server.env, ORCH_TMUX_RUNS: undefined };
    const r = await server.cli(['new', '--json'], { env });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const run = parseOut<NewRun>(r);
    expect(run.dir.startsWith(join(server.env.ORCH_TMUX_HOME ?? join(server.env.XDG_STATE_HOME!, 'orch-tmux'), 'runs'))).toBe(true);
    expect(run.dir.startsWith(work(server))).toBe(false);
    await server.cli(['kill', run.id], { env });
    const inside = await server.cli(['doctor'], { env: { ...server.env, ORCH_TMUX_RUNS: join(work(server), '.orch', 'runs') } });
    expect(String(inside.stdout)).toContain(`warn runs go to ${join(work(server), '.orch', 'runs')}, inside the working tree ${work(server)}: a worker that may write there can rewrite its run`);
  });
});
