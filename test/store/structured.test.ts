// The agent's own word in its JSON output decides: its answer, its session id (chosen up front), its error
// flag and the tool calls it was refused; an interrupted turn is never done; what an agent leaves running
// after it exits is ended and named. Driven by fake-json-agent, shaped like `claude -p --output-format stream-json`.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fixturesDir, openGate, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { newRun, parseOut, promptFile, workerDir, workerJson, type NewRun } from '../cli/support.js';
import { eventsOf, monitorOnce, observed, writePolicy } from '../supervise/support.js';

const profile = join(fixturesDir, 'agents', 'fake-json.yaml');

async function spawnJson(server: TestServer, run: NewRun, name: string, prompt: string, extra: string[] = []) {
  const r = await server.cli(['spawn', run.id, name, '--agent', profile, '--prompt-file', promptFile(server, `${run.id}-${name}`, prompt), ...extra]);
  expect(r.stderr, `spawn ${name}`).toBe('');
  expect(r.exitCode, `spawn ${name}`).toBe(0);
}

async function waitRun(server: TestServer, run: NewRun) {
  return server.cli(['wait', run.id, '--timeout', '30']);
}

describe('structured answers (lastMessage: jsonl)', () => {
  test('the answer is the JSON result; the session id chosen at spawn is on record before the agent answers and equals the agent\'s own', async ({ server }) => {
    const run = await newRun(server);
    await spawnJson(server, run, 'w', 'review [[gate:go]] [[reply:all good]]');
    // The agent waits at its gate: the id is already in worker.json and in the argv it was given.
    const before = workerJson(run, 'w');
    expect(before.state).toBe('running');
    expect(before.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(before.argv).toEqual(expect.arrayContaining(['--session-id', before.sessionId, '--permission-mode', 'manual']));
    openGate(server, 'go');
    expect((await waitRun(server, run)).exitCode).toBe(0);
    const after = workerJson(run, 'w');
    expect(after).toMatchObject({ state: 'done', resultSource: 'jsonl', sessionId: before.sessionId });
    expect(readFileSync(join(workerDir(run, 'w'), 'result.md'), 'utf8')).toBe('all good');
    // The agent's own report of its session and cost is in the end event.
    const stdout = readFileSync(join(workerDir(run, 'w'), 'stdout.txt'), 'utf8');
    expect(JSON.parse(stdout.split('\n')[0]!)).toMatchObject({ type: 'system', session_id: before.sessionId });
    const ended = eventsOf(run, 'worker.done', 'w').at(-1) ?? eventsOf(run, 'worker.state', 'w').at(-1);
    expect(JSON.stringify(ended)).toContain('"cost":0.0001');
  });

  test('cost and tokens the agents reported are recorded per worker and summed per run in status --json', async ({ server }) => {
    const run = await newRun(server);
    await spawnJson(server, run, 'a', '[[reply:one]]');
    await spawnJson(server, run, 'b', '[[reply:two]]');
    expect((await waitRun(server, run)).exitCode).toBe(0);
    const status = JSON.parse(String((await server.cli(['status', run.id, '--json'])).stdout));
    for (const w of status.workers) expect(w).toMatchObject({ state: 'done', cost: 0.0001, tokens: { input: 10, output: 5 } });
    expect(status.usage).toEqual({ cost: 0.0002, tokens: { input: 20, output: 10 } });
    expect(String((await server.cli(['status', run.id])).stdout)).toContain('usage: $0.0002, 20 tokens in, 10 out');
  });

  test('is_error true with exit 0 is failed with the agent\'s reason; an exit code the profile explains says what it means', async ({ server }) => {
    const run = await newRun(server);
    await spawnJson(server, run, 'err', 'task [[error]]');
    await spawnJson(server, run, 'untrusted', 'task [[exit:55]]');
    await spawnJson(server, run, 'login', 'task [[said-error:Not logged in · Please run /login]]');
    expect((await waitRun(server, run)).exitCode).toBe(1);
    // The agent's own words: its error text where it gave one (claude's `result`), else its error category.
    expect(workerJson(run, 'err')).toMatchObject({ state: 'failed', exitCode: 0, reason: 'the agent reported an error: error_during_execution' });
    expect(workerJson(run, 'login')).toMatchObject({ state: 'failed', exitCode: 1, reason: 'the agent reported an error: Not logged in · Please run /login' });
    const table = String((await server.cli(['status', run.id])).stdout);
    expect(table).toMatch(/^\s+login\s+failed\s+1\b.*the agent reported an error: Not logged in · Please run \/login$/m);
    const result = await server.cli(['result', run.id, 'login', '--json']);
    expect(result.exitCode).toBe(1);
    expect(parseOut(result)).toMatchObject({ state: 'failed', reason: 'the agent reported an error: Not logged in · Please run /login', text: null });
    expect(existsSync(join(workerDir(run, 'err'), 'result.md'))).toBe(false);
    expect(workerJson(run, 'untrusted')).toMatchObject({ state: 'failed', exitCode: 55, reason: 'agent exited with code 55: the folder is not trusted' });
  });

  test('the sandbox map: a write refused under read-only is blocked, not done; under workspace-write it lands', async ({ server }) => {
    const run = await newRun(server);
    const cwd = join(server.dir, 'work');
    await spawnJson(server, run, 'ro', 'edit [[write:ro.txt|x]]');
    await spawnJson(server, run, 'rw', 'edit [[write:rw.txt|y]]', ['--sandbox', 'workspace-write']);
    await waitRun(server, run);
    expect(workerJson(run, 'ro')).toMatchObject({ state: 'failed', reason: 'blocked: the agent was refused 1 tool call (Write) under --sandbox read-only' });
    expect(existsSync(join(cwd, 'ro.txt'))).toBe(false);
    expect(workerJson(run, 'rw')).toMatchObject({ state: 'done', sandbox: 'workspace-write' });
    expect(workerJson(run, 'rw').argv).toEqual(expect.arrayContaining(['--permission-mode', 'acceptEdits']));
    expect(readFileSync(join(cwd, 'rw.txt'), 'utf8')).toBe('y');
  });

  test('a turn the monitor interrupts is failed "interrupted", though the agent exits 0', async ({ server }) => {
    const run = await newRun(server);
    await spawnJson(server, run, 'slow', 'task [[gate:never]]');
    await writePolicy(server, run, { silence: { pokeAfter: 0, interruptAfter: 0 } });
    // First pass pokes (the silence began), the next interrupts (interruptAfter 0 after the poke).
    await waitUntil(async () => observed(await monitorOnce(server), 'slow')?.actions.includes('interrupt'), 'the monitor to interrupt', 20_000);
    await waitRun(server, run);
    const rec = workerJson(run, 'slow');
    expect(rec).toMatchObject({ state: 'failed', exitCode: 0 });
    expect(String(rec.reason)).toMatch(/^interrupted: by the monitor after [\d.]+ (ms|s|min)( [\d]+ s)? of silence$/);
    // The agent's own word agreed: its result line says error.
    expect(readFileSync(join(workerDir(run, 'slow'), 'stdout.txt'), 'utf8')).toContain('"is_error":true');
  });

  test('killed -9 before it answered: one monitor pass resumes it with the id chosen at spawn', async ({ server }) => {
    const run = await newRun(server);
    await spawnJson(server, run, 'w', 'task [[gate:first]]');
    const rec = workerJson(run, 'w');
    await waitUntil(() => existsSync(join(server.env.FAKE_AGENT_HOME!, `${String(rec.sessionId)}.json`)), 'the agent to save its session');
    process.kill(rec.agentPid as number, 'SIGKILL');
    await waitRun(server, run);
    expect(workerJson(run, 'w')).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^agent ended by SIGKILL\b/) });
    const pass = await monitorOnce(server);
    expect(observed(pass, 'w')!.actions).toEqual(['resume:1']);
    expect((await waitRun(server, run)).exitCode).toBe(0);
    const done = workerJson(run, 'w');
    expect(done).toMatchObject({ state: 'done', resumes: 1, sessionId: rec.sessionId });
    expect(readFileSync(join(workerDir(run, 'w'), 'result.md'), 'utf8')).toMatch(/^resumed fake-json done/);
    expect(eventsOf(run, 'worker.resume', 'w').map((e) => e.detail!.sessionId)).toEqual([rec.sessionId]);
  });

  test('killed before it saved its session: the resume finds none, the task starts again under a new id recorded first, and ends done', async ({ server }) => {
    const run = await newRun(server);
    await spawnJson(server, run, 'w', 'task [[unsaved]] [[gate-once:first]] [[reply:fresh answer]]');
    const rec = workerJson(run, 'w');
    await waitUntil(() => existsSync(join(server.env.FAKE_AGENT_GATES!, 'first.seen')), 'the agent to reach its gate');
    process.kill(rec.agentPid as number, 'SIGKILL');
    await waitRun(server, run);
    const pass = await monitorOnce(server);
    expect(observed(pass, 'w')!.actions).toEqual(['resume:1']);
    expect((await waitRun(server, run)).exitCode).toBe(0);
    const done = workerJson(run, 'w');
    expect(done).toMatchObject({ state: 'done', resumes: 1 });
    expect(done.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(done.sessionId).not.toBe(rec.sessionId);
    expect(readFileSync(join(workerDir(run, 'w'), 'result.md'), 'utf8')).toBe('fresh answer');
    // The new id was on record before the second start: the agent's own init line names it.
    expect(readFileSync(join(workerDir(run, 'w'), 'stdout.txt'), 'utf8').split('\n')[0]).toContain(`"session_id":"${String(done.sessionId)}"`);
    expect(readFileSync(join(workerDir(run, 'w'), 'pane.log'), 'utf8')).toContain(`the agent kept no session ${String(rec.sessionId)}`);
  });
});

test('an agent that exits while a child of its holds the output ends within the drain bound; the child is ended and named', async ({ server }) => {
  const run = await newRun(server);
  await spawnJson(server, run, 'w', 'task [[orphan:hold]]');
  expect((await waitRun(server, run)).exitCode).toBe(0);
  const rec = workerJson(run, 'w');
  expect(rec.state).toBe('done');
  // The record is settled before the exit fact is published (atomically): wait for the fact itself.
  const factsFile = join(workerDir(run, 'w'), 'exit-0.facts');
  await waitUntil(() => existsSync(factsFile), 'the runner to publish its exit fact');
  const facts = readFileSync(factsFile, 'utf8');
  const orphans = /^orphans=(.*)$/m.exec(facts)?.[1];
  expect(orphans, facts).toMatch(/^\d+:node$/);
  const pid = Number(orphans!.split(':')[0]);
  expect(existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))).toBe(false);
  expect(JSON.stringify(eventsOf(run, 'worker.done', 'w').concat(eventsOf(run, 'worker.state', 'w')))).toContain(`"orphans":"${orphans}"`);
});
