// Shared steps for command tests: make a run, spawn a fake worker, read its files, ask status/wait for JSON.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { fakeAgentProfile, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import type { WorkerStatus } from '../../src/supervise/observe.js';

/** What `new --json` prints. */
export interface NewRun {
  id: string;
  session: string;
  dir: string;
  socketPath: string;
}

const started: { server: TestServer; run: NewRun }[] = [];

/** Creates a run with `new --json` and returns what it printed; its workers are stopped after the test. */
export async function newRun(server: TestServer, extra: string[] = []): Promise<NewRun> {
  const r = await server.cli(['new', '--json', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  const run = parseOut<NewRun>(r);
  started.push({ server, run });
  return run;
}

const alive = (pid: unknown) => {
  try {
    return typeof pid === 'number' && process.kill(pid, 0);
  } catch {
    return false;
  }
};

const livePids = (run: NewRun) =>
  readdirSync(join(run.dir, 'workers')).map((n) => { try { return workerJson(run, n).runnerPid; } catch { return undefined; } }).filter(alive);

// Runners still alive when the test ends would write into the folder the server fixture is removing
// (ENOTEMPTY): stop them with `kill <run>` and wait until every runner process is gone.
afterEach(async () => {
  for (const { server, run } of started.splice(0)) {
    if (livePids(run).length === 0) continue;
    await server.cli(['kill', run.id, '--grace', '0']);
    await waitUntil(() => livePids(run).length === 0, 'runners to exit', 5000).catch(() => undefined);
  }
});

/** Parses a command's JSON stdout; a failure shows what the command said on stderr. */
export function parseOut<T = any>(r: { stdout: unknown; stderr: unknown; exitCode?: number }): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    return JSON.parse(String(r.stdout)) as T;
  } catch {
    throw new Error(`expected JSON on stdout (exit ${r.exitCode}), got ${JSON.stringify(String(r.stdout).slice(0, 200))}; stderr: ${String(r.stderr).slice(0, 500)}`);
  }
}

/** Writes a prompt file in the test's folder; returns its path. */
export function promptFile(server: TestServer, name: string, bytes: string | Uint8Array): string {
  const path = join(server.dir, `${name}.prompt`);
  writeFileSync(path, bytes);
  return path;
}

/** Spawns a fake-agent worker with the prompt bytes; expects success. */
export async function spawnFake(server: TestServer, run: string, name: string, prompt: string | Uint8Array, extra: string[] = []): Promise<void> {
  const r = await server.cli(['spawn', run, name, '--agent', fakeAgentProfile, '--prompt-file', promptFile(server, `${run}-${name}`, prompt), ...extra]);
  expect(r.stderr, `spawn ${name}`).toBe('');
  expect(r.exitCode, `spawn ${name}`).toBe(0);
}

/** The worker's folder. */
export function workerDir(run: NewRun, name: string): string {
  return join(run.dir, 'workers', name);
}

/** worker.json as written on disk. */
export function workerJson(run: NewRun, name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(workerDir(run, name), 'worker.json'), 'utf8')) as Record<string, unknown>;
}

/** One worker in `status --json` (the product's own shape). */
export type StatusWorker = WorkerStatus;

/** `status <run> --json`, parsed. */
export async function statusJson(server: TestServer, run: string): Promise<{ run: string; session: string; dir: string; workers: StatusWorker[] } & Record<string, unknown>> {
  const r = await server.cli(['status', run, '--json']);
  expect(r.exitCode, String(r.stderr)).toBe(0);
  return parseOut(r);
}

/** One worker's entry from `status --json`. */
export async function statusOf(server: TestServer, run: string, name: string): Promise<StatusWorker> {
  const w = (await statusJson(server, run)).workers.find((x) => x.name === name);
  if (!w) throw new Error(`no worker ${name} in status`);
  return w;
}

/** Every file under a folder with its mtime (ns), for "nothing was written" checks (lock and temp files aside). */
export function mtimes(dir: string): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (/\.lock$|\.tmp$/.test(e.name)) continue;
      if (e.isDirectory()) walk(p);
      else out[p] = statSync(p, { bigint: true }).mtimeNs;
    }
  };
  walk(dir);
  return out;
}
