// approve and deny against the fake agent's own [y/n] approval prompt: a request on the run's deny list is
// refused (nothing pressed, the agent still asks), deny answers it (the command never runs), approve answers
// a request the policy allows (the command runs), and a worker that asks nothing is left alone.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { openGate, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { writePolicy } from '../supervise/support.js';
import { newRun, parseOut, spawnFake, workerDir, workerJson, type NewRun } from './support.js';

const approvedFile = (server: TestServer) => join(server.dir, 'work', 'approved.txt');

async function explained(server: TestServer, run: NewRun, name: string): Promise<{ now: { state: string } | null }> {
  return parseOut(await server.cli(['explain', run.id, name, '--json']));
}

const waitingApproval = (server: TestServer, run: NewRun, name: string) =>
  waitUntil(async () => (await explained(server, run, name)).now?.state === 'waiting_approval', `${name} at its approval prompt`, 20_000);

test('approve and deny: the deny list refuses an approve, deny answers no, approve answers yes, a worker asking nothing is refused', async ({ server }) => {
  const run = await newRun(server);
  await writePolicy(server, run, { approvals: { mode: 'notify', deny: ['touch approved'] } });
  await spawnFake(server, run.id, 'w1', 'Make the file. [[approve:yn]]');
  await waitingApproval(server, run, 'w1');

  // On the deny list: refused with the reason, exit 1, nothing pressed (the agent still asks).
  const refused = await server.cli(['approve', run.id, 'w1', '--json']);
  expect(refused.exitCode).toBe(1);
  expect(parseOut(refused).error).toMatchObject({ code: 'denied_by_policy', exit: 1, message: expect.stringMatching(/Refusing to approve .*touch approved\.txt.*deny list/) });
  expect(String(refused.stderr).split('\n')).toHaveLength(1);
  expect((await explained(server, run, 'w1')).now?.state).toBe('waiting_approval');

  const denied = await server.cli(['deny', run.id, 'w1', '--json']);
  expect(denied.exitCode, String(denied.stderr)).toBe(0);
  expect(parseOut(denied)).toMatchObject({ worker: 'w1', answer: 'deny', keys: ['n'], request: expect.stringContaining('touch approved.txt') });
  expect((await server.cli(['wait', run.id, 'w1', '--timeout', '20'])).exitCode).toBe(0);
  expect(readFileSync(join(workerDir(run, 'w1'), 'pane.log'), 'utf8')).toMatch(/denied/);
  expect(existsSync(approvedFile(server))).toBe(false);

  // A policy without that entry: approve presses the profile's approve key and the command runs.
  await writePolicy(server, run, { approvals: { mode: 'notify' } });
  await spawnFake(server, run.id, 'w2', 'Make the file. [[approve:yn]]');
  await waitingApproval(server, run, 'w2');
  const approved = await server.cli(['approve', run.id, 'w2']);
  expect(approved.exitCode, String(approved.stderr)).toBe(0);
  expect(String(approved.stdout)).toMatch(/^approved ".*touch approved\.txt.*" \(pressed y\)$/);
  expect((await server.cli(['wait', run.id, 'w2', '--timeout', '20'])).exitCode).toBe(0);
  expect(existsSync(approvedFile(server))).toBe(true);
  expect(workerJson(run, 'w2').state).toBe('done');
  const events = readFileSync(join(run.dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; worker?: string });
  expect(events.filter((e) => e.kind.startsWith('command.')).map((e) => `${e.kind}:${e.worker}`)).toEqual(['command.approve-refused:w1', 'command.denied:w1', 'command.approved:w2']);

  // A worker that asks nothing: refused (exit 2), nothing pressed; one that has ended: refused too.
  await spawnFake(server, run.id, 'w3', 'Wait for the gate. [[gate:w3]]');
  await waitUntil(() => readFileSync(join(workerDir(run, 'w3'), 'pane.log'), 'utf8').includes('waiting at gate'), 'w3 at its gate');
  const idle = await server.cli(['approve', run.id, 'w3', '--json']);
  expect(idle.exitCode).toBe(2);
  expect(parseOut(idle).error).toMatchObject({ code: 'not_waiting_approval' });
  openGate(server, 'w3');
  expect((await server.cli(['wait', run.id, 'w3', '--timeout', '20'])).exitCode).toBe(0);
  const ended = await server.cli(['deny', run.id, 'w2', '--json']);
  expect(parseOut(ended).error).toMatchObject({ code: 'worker_ended', exit: 2 });
});
