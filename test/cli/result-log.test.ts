// result and log: the last message or a reason; the screen (ANSI stripped) while the pane lives, pane.log after.
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { cleanEnv, test, waitUntil } from '../helpers/tmux-server.js';
import { newRun, parseOut, spawnFake, workerDir } from './support.js';

describe('result and log', () => {
  test('result: exit 1 with a reason when there is none, the message when there is', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'stuck', '[[hang]]');
    const none = await server.cli(['result', run.id, 'stuck']);
    expect(none.exitCode).toBe(1);
    expect(none.stdout).toBe('');
    expect(String(none.stderr)).toBe('orch-tmux result: Worker stuck has no result yet (state running)');

    await spawnFake(server, run.id, 'ok', '[[reply:line one\nline two]]');
    expect((await server.cli(['wait', run.id, 'ok'])).exitCode).toBe(0);
    const plain = await server.cli(['result', run.id, 'ok'], { stripFinalNewline: false });
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toBe('line one\nline two\n');
    // result --json: { run, worker, state, reason, source (file|stdout|pane|rehearsal: the declared channel), path, text }
    const json = parseOut(await server.cli(['result', run.id, 'ok', '--json']));
    expect(json).toEqual({ run: run.id, worker: 'ok', state: 'done', reason: null, source: 'file', path: join(workerDir(run, 'ok'), 'result.md'), text: 'line one\nline two' });
  });

  test('result of a worker that printed part of an answer and exited 1: exit 1 and nothing on stdout; --partial prints it, marked', async ({ server }) => {
    const run = await newRun(server);
    const script = "process.stdout.write('working...\\n'); process.stderr.write('boom: cannot open config\\n'); process.exit(1)";
    const r = await server.cli(['spawn', run.id, 'w', '--agent', 'shell', '--var', `command=node -e "${script}"`, '--prompt', 'go']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect((await server.cli(['wait', run.id, 'w'])).exitCode).toBe(1);
    const reason = 'agent exited with code 1: boom: cannot open config';
    const plain = await server.cli(['result', run.id, 'w']);
    expect(plain.exitCode).toBe(1);
    expect(plain.stdout).toBe('');
    expect(String(plain.stderr)).toBe(`orch-tmux result: Worker w has no result (state failed: ${reason})`);
    const json = parseOut(await server.cli(['result', run.id, 'w', '--json']));
    expect(json).toEqual({ run: run.id, worker: 'w', state: 'failed', reason, source: null, path: null, text: null });
    const partial = await server.cli(['result', run.id, 'w', '--partial']);
    expect(partial.exitCode).toBe(1);
    expect(partial.stdout).toBe(`<!-- orch-tmux: what worker w left (failed: ${reason}); not an answer -->\nworking...`);
    const partialJson = parseOut<{ partial: { text: string } }>(await server.cli(['result', run.id, 'w', '--partial', '--json']));
    expect(partialJson.partial.text).toContain('working...');
    // status: the reason has a column of its own.
    const table = String((await server.cli(['status', run.id])).stdout);
    expect(table).toMatch(/^WORKER\s+STATE\s+EXIT\s+STARTED\s+ACTIVITY\s+RESULT\s+REASON$/m);
    expect(table).toMatch(/^\s+w\s+failed\s+1\s.*\sagent exited with code 1: boom: cannot open config$/m);
  });

  test('log of a dead pane: the last output, then tmux\'s "Pane is dead" line, no blank rows between', async ({ server }) => {
    const run = await newRun(server);
    const r = await server.cli(['spawn', run.id, 'w', '--agent', 'shell', '--var', 'command=printf "last line\\n"', '--prompt', 'go']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect((await server.cli(['wait', run.id, 'w'])).exitCode).toBe(0);
    // tmux (3.3a) writes "Pane is dead" once it has reaped the pane's process; under load it sometimes leaves
    // it a zombie until another child of the server ends: a `run-shell true` job is such a child.
    await waitUntil(async () => {
      await server.tmux.run([['run-shell', 'true']]).catch(() => undefined);
      return /Pane is dead/.test(String((await server.cli(['log', run.id, 'w'])).stdout));
    }, 'the dead pane');
    const lines = String((await server.cli(['log', run.id, 'w'])).stdout).split('\n');
    expect(lines.at(-1)).toMatch(/^Pane is dead/);
    expect(lines.at(-2)).toBe('last line');
  });

  test('log --lines N prints the stripped screen; after the server dies it reads pane.log', async ({ server }) => {
    const run = await newRun(server);
    // An agent that prints coloured lines, then waits.
    const profile = join(server.dir, 'colour.yaml');
    const script = "process.stdout.write('one\\n\\x1b[1mtwo\\x1b[0m\\n\\x1b[31mthree\\x1b[0m \\x1b[4mend\\x1b[0m\\n'); setInterval(() => {}, 1e6)";
    writeFileSync(profile, `name: colour\ncommand: [node, -e, ${JSON.stringify(script)}]\nprompt: none\n`);
    const r = await server.cli(['spawn', run.id, 'colour', '--agent', profile, '--prompt', 'unused']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const log = async (...extra: string[]) => server.cli(['log', run.id, 'colour', ...extra]);
    await waitUntil(async () => String((await log()).stdout).includes('three end'), 'the output');

    const screen = await log('--lines', '2');
    expect(screen.exitCode).toBe(0);
    expect(screen.stdout).toBe('two\nthree end');
    expect(parseOut(await log('--lines', '2', '--json'))).toEqual({ run: run.id, worker: 'colour', source: 'pane', text: 'two\nthree end' });

    await execa('tmux', ['-L', server.name, 'kill-server'], { env: cleanEnv(), extendEnv: false });
    const after = parseOut(await log('--lines', '2', '--json'));
    expect(after).toEqual({ run: run.id, worker: 'colour', source: 'transcript', text: 'two\nthree end' });
    expect((await log('--lines', '1')).stdout).toBe('three end');
  });
});
