// monitor and workers that die: resumed with the agent's session id (by the monitor and by hand), up to
// maxResumes; also when the runner died unrecorded or the tmux session went away.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { newRun, spawnFake, workerDir, workerJson, type NewRun } from '../cli/support.js';
import { eventsOf, monitorOnce, notices, observed, screenOf, writePolicy } from './support.js';

const result = (run: NewRun, name: string) => readFileSync(join(workerDir(run, name), 'result.md'), 'utf8');

/** Waits (with `wait`) until the worker has ended; returns wait's exit code. */
/** The session id the agent printed (the runner records nothing while the agent runs; readers find it there). */
function printedSessionId(run: NewRun, name: string): string | undefined {
  return /session id: ([0-9a-f-]{36})/.exec(readFileSync(join(workerDir(run, name), 'pane.log'), 'utf8'))?.[1];
}

async function ended(server: TestServer, run: NewRun, name: string): Promise<number | undefined> {
  return (await server.cli(['wait', run.id, name, '--timeout', '20'])).exitCode;
}

describe('monitor: death', () => {
  test('a crashed worker ([[crash-once:3]]) is resumed with its session id and finishes', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, {});
    await spawnFake(server, run.id, 'w', 'work [[crash-once:3]]');
    expect(await ended(server, run, 'w')).toBe(1);
    const sessionId = String(workerJson(run, 'w').sessionId);
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(observed(await monitorOnce(server), 'w')!.actions).toEqual(['resume:1']);
    expect(await ended(server, run, 'w')).toBe(0);
    expect(workerJson(run, 'w')).toMatchObject({ state: 'done', exitCode: 0, resumes: 1, sessionId });
    expect(result(run, 'w').split('\n')[0]).toBe(`resumed ${sessionId}`);
    expect(eventsOf(run, 'worker.resume', 'w')).toMatchObject([{ detail: { sessionId, attempt: 1, previousState: 'failed', previousExitCode: 3 } }]);
    expect(eventsOf(run, 'worker.resumed', 'w')).toMatchObject([{ detail: { sessionId } }]);
    expect(notices(server).filter((n) => n.event === 'resumed')).toMatchObject([{ worker: 'w', detail: { sessionId, attempt: 1 } }]);
    const after = await monitorOnce(server);
    expect(observed(after, 'w')).toMatchObject({ state: 'done', actions: ['notify:done'] });
    expect(notices(server).map((n) => n.event)).toEqual(['resumed', 'done', 'run_finished']);
  });

  test('`resume <run> <worker>` by hand does the same and says what it resumed from', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'w', 'work [[crash-once:3]]');
    expect(await ended(server, run, 'w')).toBe(1);
    const sessionId = String(workerJson(run, 'w').sessionId);
    const r = await server.cli(['resume', run.id, 'w']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`resumed w from session ${sessionId} (attempt 1; it was failed with exit 3)`);
    expect(await ended(server, run, 'w')).toBe(0);
    expect(workerJson(run, 'w')).toMatchObject({ state: 'done', resumes: 1 });
    expect(result(run, 'w').split('\n')[0]).toBe(`resumed ${sessionId}`);
    expect(eventsOf(run, 'worker.resume', 'w')).toMatchObject([{ detail: { sessionId, attempt: 1 } }]);
    // A finished worker has nothing to resume.
    const again = await server.cli(['resume', run.id, 'w', '--json']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/done/);
  });

  test('maxResumes is honoured: a worker that always crashes is resumed twice, then stays failed and `failed` is notified', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, { death: { resume: true, maxResumes: 2 } });
    await spawnFake(server, run.id, 'w', 'work [[crash:3]]');
    for (const attempt of [1, 2]) {
      expect(await ended(server, run, 'w')).toBe(1);
      expect(observed(await monitorOnce(server), 'w')!.actions).toEqual([`resume:${attempt}`]);
    }
    expect(await ended(server, run, 'w')).toBe(1);
    expect(observed(await monitorOnce(server), 'w')!.actions).toEqual(['notify:failed']);
    // Every worker finished and was reported: that pass ended the run, and the next one leaves it alone.
    expect(JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8'))).toMatchObject({ state: 'finished' });
    expect(observed(await monitorOnce(server), 'w')).toBeUndefined();
    expect(workerJson(run, 'w')).toMatchObject({ state: 'failed', exitCode: 3, resumes: 2 });
    expect(eventsOf(run, 'worker.resume', 'w').map((e) => e.detail!.attempt)).toEqual([1, 2]);
    const failed = notices(server).filter((n) => n.event === 'failed');
    expect(failed).toMatchObject([{ worker: 'w', detail: { exitCode: 3, resumes: 2 } }]);
  });

  test('a worker whose runner was killed (worker.json still says running) is found failed and resumed', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, {});
    await spawnFake(server, run.id, 'w', 'work [[hang-once]]');
    await waitUntil(async () => printedSessionId(run, 'w') && /hanging/.test(await screenOf(server, run, 'w')), 'the session id, then the hang');
    const before = { ...workerJson(run, 'w'), sessionId: printedSessionId(run, 'w') };
    // SIGKILL, the runner first (so it cannot see its agent die and record it): nothing records an outcome,
    // like a crash of the machine.
    process.kill(Number(before.runnerPid), 'SIGKILL');
    process.kill(Number(before.agentPid), 'SIGKILL');
    expect(workerJson(run, 'w').state).toBe('running');
    // status derives the end from the evidence and says it is not recorded yet; a reader never records it.
    const status = JSON.parse(String((await server.cli(['status', run.id, '--json'])).stdout));
    expect(status.workers[0]).toMatchObject({ name: 'w', state: 'failed', recorded: false });
    expect(workerJson(run, 'w')).toMatchObject({ state: 'running', version: before.version });
    const report = await monitorOnce(server);
    expect(observed(report, 'w')).toMatchObject({ state: 'failed', actions: ['resume:1'] });
    expect(eventsOf(run, 'monitor.resume-failed')).toEqual([]);
    expect(await ended(server, run, 'w')).toBe(0);
    expect(workerJson(run, 'w')).toMatchObject({ state: 'done', resumes: 1, sessionId: before.sessionId });
    expect(result(run, 'w').split('\n')[0]).toBe(`resumed ${String(before.sessionId)}`);
  });

  test('a worker lost with its tmux session is resumed in a new session (socket given by name)', async ({ server }) => {
    const run = await newRun(server);
    await writePolicy(server, run, {});
    await spawnFake(server, run.id, 'w', 'work [[hang-once]]');
    await waitUntil(async () => printedSessionId(run, 'w') && /hanging/.test(await screenOf(server, run, 'w')), 'the session id, then the hang');
    const sessionId = printedSessionId(run, 'w');
    await server.tmux.run([['kill-session', '-t', `=${run.session}`]]);
    // The runner went with its window and recorded nothing: the monitor finds the session gone.
    const report = await monitorOnce(server);
    expect(observed(report, 'w')).toMatchObject({ state: 'lost', actions: ['resume:1'] });
    expect(await ended(server, run, 'w')).toBe(0);
    expect(workerJson(run, 'w')).toMatchObject({ state: 'done', resumes: 1, sessionId });
    expect(eventsOf(run, 'run.session-recreated')).toHaveLength(1);
  });
});
