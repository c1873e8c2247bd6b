// Worker truth end to end: an answer only from the declared channel (a banner on stdout is never one), read
// commands that write nothing, behaviour frozen at spawn, ended runs left alone, one way to name a run.
import { cpSync, existsSync, readFileSync, renameSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, fakeTuiProfile, openGate, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { mtimes, newRun, parseOut, spawnFake, workerDir, workerJson, type NewRun } from '../cli/support.js';
import { eventsOf, monitorOnce, observed } from './support.js';

const paneLog = (run: NewRun, name: string) => readFileSync(join(workerDir(run, name), 'pane.log'), 'utf8');

describe('worker truth', () => {
  test('banner on stdout, exit 5, no last-message file: failed with the exit code and its last words; one monitor pass resumes it once; the resumed answer is the result', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'w', 'review this [[banner]] [[crash-once:5]]');
    expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(1);
    const failed = workerJson(run, 'w');
    expect(failed).toMatchObject({ state: 'failed', exitCode: 5, reason: 'agent exited with code 5: fake-agent: crashing with 5', resultSource: 'fallback:stdout' });
    expect(failed.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    // The banner is kept for people, marked, and is no result.
    expect(existsSync(join(workerDir(run, 'w'), 'result.md'))).toBe(false);
    expect(readFileSync(join(workerDir(run, 'w'), 'fallback.md'), 'utf8')).toContain(`session id: ${String(failed.sessionId)}`);
    const result = await server.cli(['result', run.id, 'w', '--json']);
    expect(result.exitCode).toBe(1);
    expect(parseOut(result)).toEqual({ run: run.id, worker: 'w', state: 'failed', reason: 'agent exited with code 5: fake-agent: crashing with 5', source: null, path: null, text: null });
    // --partial prints what it left (the banner kept in fallback.md, marked), still exit 1.
    const partial = await server.cli(['result', run.id, 'w', '--partial']);
    expect(partial.exitCode).toBe(1);
    expect(partial.stdout).toContain('It is not a result');
    expect(partial.stdout).toContain(`session id: ${String(failed.sessionId)}`);

    const pass = await monitorOnce(server);
    expect(observed(pass, 'w')!.actions).toEqual(['resume:1']);
    expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(0);
    expect(workerJson(run, 'w')).toMatchObject({ state: 'done', exitCode: 0, resumes: 1, resultSource: 'file' });
    expect(eventsOf(run, 'worker.resume', 'w').map((e) => e.detail!.sessionId)).toEqual([failed.sessionId]);
    expect(readFileSync(join(workerDir(run, 'w'), 'result.md'), 'utf8').split('\n')[0]).toBe(`resumed ${String(failed.sessionId)}`);
    expect(existsSync(join(workerDir(run, 'w'), 'fallback.md')), 'the old fallback went with the attempt').toBe(false);
  });

  test('a review whose reviewer crashes that way: the synthesizer never sees the banner and is told the reviewer is missing', async ({ server }) => {
    const doc = join(server.dir, 'work', 'doc.md');
    writeFileSync(doc, '# Plan\n\nShip it. [[banner]] [[crash-lens:risks:5]]\n');
    // No resume command: the driver cannot bring the reviewer back, so the synthesis goes on without it.
    const profile = join(server.dir, 'no-resume.yaml');
    writeFileSync(profile, readFileSync(fakeAgentProfile, 'utf8').replace(/^resume:.*\n/m, ''));
    const r = await server.cli(['review', doc, '--agent', profile, '--lenses', 'clarity,risks', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(1);
    const out = parseOut<{ dir: string; workers: { name: string; state: string }[] }>(r);
    expect(out.workers.map((w) => [w.name, w.state])).toEqual([['clarity', 'done'], ['risks', 'failed'], ['synth', 'done']]);
    const synthPrompt = readFileSync(join(out.dir, 'workers', 'synth', 'prompt.md'), 'utf8');
    expect(synthPrompt).not.toContain('session id:');
    expect(synthPrompt).not.toContain('research preview');
    expect(synthPrompt).toMatch(/### risks[^\n]*\n\n\(no result: this worker ended failed without an answer; treat its part as missing\)/);
    expect(synthPrompt).toContain('lens: Clarity');
  });

  test('a pane-channel worker resumed after a crash: its answer is the new attempt\'s part of the transcript only', async ({ server }) => {
    // The fake agent in exec mode with the pane declared as its channel (as a CLI without -o would be).
    const profile = join(server.dir, 'fake-pane.yaml');
    writeFileSync(profile, readFileSync(fakeAgentProfile, 'utf8').replace('lastMessage: file', 'lastMessage: pane').replace(/--last-message, "\{\{lastMessageFile\}\}", /g, ''));
    const run = await newRun(server);
    const spawned = await server.cli(['spawn', run.id, 'p', '--agent', profile, '--prompt', '[[reply:the second attempt answers]] [[crash-once:3]]']);
    expect(spawned.exitCode, String(spawned.stderr)).toBe(0);
    expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(1);
    expect(workerJson(run, 'p')).toMatchObject({ state: 'failed', exitCode: 3, resultSource: 'pane' });
    expect(readFileSync(join(workerDir(run, 'p'), 'result.md'), 'utf8')).toContain('fake-agent: crashing with 3');
    const resumed = await server.cli(['resume', run.id, 'p']);
    expect(resumed.exitCode, String(resumed.stderr)).toBe(0);
    expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(0);
    expect(workerJson(run, 'p')).toMatchObject({ state: 'done', resumes: 1, resultSource: 'pane' });
    const answer = readFileSync(join(workerDir(run, 'p'), 'result.md'), 'utf8');
    expect(answer).toContain('the second attempt answers');
    // The first attempt is still in pane.log, and in no part of the second attempt's answer.
    expect(paneLog(run, 'p')).toContain('fake-agent: crashing with 3');
    expect(answer).not.toContain('crashing with 3');
  });

  test('status, wait, ls, result and log change no file in a run directory', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'done', '[[reply:fine]]');
    expect((await server.cli(['wait', run.id, 'done', '--timeout', '30'])).exitCode).toBe(0);
    await spawnFake(server, run.id, 'busy', '[[gate:busy]]');
    await waitUntil(() => paneLog(run, 'busy').includes('waiting at gate'), 'busy at its gate');
    // The writers are done: the runner's own settle after its start (no lock left, worker.json says running).
    const lock = join(workerDir(run, 'busy'), 'worker.lock');
    await waitUntil(() => workerJson(run, 'busy').state === 'running' && !existsSync(lock), 'busy settled');
    const before = mtimes(run.dir);
    for (const args of [
      ['status', run.id], ['status', run.id, '--json'], ['status'], ['status', '--all', '--json'], ['ls'], ['ls', '--json'],
      ['wait', run.id, 'done'], ['wait', run.id, '--any', '--json'], ['wait', run.id, 'busy', '--timeout', '0.2'],
      ['result', run.id, 'done'], ['result', run.id, 'busy'], ['log', run.id, 'done'], ['log', run.id, 'busy', '--transcript'],
    ]) {
      const r = await server.cli(args);
      expect(r.exitCode, `${args.join(' ')}: ${String(r.stderr)}`).not.toBe(70);
    }
    expect(mtimes(run.dir)).toEqual(before);
    openGate(server, 'busy');
  });

  test('moving a live worker\'s profile file away changes nothing: its screen patterns were copied at spawn', async ({ server }) => {
    const run = await newRun(server);
    const profile = join(server.dir, 'tui.yaml');
    cpSync(fakeTuiProfile, profile);
    const r = await server.cli(['spawn', run.id, 'tui', '--agent', profile, '--prompt', 'x']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    await waitUntil(() => paneLog(run, 'tui').includes('› '), 'the composer');
    expect(observed(await monitorOnce(server), 'tui')).toMatchObject({ state: 'running', screen: 'waiting_input' });
    renameSync(profile, join(server.dir, 'moved.yaml'));
    // A draft in the composer changes the screen, so the next pass looks again.
    expect((await server.cli(['keys', run.id, 'tui', 'h', 'i'])).exitCode).toBe(0);
    await waitUntil(() => paneLog(run, 'tui').includes('› hi'), 'the draft');
    expect(observed(await monitorOnce(server), 'tui')).toMatchObject({ state: 'running', screen: 'waiting_input', captured: true });
  });

  test('an ambiguous run prefix is refused (exit 2, the candidates listed) by every command, kill included; a unique one works', async ({ server }) => {
    const a = await newRun(server, ['--name', 'one']);
    const b = await newRun(server, ['--name', 'two']);
    for (const args of [['status', '2'], ['kill', '2'], ['wait', '2'], ['attach', '2', '--print']]) {
      const r = await server.cli(args);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(String(r.stderr)).toContain('ambiguous');
      expect(String(r.stderr)).toContain(a.id);
      expect(String(r.stderr)).toContain(b.id);
    }
    const json = await server.cli(['kill', '2', '--json']);
    expect(parseOut(json)).toEqual({ error: { code: 'ambiguous_run', message: expect.stringContaining('ambiguous'), exit: 2 } });
    // Nothing was killed.
    for (const run of [a, b]) expect((await server.cli(['status', run.id, '--json'])).exitCode).toBe(0);
    expect(parseOut(await server.cli(['ls', '--json'])).runs.map((r: { live: boolean }) => r.live)).toEqual([true, true]);
    const unique = await server.cli(['status', a.id.slice(0, -1), '--json']);
    expect(parseOut(unique).run).toBe(a.id);
    // A suffix is not a way to name a run (it once ended another run's session).
    expect((await server.cli(['kill', a.id.slice(-4)])).exitCode).toBe(2);
  });

  test('200 finished or killed runs in the index: a no-change monitor pass opens none of them and changes no file of theirs', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'w', '[[reply:done]]');
    expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(0);
    await monitorOnce(server); // reports the worker and ends the run
    expect(JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8'))).toMatchObject({ state: 'finished' });
    // The run's settle step lets go of the run right after it recorded the end.
    await waitUntil(() => !existsSync(join(run.dir, 'settle.lock')), 'the settle step to leave the run');
    const ended = endedCopies(server, run, 200);
    const before = Object.fromEntries(ended.map((d) => [d, mtimes(d)]));
    const pass = await monitorOnce(server);
    expect(pass.runs.map((r) => r.run)).toEqual([]);
    for (const d of ended) expect(mtimes(d), d).toEqual(before[d]);
  });
});

/** Copies a finished run `n` times under new ids, half indexed finished and half killed (as `kill <run>` leaves them). */
function endedCopies(server: TestServer, run: NewRun, n: number): string[] {
  const index = join(server.env.ORCH_TMUX_HOME!, 'index.jsonl');
  const dirs: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `${run.id}-c${i}`;
    const dir = join(server.dir, 'runs', id);
    cpSync(run.dir, dir, { recursive: true });
    const rec = { ...JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')), id, dir, state: i % 2 ? 'killed' : 'finished' };
    writeFileSync(join(dir, 'run.json'), JSON.stringify(rec));
    appendFileSync(index, `${JSON.stringify({ id, dir, session: rec.session, socketPath: rec.socketPath, created: rec.created, state: rec.state })}\n`);
    dirs.push(dir);
  }
  return dirs;
}
