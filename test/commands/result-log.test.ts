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
    // result --json: { run, worker, state, source (file|stdout|pane|rehearsal: the declared channel), path, text }
    const json = parseOut(await server.cli(['result', run.id, 'ok', '--json']));
    expect(json).toEqual({ run: run.id, worker: 'ok', state: 'done', source: 'file', path: join(workerDir(run, 'ok'), 'result.md'), text: 'line one\nline two' });
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
