// send and keys against the fake interactive agent: every message arrives exactly once, in order, as the
// agent's own record.jsonl proves; keys presses named keys (Escape interrupts a turn, C-c ends the agent);
// send --all reaches every interactive worker idle at its prompt and skips, with why, the busy ones.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fakeTuiProfile, openGate, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { newRun, spawnFake, workerDir, workerJson, type NewRun, parseOut } from './support.js';

/** 100 messages of every awkward kind, each unique so order and duplicates show. */
function messages(): string[] {
  const kinds: ((i: number) => string)[] = [
    (i) => `plain single line ${i}`,
    (i) => `multi-line ${i}\nsecond line\n  indented third`,
    (i) => `${i} ten KB:${'0123456789abcdef'.repeat(640)}`,
    (i) => `trailing semicolon ${i};`,
    (i) => `unicode ${i}: héllo 日本語 🎉 Ωmega`,
    (i) => `-${i} --leading-dash -x`,
    (i) => `$(touch pwned-${i}) and \`touch pwned-b${i}\` $HOME`,
    (i) => `quotes ${i}: "double" 'single' \\ backslash \\;`,
    (i) => (i % 2 ? 'C-c' : 'Enter') + ` ${i}`,
    (i) => `${i};`,
  ];
  return Array.from({ length: 100 }, (_, i) => kinds[i % kinds.length]!(i));
}

const records = (run: NewRun, name: string): string[] =>
  readFileSync(join(workerDir(run, name), 'record.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);

async function screen(server: TestServer, run: NewRun, name: string, lines = 20): Promise<string> {
  return String((await server.cli(['log', run.id, name, '--lines', String(lines)])).stdout);
}

/**
 * Runs `orch-tmux ARGS` in this process (same argv parsing and command code as the binary, without a
 * Node start-up per call: 100 sends stay fast). The index is found through process.env, so point it here.
 */
async function cliHere(server: TestServer, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const saved = process.env.ORCH_TMUX_HOME;
  process.env.ORCH_TMUX_HOME = server.env.ORCH_TMUX_HOME;
  try {
    const exitCode = await main(args, { env: server.env, cwd: join(server.dir, 'work'), out: (t) => (stdout += t), err: (t) => (stderr += t), isTTY: false });
    return { exitCode, stdout, stderr };
  } finally {
    process.env.ORCH_TMUX_HOME = saved;
  }
}

/** Spawns the fake TUI and waits for its composer (`› `) to show. */
async function spawnTui(server: TestServer, run: NewRun, name: string): Promise<void> {
  const r = await server.cli(['spawn', run.id, name, '--agent', fakeTuiProfile, '--prompt', 'unused: this profile takes no prompt']);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  await waitUntil(async () => /^› ?$/m.test(await screen(server, run, name)), 'the composer');
}

describe('send and keys', () => {
  test('100 mixed messages arrive exactly once, in order', async ({ server }) => {
    const run = await newRun(server);
    await spawnTui(server, run, 'tui');
    const sent = messages();
    for (const [i, text] of sent.entries()) {
      // `--` so a message starting with `-` is text, not an option.
      const r = await cliHere(server, ['send', run.id, 'tui', '--settle-ms', '30', '--json', '--', text]);
      expect(r.exitCode, `message ${i}: ${String(r.stderr)}`).toBe(0);
      expect(parseOut(r)).toMatchObject({ submitted: true, enters: 1, method: text.includes('\n') || text.length > 512 ? 'paste' : 'keys' });
    }
    expect(records(run, 'tui')).toEqual(sent);
    expect(workerJson(run, 'tui').state).toBe('running');
    // No message went through a shell on the way.
    expect(readdirSync(join(server.dir, 'work')).filter((f) => f.startsWith('pwned'))).toEqual([]);
  }, 480_000); // 100 turns of a TUI agent, each a few tmux round trips: ~25 s on an idle 2-core machine, 183-194 s beside the injection suite (CPU-bound) on a slower one

  test('send --file; keys Escape interrupts a turn, keys C-c ends the agent', async ({ server }) => {
    const run = await newRun(server);
    await spawnTui(server, run, 'tui');
    const file = join(server.dir, 'msg.txt');
    writeFileSync(file, 'from a file\nwith two lines [[hang]]');
    expect((await server.cli(['send', run.id, 'tui', '--file', file, '--settle-ms', '30'])).exitCode).toBe(0);
    await waitUntil(async () => (await screen(server, run, 'tui', 5)).includes('esc to interrupt'), 'the hanging turn');

    expect((await server.cli(['keys', run.id, 'tui', 'Escape'])).exitCode).toBe(0);
    await waitUntil(async () => (await screen(server, run, 'tui', 5)).includes('■ interrupted'), 'the interrupt');
    expect(records(run, 'tui')).toEqual(['from a file\nwith two lines [[hang]]']);

    expect((await server.cli(['keys', run.id, 'tui', 'C-c'])).exitCode).toBe(0);
    const wait = await server.cli(['wait', run.id, '--timeout', '10']);
    // The fake agent exits 130 on C-c, like the real CLIs: a non-zero exit is `failed`.
    expect(wait.exitCode).toBe(1);
    // The profile declares the pane as its channel, so the transcript tail is its answer (it still failed: exit 130).
    expect(workerJson(run, 'tui')).toMatchObject({ state: 'failed', exitCode: 130, resultSource: 'pane' });
    expect(readFileSync(join(workerDir(run, 'tui'), 'result.md'), 'utf8')).toContain('fake-agent: interrupted');
  });

  test('send --all: the two idle workers get it exactly once; the busy one and the one at an approval prompt are skipped with why (exit 1); exec and finished workers are not candidates', async ({ server }) => {
    const run = await newRun(server);
    for (const name of ['idle1', 'idle2', 'busy', 'asking']) await spawnTui(server, run, name);
    // An exec worker still running and one finished: neither takes typed input, so neither is a candidate.
    await spawnFake(server, run.id, 'exec-running', '[[gate:exec]]');
    await spawnFake(server, run.id, 'exec-done', '[[reply:done]]');
    expect((await server.cli(['wait', run.id, 'exec-done', '--timeout', '30'])).exitCode).toBe(0);
    expect((await cliHere(server, ['send', run.id, 'busy', '--settle-ms', '30', '[[gate:busy]]'])).exitCode).toBe(0);
    expect((await cliHere(server, ['send', run.id, 'asking', '--settle-ms', '30', '[[approve:yn]]'])).exitCode).toBe(0);
    await waitUntil(async () => (await screen(server, run, 'busy', 5)).includes('esc to interrupt'), 'busy at its gate');
    await waitUntil(async () => (await screen(server, run, 'asking', 5)).includes('[y/n]'), 'asking at its approval prompt');

    const json = await cliHere(server, ['send', run.id, '--all', '--json', '--settle-ms', '30', '--', 'to all, first']);
    expect(json.exitCode, json.stderr).toBe(1);
    expect(parseOut(json)).toEqual({
      run: run.id,
      sent: [{ name: 'idle1', method: 'keys', enters: 1, submitted: true }, { name: 'idle2', method: 'keys', enters: 1, submitted: true }],
      skipped: [{ name: 'busy', why: 'working' }, { name: 'asking', why: 'waiting at an approval prompt (Allow command `touch approved.txt`? [y/n])' }],
    });
    // The text form, through the real CLI: who got it on stdout, one line per skipped worker on stderr.
    const text = await server.cli(['send', run.id, '--all', '--settle-ms', '30', 'to all, second\nin two lines']);
    expect(text.exitCode).toBe(1);
    expect(String(text.stdout)).toBe('sent to 2 workers: idle1, idle2');
    expect(String(text.stderr).split('\n')).toEqual([
      'orch-tmux send: skipped busy: working',
      'orch-tmux send: skipped asking: waiting at an approval prompt (Allow command `touch approved.txt`? [y/n])',
    ]);
    for (const name of ['idle1', 'idle2']) expect(records(run, name), name).toEqual(['to all, first', 'to all, second\nin two lines']);

    // Once the busy turn ends and the approval is answered, all four are idle: everyone gets it, exit 0.
    openGate(server, 'busy');
    expect((await server.cli(['keys', run.id, 'asking', 'n'])).exitCode).toBe(0);
    await waitUntil(async () => (await screen(server, run, 'busy', 8)).includes('• ok 1'), 'busy back at its prompt');
    await waitUntil(async () => (await screen(server, run, 'asking', 8)).includes('• denied'), 'asking back at its prompt');
    const third = await cliHere(server, ['send', run.id, '--all', '--json', '--settle-ms', '30', 'to all, third']);
    expect(third.exitCode, third.stderr).toBe(0);
    expect(parseOut(third)).toMatchObject({ sent: ['idle1', 'idle2', 'busy', 'asking'].map((name) => ({ name, submitted: true, enters: 1 })), skipped: [] });
    for (const name of ['idle1', 'idle2']) expect(records(run, name), name).toEqual(['to all, first', 'to all, second\nin two lines', 'to all, third']);
    // Nothing of the first two reached the skipped workers, not even queued behind their turns.
    expect(records(run, 'busy')).toEqual(['[[gate:busy]]', 'to all, third']);
    expect(records(run, 'asking')).toEqual(['[[approve:yn]]', 'to all, third']);
    expect(readFileSync(join(workerDir(run, 'exec-running'), 'worker.json'), 'utf8')).toContain('"state": "running"');
    openGate(server, 'exec');
  }, 120_000);

  test('send --all where no interactive worker is live: one line naming the workers, exit 2, nothing typed; --all with a worker name or --force is refused', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'exec-done', '[[reply:done]]');
    expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(0);
    const none = await server.cli(['send', run.id, '--all', 'hello']);
    expect(none.exitCode).toBe(2);
    expect(String(none.stderr)).toBe(`orch-tmux send: Run ${run.id} has no live interactive worker to send to (its workers: exec-done (exec, done)): nothing was typed`);
    expect(parseOut(await server.cli(['send', '--json', run.id, '--all', 'hello']))).toEqual({ error: { code: 'no_interactive_worker', message: expect.stringContaining('no live interactive worker'), exit: 2 } });
    const named = await server.cli(['send', run.id, '--all', 'exec-done', 'hello']);
    expect(named.exitCode).toBe(2);
    expect(String(named.stderr)).toContain('--all sends to every interactive worker: name no worker');
    const forced = await server.cli(['send', run.id, '--all', '--force', 'hello']);
    expect(forced.exitCode).toBe(2);
    expect(String(forced.stderr)).toContain('--force types into one worker');
  });
});
