// When there is nothing to resume, run it again: a worker that failed with no session (or whose profile has
// no resume) starts its task again from prompt.md, once by default, from the pattern driver and from the
// monitor; never a killed worker, one the agent itself failed, a profile that opts out, or a writer whose
// workspace changed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, test, type TestServer } from '../helpers/tmux-server.js';
import { newRun, parseOut, spawnFake, workerJson, type NewRun } from '../cli/support.js';
import { eventsOf, monitorOnce, observed } from './support.js';

const FAILED_START = 'agent exited with code 1: fake-agent: Failed query: CREATE TABLE workspace (database is locked)';

// The fake profile with extra lines (an exit code it explains, an opt-out).
function profileWith(server: TestServer, name: string, extra: string): string {
  const path = join(server.dir, `${name}.yaml`);
  writeFileSync(path, `${readFileSync(fakeAgentProfile, 'utf8')}\n${extra}\n`);
  return path;
}

const waitRun = async (server: TestServer, run: NewRun) => (await server.cli(['wait', run.id, '--timeout', '30'])).exitCode;

describe('reruns', () => {
  test('review whose agent fails its first start with no session: each worker is rerun once, the review exits 0', async ({ server }) => {
    writeFileSync(join(server.dir, 'work', 'doc.md'), '# Plan\n\nShip it. [[start-fail-once:1]]\n');
    const r = await server.cli(['review', 'doc.md', '--agent', fakeAgentProfile, '--lenses', 'clarity,risks', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = parseOut<{ dir: string; workers: { name: string; state: string; reruns?: number }[] }>(r);
    const run = { dir: out.dir } as NewRun;
    expect(workerJson(run, 'clarity')).toMatchObject({ state: 'done', resumes: 1, reruns: 1, restart: 'rerun' });
    expect(out.workers.find((w) => w.name === 'clarity')).toMatchObject({ state: 'done', reruns: 1 });
    // Two attempts: the failed start and the rerun; one rerun event, naming the first attempt's reason.
    const reruns = eventsOf(run, 'worker.rerun', 'clarity');
    expect(reruns).toHaveLength(1);
    expect(reruns[0]!.detail).toMatchObject({ attempt: 1, because: FAILED_START, previousState: 'failed', by: 'rerun' });
    expect(eventsOf(run, 'worker.started', 'clarity')).toHaveLength(2);
    const md = String((await server.cli(['report', out.dir, '--md'])).stdout);
    expect(md).toMatch(/^\| clarity \| fake \| done \| 0 \|.*\| 0 \| 1 \|/m);
  });

  test('an agent that always fails its start is rerun once (death.maxReruns), then the review fails', async ({ server }) => {
    writeFileSync(join(server.dir, 'work', 'doc.md'), '# Plan\n\nShip it. [[start-fail:1]]\n');
    const r = await server.cli(['review', 'doc.md', '--agent', fakeAgentProfile, '--lenses', 'clarity,risks', '--no-synth', '--json']);
    expect(r.exitCode).toBe(1);
    const out = parseOut<{ dir: string }>(r);
    for (const name of ['clarity', 'risks']) expect(workerJson({ dir: out.dir } as NewRun, name)).toMatchObject({ state: 'failed', reruns: 1, reason: FAILED_START });
  });

  test('an exit code the profile explains is the agent\'s own word: no rerun', async ({ server }) => {
    writeFileSync(join(server.dir, 'work', 'doc.md'), '# Plan\n\nShip it. [[start-fail-once:41]]\n');
    const profile = profileWith(server, 'explained', 'exitCodes: { "41": "not logged in" }');
    const r = await server.cli(['review', 'doc.md', '--agent', profile, '--lenses', 'clarity,risks', '--no-synth', '--json']);
    expect(r.exitCode).toBe(1);
    const run = { dir: parseOut<{ dir: string }>(r).dir } as NewRun;
    expect(workerJson(run, 'clarity')).toMatchObject({ state: 'failed', reason: 'agent exited with code 41: not logged in', agentSaid: true });
    expect(workerJson(run, 'clarity').reruns).toBeUndefined();
    expect(eventsOf(run, 'worker.rerun')).toEqual([]);
  });

  test('the monitor reruns a worker that died before it had a session; a killed one and a profile with rerun: false are not rerun', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'flaky', 'task [[start-fail-once:1]]');
    await spawnFake(server, run.id, 'stopped', 'task [[hang]]');
    const optOut = profileWith(server, 'no-rerun', 'rerun: false');
    expect((await server.cli(['spawn', run.id, 'unsafe', '--agent', optOut, '--prompt', 'another task [[start-fail-once:1]]'])).exitCode).toBe(0);
    expect((await server.cli(['kill', run.id, 'stopped', '--grace', '0'])).exitCode).toBe(0);
    expect(await waitRun(server, run)).toBe(1);
    const pass = await monitorOnce(server);
    expect(observed(pass, 'flaky')!.actions).toEqual(['rerun:1']);
    expect(observed(pass, 'stopped')!.actions).toEqual(['notify:killed']);
    expect(observed(pass, 'unsafe')!.actions).toEqual(['notify:failed']);
    expect(await waitRun(server, run)).toBe(1); // stopped and unsafe stay as they were
    expect(workerJson(run, 'flaky')).toMatchObject({ state: 'done', reruns: 1 });
    expect(workerJson(run, 'unsafe')).toMatchObject({ state: 'failed', noRerun: true });
    expect(eventsOf(run, 'worker.rerun').map((e) => e.worker)).toEqual(['flaky']);
  });

  test('the monitor reruns at most death.maxReruns times', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'broken', 'task [[start-fail:1]]');
    expect(await waitRun(server, run)).toBe(1);
    expect(observed(await monitorOnce(server), 'broken')!.actions).toEqual(['rerun:1']);
    expect(await waitRun(server, run)).toBe(1);
    expect(observed(await monitorOnce(server), 'broken')!.actions).toEqual(['notify:failed']);
    expect(workerJson(run, 'broken')).toMatchObject({ state: 'failed', resumes: 1, reruns: 1 });
  });

  test('a writer that changed files before it died is not rerun on top of its change; the event says why', async ({ server }) => {
    const work = join(server.dir, 'work');
    writeFileSync(join(work, 'agent.mjs'), "import { writeFileSync } from 'node:fs'; writeFileSync('half-made.txt', 'half'); console.error('crashed'); process.exit(1);\n");
    writeFileSync(join(work, 'agent.yaml'), 'name: writer\nmode: exec\ncommand: [node, ./agent.mjs]\nprompt: stdin\nlastMessage: stdout\n');
    const run = await newRun(server);
    expect((await server.cli(['spawn', run.id, 'writer', '--agent', join(work, 'agent.yaml'), '--sandbox', 'workspace-write', '--prompt', 'go'])).exitCode).toBe(0);
    expect(await waitRun(server, run)).toBe(1);
    expect(workerJson(run, 'writer').workspacePrint).toMatch(/^[0-9a-f]{64}$/);
    expect(observed(await monitorOnce(server), 'writer')!.actions).toEqual(['rerun-refused']);
    const [refused] = eventsOf(run, 'monitor.rerun-refused', 'writer');
    expect(refused!.detail).toMatchObject({ code: 'workspace_changed', error: expect.stringContaining('changed since its attempt started') });
    // Said once: the next pass reports the failure instead of trying again.
    expect(observed(await monitorOnce(server), 'writer')!.actions).toEqual(['notify:failed']);
    expect(workerJson(run, 'writer')).toMatchObject({ state: 'failed', resumes: 0 });
  });
});
