// A private tmux server per test (-L orch-test-<random>, -f /dev/null, default-shell /bin/sh), killed
// afterwards, plus a hermetic environment (own HOME, XDG folders, TMPDIR, SHELL=/bin/sh; nothing from the
// caller but PATH and the tmux socket folder) and a CLI runner that point orch-tmux at it.
import { execa, type Options, type Result } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, realpathSync, writeFileSync } from 'node:fs';
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
  /**
   * Runs the CLI's main() in this process with this server's environment: the same code path as `cli`
   * after argv parsing, without a Node start-up (for batches of hostile inputs; keep one real `cli` call
   * per channel). Calls are serialized: they swap process.env and the working directory.
   */
  inProcess: (args: string[], o?: { env?: Record<string, string | undefined>; cwd?: string }) => Promise<{ exitCode: number; stdout: string; stderr: string }>;
}

let inProcessQueue: Promise<unknown> = Promise.resolve();

// main() in this process, with env and cwd swapped in for the call (one call at a time).
function runInProcess(env: Record<string, string | undefined>, cwd: string, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const call = inProcessQueue.then(async () => {
    const { main } = await import('../../src/cli/main.js');
    const saved = { env: process.env, cwd: process.cwd() };
    let stdout = '';
    let stderr = '';
    process.env = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
    process.chdir(cwd);
    try {
      const exitCode = await main(args, { env: process.env, cwd, out: (t) => void (stdout += t), err: (t) => void (stderr += t), isTTY: false });
      return { exitCode, stdout: stdout.replace(/\n$/, ''), stderr: stderr.replace(/\n$/, '') };
    } finally {
      process.env = saved.env;
      process.chdir(saved.cwd);
    }
  });
  inProcessQueue = call.catch(() => undefined);
  return call;
}

/**
 * A hermetic environment rooted in `dir`: HOME, XDG folders and TMPDIR inside it, SHELL=/bin/sh, a UTF-8
 * locale, the fake agent first on PATH. Only PATH and TMUX_TMPDIR come from `base` (the caller): no
 * dotfiles, no agent keys, no ORCH_* or TMUX of the tmux the tests may run inside.
 */
export function hermeticEnv(dir: string, extra: Record<string, string | undefined> = {}, base: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  const at = (...p: string[]) => {
    const d = join(dir, ...p);
    mkdirSync(d, { recursive: true, mode: 0o700 });
    return d;
  };
  const env: Record<string, string | undefined> = {
    PATH: `${join(fixturesDir, 'bin')}:${base.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`,
    HOME: at('home'), XDG_CONFIG_HOME: at('config'), XDG_STATE_HOME: at('xdg-state'), XDG_CACHE_HOME: at('cache'), XDG_DATA_HOME: at('data'),
    TMPDIR: at('tmp'), SHELL: '/bin/sh', LANG: 'C.UTF-8', TERM: 'xterm-256color', USER: base.USER ?? 'root', LOGNAME: base.LOGNAME ?? base.USER ?? 'root',
    FAKE_AGENT_HOME: join(dir, 'fake-sessions'), FAKE_AGENT_GATES: at('gates'),
  };
  if (base.TMUX_TMPDIR) env.TMUX_TMPDIR = base.TMUX_TMPDIR;
  return { ...env, ...extra };
}

let sharedHome: string | undefined;
/** A hermetic environment for processes outside any test server (a folder shared by this test file). */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  sharedHome ??= realpathSync(mkdtempSync(join(tmpdir(), 'orch-test-env-')));
  return hermeticEnv(sharedHome, extra);
}

/** Starts a private server with a keep-alive session; `base` is the caller's environment (PATH is all it gives). */
export async function startTestServer(base: NodeJS.ProcessEnv = process.env): Promise<TestServer> {
  const name = `orch-test-${randomBytes(5).toString('hex')}`;
  if (process.env.ORCH_TEST_REGISTRY) writeFileSync(join(process.env.ORCH_TEST_REGISTRY, name), '');
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'orch-test-')));
  mkdirSync(join(dir, 'work'));
  const env = hermeticEnv(dir, {
    ORCH_TMUX_SOCKET: name,
    ORCH_TMUX_HOME: join(dir, 'state'),
    ORCH_TMUX_RUNS: join(dir, 'runs'),
  }, base);
  // -f /dev/null: no tmux.conf; default-shell /bin/sh: windows never run the caller's shell start-up.
  await execa('tmux', ['-L', name, '-f', '/dev/null', 'new-session', '-d', '-s', 'keepalive', '-x', '200', '-y', '50', ';', 'set-option', '-g', 'default-shell', '/bin/sh'], { env, extendEnv: false });
  const tmux = new Tmux({ socketName: name });
  const cli = (args: string[], options: Options = {}) =>
    execa(process.execPath, [cliPath, ...args], { env, extendEnv: false, reject: false, cwd: join(dir, 'work'), ...options }) as Promise<Result>;
  const inProcess = (args: string[], o: { env?: Record<string, string | undefined>; cwd?: string } = {}) => runInProcess(o.env ?? env, o.cwd ?? join(dir, 'work'), args);
  return { name, tmux, dir, env, cli, inProcess };
}

/** Kills the server and removes its socket and the temporary folder. */
export async function stopTestServer(s: TestServer): Promise<void> {
  await execa('tmux', ['-L', s.name, 'kill-server'], { reject: false, env: cleanEnv() });
  const uid = process.getuid?.() ?? 0;
  rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${uid}`, s.name), { force: true });
  // Runners of the killed server, and a run's settle step, may still be writing their last files: when the
  // folder will not go, wait for every process of ours that belongs to this server to end, then remove it.
  try {
    rmSync(s.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  } catch {
    await waitUntil(() => ourProcesses(s).length === 0, `the processes of ${s.name} to end`, 30_000, 100).catch(() => undefined);
    rmSync(s.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
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

/** True once the process has an inotify instance open: a waiter that watches the run (Linux /proc). */
export function watching(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:inotify';
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Opens a gate the fake agent waits at (`[[gate:NAME]]`): the test decides when that agent goes on. */
export function openGate(server: TestServer, name: string): void {
  writeFileSync(join(server.env.FAKE_AGENT_GATES!, name), '');
}

/**
 * Polls until `check` returns a truthy value or the deadline passes (for conditions with no event). Without
 * `everyMs` the pause starts at 20 ms and grows to 100 ms: checks start processes or read all of /proc, and
 * on a 2-core machine a whole suite of 20 ms polls took CPU from the processes under test.
 */
export async function waitUntil<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000, everyMs?: number): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = everyMs ?? 20; ; pause = everyMs ?? Math.min(100, Math.round(pause * 1.5))) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pause));
  }
}

/** Processes of orch-tmux (argv naming our dist/ or scripts/orch-*) that belong to this test's server (its
 * socket name in their environment or argv): what a run started and must not leave behind. */
export function ourProcesses(server: TestServer): { pid: number; argv: string[] }[] {
  const mine = [join(repoRoot, 'dist') + '/', join(repoRoot, 'scripts', 'orch-')];
  const out: { pid: number; argv: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (!argv.some((a) => mine.some((m) => a.startsWith(m)))) continue;
      if (/^[^(]*\([^)]*\) Z /.test(readFileSync(`/proc/${entry}/stat`, 'utf8'))) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (environ.includes(server.name) || argv.some((a) => a.includes(server.name) || a.startsWith(server.dir))) out.push({ pid: Number(entry), argv });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}
