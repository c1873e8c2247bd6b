// The live board in a run's first window, seen through a real tmux client of fixed size (control mode,
// 80x24): every worker with its state as workers start, finish, fail and wait at an approval, each change
// on the board within a second; window numbers jump; `q` leaves a shell in the run's folder. The picture
// itself (80 columns, symbols that read without colour, NO_COLOR) is checked on the renderer.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { renderBoard, type BoardView } from '../../src/views/board-render.js';
import { useColour } from '../../src/views/board.js';
import { cleanEnv, fakeAgentProfile, fixturesDir, openGate, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { newRun, type NewRun } from '../cli/support.js';

const hooksProfile = join(fixturesDir, 'agents', 'fake-tui-hooks.yaml');

/** A control-mode client attached to the run's session, sized 80x24 once attached (it owns the window size). */
function attach(server: TestServer, run: NewRun): ChildProcess {
  const client = spawn('tmux', ['-L', server.name, '-C', 'attach-session', '-t', `=${run.session}`], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'ignore'] });
  let sized = false;
  client.stdout!.on('data', (d: Buffer) => {
    // Its notifications are drained; the size is set once tmux says the client is in the session.
    if (!sized && d.toString().includes('%session-changed')) {
      sized = true;
      client.stdin!.write('refresh-client -C 80x24\n');
    }
  });
  return client;
}

async function screen(server: TestServer, run: NewRun): Promise<string> {
  return server.tmux.run([['capture-pane', '-p', '-t', `=${run.session}:orch`]]);
}

/** The board's line for one worker (its window number first). */
async function row(server: TestServer, run: NewRun, name: string): Promise<string | undefined> {
  return (await screen(server, run)).split('\n').find((l) => new RegExp(`^\\d+\\s+${name}\\s`).test(l));
}

/** Waits, bounded by a second from now, until the worker's line shows `state`. */
async function shows(server: TestServer, run: NewRun, name: string, state: RegExp): Promise<string> {
  return waitUntil(async () => {
    const line = await row(server, run, name);
    return line && state.test(line) ? line : undefined;
  }, `the board to show ${name} ${state}`, 1000);
}

describe('the board', () => {
  test('shows every worker\'s state as it changes, within a second, in an 80x24 client', async ({ server }) => {
    const run = await newRun(server);
    const client = attach(server, run);
    try {
      await waitUntil(async () => (await server.tmux.run([['display-message', '-p', '-t', `=${run.session}:orch`, '#{pane_width}x#{pane_height}']])).trim() === '80x24', 'the window to take the client\'s size');
      await waitUntil(async () => (await screen(server, run)).includes(`${run.id} active`), 'the board', 30_000); // its first draw: a Node start, slow on a loaded 2-core machine
      for (const [name, prompt] of [['fine', '[[gate:fine]] [[reply:ok]]'], ['broken', '[[gate:broken]] [[crash:3]]']]) {
        expect((await server.cli(['spawn', run.id, name!, '--agent', fakeAgentProfile, '--prompt', prompt!])).exitCode).toBe(0);
        await shows(server, run, name!, /▶ running/);
      }
      openGate(server, 'fine');
      await waitUntil(() => server.cli(['status', run.id, '--json']).then((r) => /"state": "done"/.test(String(r.stdout))), 'fine to finish');
      expect(await shows(server, run, 'fine', /✓ done/)).toMatch(/^\d+\s+fine\s+✓ done\s+\S/);
      openGate(server, 'broken');
      await waitUntil(() => server.cli(['status', run.id, '--json']).then((r) => /"state": "failed"/.test(String(r.stdout))), 'broken to fail');
      expect(await shows(server, run, 'broken', /✗ failed/)).toContain('agent exited with');
      // A hooked agent asks for approval (the default policy puts it to a person): the board names the command.
      expect((await server.cli(['spawn', run.id, 'asker', '--agent', hooksProfile, '--prompt', 'unused'])).exitCode).toBe(0);
      await waitUntil(async () => /^› ?$/m.test(await server.tmux.run([['capture-pane', '-p', '-t', `=${run.session}:asker`]])), 'the composer');
      expect((await server.cli(['send', run.id, 'asker', 'please [[approve:yn]]'])).exitCode).toBe(0);
      await waitUntil(async () => (await server.tmux.run([['capture-pane', '-p', '-t', `=${run.session}:asker`]])).includes('[y/n]'), 'the approval prompt');
      expect(await shows(server, run, 'asker', /\? approval/)).toContain('touch approved.txt');
      const picture = await screen(server, run);
      for (const line of picture.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(80);
      // A window number jumps there; q leaves a shell in the run's folder.
      const askerWindow = (await row(server, run, 'asker'))!.split(/\s+/)[0]!;
      await server.tmux.run([['send-keys', '-t', `=${run.session}:orch`, askerWindow, 'Enter']]);
      const active = async () => (await server.tmux.run([['list-windows', '-t', `=${run.session}`, '-F', '#{window_active} #{window_index}']])).split('\n').find((l) => l.startsWith('1 '))?.slice(2);
      await waitUntil(async () => (await active()) === askerWindow, 'the jump to asker\'s window');
      await server.tmux.run([['send-keys', '-t', `=${run.session}:orch`, 'q']]);
      await waitUntil(async () => (await server.tmux.run([['display-message', '-p', '-t', `=${run.session}:orch`, '#{pane_current_path}']])).trim() === run.dir, 'a shell in the run\'s folder after q');
      await server.cli(['kill', run.id, 'asker', '--grace', '0']);
    } finally {
      client.kill();
    }
  });
});

describe('the board\'s picture', () => {
  const view: BoardView = {
    run: '20261202-000000-run-abcd', runState: 'active', plan: 'plan 2/3: review', nowMs: 100_000,
    rows: [
      { window: '1', name: 'a-very-long-worker-name-indeed', state: 'running', startedMs: 40_000, activityMs: 99_500 },
      { window: '2', name: 'done-one', state: 'done', startedMs: 10_000, endedMs: 70_000, detail: '$0.0123, 1200 tokens' },
      { window: '3', name: 'asks', state: 'approval', startedMs: 90_000, detail: `rm -rf ${'x'.repeat(200)}` },
      { window: '4', name: 'gone', state: 'lost', detail: 'worker pane vanished' },
    ],
  };

  test('fits 80 columns, reads without colour (a symbol and a word per state), colours only when asked', () => {
    const plain = renderBoard(view, 80, false);
    for (const line of plain) expect([...line].length, line).toBeLessThanOrEqual(80);
    // Taller than the terminal: as many rows as fit, and how many more.
    const many = { ...view, rows: Array.from({ length: 40 }, (_, i) => ({ window: String(i + 1), name: `w${i}`, state: 'running' })) };
    const short = renderBoard(many, 80, false, 24);
    expect(short).toHaveLength(24);
    expect(short).toContain(`... ${40 - short.filter((l) => /^\d+\s+w\d+/.test(l)).length} more workers (orch-tmux status ${view.run})`);
    expect(plain.join('\n')).not.toMatch(/\x1b/);
    expect(plain.find((l) => l.includes('done-one'))).toMatch(/✓ done\s+1 min 0 s/);
    expect(plain.find((l) => l.includes('asks'))).toMatch(/\? approval .*rm -rf x+…$/);
    expect(plain.find((l) => l.includes('gone'))).toMatch(/! lost .*worker pane vanished/);
    expect(plain[0]).toBe('20261202-000000-run-abcd active: 1 running, 1 approval, 1 done, 1 lost');
    expect(plain[1]).toBe('plan 2/3: review');
    expect(renderBoard(view, 80, true).join('\n')).toMatch(/\x1b\[32m✓ done/);
    const tty = { isTTY: true } as NodeJS.WriteStream;
    expect(useColour({}, tty)).toBe(true);
    expect(useColour({ NO_COLOR: '1' }, tty)).toBe(false);
    expect(useColour({}, { isTTY: false } as NodeJS.WriteStream)).toBe(false);
  });
});
