// The JSON that programs read: `new --json`, `ls --json`, `status --json`. The shapes asserted here are
// the documented ones (README can quote the comments).
import { execa } from 'execa';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { cleanEnv, test } from '../helpers/tmux-server.js';
import { newRun, spawnFake, statusJson, parseOut } from './support.js';

const tmuxUid = process.getuid?.() ?? 0;

describe('JSON output', () => {
  test('new --json: { id, session, dir, socketPath }; the run dir is 0700 with run.json', async ({ server }) => {
    const run = await newRun(server, ['--name', 'My Review!']);
    // new --json: { id: "YYYYMMDD-HHMMSS-<slug>-<4 hex>", session: "orch-<id>", dir: "<runs root>/<id>", socketPath }
    expect(Object.keys(run).sort()).toEqual(['dir', 'id', 'session', 'socketPath']);
    expect(run.id).toMatch(/^\d{8}-\d{6}-my-review-[0-9a-f]{4}$/);
    expect(run.session).toBe(`orch-${run.id}`);
    expect(run.dir).toBe(join(server.dir, 'runs', run.id));
    expect(run.socketPath).toBe(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${tmuxUid}`, server.name));
    expect(statSync(run.dir).mode & 0o777).toBe(0o700);
    for (const file of ['run.json', 'events.jsonl']) expect(statSync(join(run.dir, file)).mode & 0o777, file).toBe(0o600);
    expect(JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8'))).toMatchObject({ id: run.id, name: 'My Review!', session: run.session, dir: run.dir, state: 'active' });
    const has = await execa('tmux', ['-L', server.name, 'has-session', '-t', `=${run.session}`], { reject: false, env: cleanEnv(), extendEnv: false });
    expect(has.exitCode).toBe(0);
    // Plain `new` prints just the id.
    const plain = await server.cli(['new', '--session', 'custom-one']);
    expect(String(plain.stdout)).toMatch(/^\d{8}-\d{6}-run-[0-9a-f]{4}$/);
    expect((await server.cli(['status', String(plain.stdout), '--json'])).stdout).toContain('"session": "custom-one"');
  });

  test('ls --json: { runs: [{ id, dir, session, socketPath, created, name?, state, live, ageSeconds, workers: { total, done, failed }, cost }] }, newest first', async ({ server }) => {
    const older = await newRun(server, ['--name', 'older']);
    const newer = await newRun(server, ['--name', 'newer']);
    await execa('tmux', ['-L', server.name, 'kill-session', '-t', `=${older.session}`], { env: cleanEnv(), extendEnv: false });
    const r = await server.cli(['ls', '--json']);
    expect(r.exitCode).toBe(0);
    const { runs } = parseOut(r);
    expect(runs.map((x: { id: string }) => x.id)).toEqual([newer.id, older.id]);
    expect(runs[0]).toEqual({
      id: newer.id, dir: newer.dir, session: newer.session, socketPath: newer.socketPath, created: expect.any(String), name: 'newer', state: 'active', live: true,
      ageSeconds: expect.any(Number), workers: { total: 0, done: 0, failed: 0 }, cost: null,
    });
    expect(runs[1]).toMatchObject({ id: older.id, name: 'older', live: false });
    expect(Date.parse(runs[0].created)).toBeGreaterThan(Date.parse(runs[1].created));
  });

  test('status --json shape, for one run and for every live run', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'ok', '[[reply:fine]]');
    await spawnFake(server, run.id, 'bad', '[[crash:5]]');
    await spawnFake(server, run.id, 'busy', '[[hang]]');
    await server.cli(['wait', run.id, 'ok', 'bad']);
    const status = await statusJson(server, run.id);
    // status <run> --json: { run, name?, state, outcome, reason, session, dir, plan?, policy, workers: [...] } (plan only when
    // the run has one; outcome ok|failed and reason once the run ended, null while it is active; policy: the one frozen
    // into the run, { policy, sources, ignored, time })
    expect(status).toEqual({ run: run.id, state: 'active', outcome: null, reason: null, session: run.session, dir: run.dir, policy: expect.objectContaining({ policy: expect.any(Object), sources: {}, ignored: [] }), usage: {}, workers: expect.any(Array) });
    // Each worker, in the order they were made:
    //   name, state (pending|running|done|failed|killed|lost, or unreachable: its host does not answer), host (local|a hosts.yaml name), agent, exitCode (number|null), signal (e.g. "SIGKILL"|null),
    //   reason? (why it failed or was lost), startedAt, endedAt? (ISO), lastActivity? (ISO), paneId ("%N"),
    //   sessionId? (the agent's, for resume), result (path of result.md, or null while there is none),
    //   resultSource? (file|stdout|pane|rehearsal: the declared channel; fallback:stdout|fallback:pane: kept for people, not a result)
    expect(status.workers.map((w) => w.name)).toEqual(['ok', 'bad', 'busy']);
    const [ok, bad, busy] = status.workers;
    const iso = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const uuid = expect.stringMatching(/^[0-9a-f-]{36}$/);
    expect(ok).toEqual({
      name: 'ok', state: 'done', host: 'local', agent: 'fake', exitCode: 0, signal: null, startedAt: iso, endedAt: iso, lastActivity: iso,
      paneId: expect.stringMatching(/^%\d+$/), sessionId: uuid, result: join(run.dir, 'workers', 'ok', 'result.md'), resultSource: 'file',
    });
    // Exit 5 and no answer on the declared channel: failed, the exit code and the agent's last words the reason.
    expect(bad).toMatchObject({ name: 'bad', state: 'failed', exitCode: 5, signal: null, reason: 'agent exited with code 5: fake-agent: crashing with 5', endedAt: iso, result: null });
    expect(busy).toMatchObject({ name: 'busy', state: 'running', exitCode: null, signal: null, result: null, startedAt: iso });
    expect(busy?.endedAt).toBeUndefined();

    // status --json without a run: { runs: [ <the same object per active run> ] }; an ended run (here killed) is left out.
    const other = await newRun(server);
    expect((await server.cli(['kill', other.id])).exitCode).toBe(0);
    const all = parseOut(await server.cli(['status', '--json']));
    expect(all.runs.map((r: { run: string }) => r.run)).toEqual([run.id]);
    const every = parseOut(await server.cli(['status', '--json', '--all']));
    expect(every.runs.map((r: { run: string }) => r.run).sort()).toEqual([run.id, other.id].sort());
  });
});
