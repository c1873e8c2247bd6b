// Every command that needs tmux, run with a PATH that has node and no tmux: exit 2 and one stderr line
// that names tmux and how to install it (TmuxNotInstalledError through the CLI), and nothing created.
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test as plain } from 'vitest';
import { fakeAgentProfile, startTestServer, stopTestServer, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';

/** A folder holding only a `node` symlink, to use as the whole PATH. */
function nodeOnlyPath(server: TestServer): string {
  const dir = join(server.dir, 'node-only');
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    symlinkSync(process.execPath, join(dir, 'node'));
  }
  return dir;
}

/** A run with one hanging worker `w1`, made while tmux is still on PATH. */
async function runWithWorker(server: TestServer): Promise<{ run: string; paneId: string }> {
  const made = await server.cli(['new']);
  expect(made.exitCode, String(made.stderr)).toBe(0);
  const run = String(made.stdout).trim();
  const spawned = await server.cli(['spawn', run, 'w1', '--prompt', '[[hang]]', '--agent', fakeAgentProfile, '--json']);
  expect(spawned.exitCode, String(spawned.stderr)).toBe(0);
  return { run, paneId: (JSON.parse(String(spawned.stdout)) as { paneId: string }).paneId };
}

/** Stops the worker with tmux back on PATH and waits for its runner to exit, so nothing writes during cleanup. */
async function stopWorker(server: TestServer, run: string, paneId: string): Promise<void> {
  const r = await server.cli(['kill', run, 'w1', '--grace', '0']);
  expect(r.exitCode, String(r.stderr)).toBe(0);
  await waitUntil(async () => !(await server.tmux.listPanes(['pane_id', 'pane_dead'])).some((p) => p.pane_id === paneId && p.pane_dead === '0'), 'the worker pane to close', 30_000);
}

function runDirs(server: TestServer): string[] {
  try {
    return readdirSync(join(server.dir, 'runs'));
  } catch {
    return [];
  }
}

const COMMANDS: [string, (run: string, server: TestServer) => string[]][] = [
  ['new', () => ['new']],
  ['spawn', (run) => ['spawn', run, 'w2', '--prompt', 'hello', '--dry-run']],
  ['status <run>', (run) => ['status', run]],
  ['status (every live run)', () => ['status']],
  ['wait', (run) => ['wait', run, '--timeout', '1']],
  ['log', (run) => ['log', run, 'w1']],
  ['send', (run) => ['send', run, 'w1', 'hello']],
  ['keys', (run) => ['keys', run, 'w1', 'Enter']],
  ['approve', (run) => ['approve', run, 'w1']],
  ['kill', (run) => ['kill', run, 'w1']],
  ['monitor --once', () => ['monitor', '--once']],
  ['review --dry-run', (_run, server) => {
    const doc = join(server.dir, 'doc.md');
    writeFileSync(doc, '# A design\n\nIt does one thing.\n');
    return ['review', doc, '--dry-run'];
  }],
];

describe('without tmux on PATH', () => {
  // One server and one run with a live worker for every command: each fails before touching anything,
  // so they can share them (and each checks that nothing was created).
  let server: TestServer;
  let made: { run: string; paneId: string };
  beforeAll(async () => {
    server = await startTestServer();
    made = await runWithWorker(server);
  });
  afterAll(async () => {
    if (made) await stopWorker(server, made.run, made.paneId);
    if (server) await stopTestServer(server);
  });

  plain.for(COMMANDS)('%s exits 2 with one line naming tmux and how to install it', async ([, argv]) => {
    const before = runDirs(server);
    const r = await server.cli(argv(made.run, server), { env: { ...server.env, PATH: nodeOnlyPath(server) } });
    const stderr = String(r.stderr); // execa drops the final newline
    expect({ exitCode: r.exitCode, stderr }).toEqual({ exitCode: 2, stderr: expect.stringMatching(/tmux is not installed/) });
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^orch-tmux \S+: tmux is not installed or not on PATH: install it \(Debian\/Ubuntu: `apt-get install tmux`, macOS: `brew install tmux`\)/);
    expect(String(r.stdout)).toBe('');
    expect(runDirs(server)).toEqual(before);
  });

  plain('ls does not need tmux: it lists the runs, liveness unknown (live: null), not "dead"', async () => {
    const r = await server.cli(['ls', '--json'], { env: { ...server.env, PATH: nodeOnlyPath(server) } });
    expect(r.exitCode).toBe(0);
    const { runs } = JSON.parse(String(r.stdout)) as { runs: { id: string; live: boolean | null }[] };
    expect(runs.map((x) => [x.id, x.live])).toEqual([[made.run, null]]);
  });

  test('doctor reports the missing tmux and fails (exit 1)', async ({ server }) => {
    const r = await server.cli(['doctor', '--json'], { env: { ...server.env, PATH: nodeOnlyPath(server) } });
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(String(r.stdout)) as { ok: boolean; tmux: { path: string | null; version: string | null; ok: boolean; message: string } };
    expect(report.ok).toBe(false);
    expect(report.tmux).toMatchObject({ path: null, version: null, ok: false });
    expect(report.tmux.message).toMatch(/tmux is not installed: install it/);
  });
});
