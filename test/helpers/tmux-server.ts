// A private tmux server per test (-L orch-test-<random>, -f /dev/null, TMUX unset), killed afterwards,
// plus the environment and CLI runner that point orch-tmux at it and at a temporary state folder.
import { execa, type Options, type Result } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base } from 'vitest';
import { Tmux } from '../../src/tmux/index.js';

export const repoRoot = resolve(import.meta.dirname, '..', '..');
export const cliPath = join(repoRoot, 'dist', 'cli.js');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
export const fakeAgentProfile = join(fixturesDir, 'agents', 'fake.yaml');
export const fakeTuiProfile = join(fixturesDir, 'agents', 'fake-tui.yaml');

export interface TestServer {
  name: string;
  tmux: Tmux;
  /** A temporary folder for this test (state home, runs, scratch files). */
  dir: string;
  /** Environment for orch-tmux child processes: this server, this state, the fake agent on PATH. */
  env: Record<string, string | undefined>;
  /** Runs the built CLI with argv (never a shell); never rejects. */
  cli: (args: string[], options?: Options) => Promise<Result>;
}

/** Environment without the caller's tmux (tests must never touch the tmux they run inside). */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, TMUX: undefined, TMUX_PANE: undefined, ORCH_TMUX_WORKER: undefined };
  env.PATH = `${join(fixturesDir, 'bin')}:${process.env.PATH}`;
  return { ...env, ...extra };
}

/** Starts a private server with a keep-alive session. */
export async function startTestServer(): Promise<TestServer> {
  const name = `orch-test-${randomBytes(5).toString('hex')}`;
  if (process.env.ORCH_TEST_REGISTRY) writeFileSync(join(process.env.ORCH_TEST_REGISTRY, name), '');
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'orch-test-')));
  mkdirSync(join(dir, 'work'));
  const env = cleanEnv({
    ORCH_TMUX_SOCKET: name,
    ORCH_TMUX_HOME: join(dir, 'state'),
    ORCH_TMUX_RUNS: join(dir, 'runs'),
    FAKE_AGENT_HOME: join(dir, 'fake-sessions'),
    XDG_CONFIG_HOME: join(dir, 'config'),
  });
  await execa('tmux', ['-L', name, '-f', '/dev/null', 'new-session', '-d', '-s', 'keepalive', '-x', '200', '-y', '50'], { env, extendEnv: false });
  const tmux = new Tmux({ socketName: name });
  const cli = (args: string[], options: Options = {}) =>
    execa(process.execPath, [cliPath, ...args], { env, extendEnv: false, reject: false, cwd: join(dir, 'work'), ...options }) as Promise<Result>;
  return { name, tmux, dir, env, cli };
}

/** Kills the server and removes its socket and the temporary folder. */
export async function stopTestServer(s: TestServer): Promise<void> {
  await execa('tmux', ['-L', s.name, 'kill-server'], { reject: false, env: cleanEnv() });
  const uid = process.getuid?.() ?? 0;
  rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${uid}`, s.name), { force: true });
  // Runners of the killed server may still be writing their last files for a moment.
  rmSync(s.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
}

/** vitest `test` with a `server` fixture: a fresh private tmux server per test. */
export const test = base.extend<{ server: TestServer }>({
  // eslint-disable-next-line no-empty-pattern
  server: async ({}, use) => {
    const s = await startTestServer();
    try {
      await use(s);
    } finally {
      await stopTestServer(s);
    }
  },
});

/** Polls until `check` returns a truthy value or the deadline passes (for conditions with no event). */
export async function waitUntil<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
