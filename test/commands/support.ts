// Shared steps for command tests: make a run, spawn a fake worker, read its files, ask status/wait for JSON.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { fakeAgentProfile, type TestServer } from '../helpers/tmux-server.js';

/** What `new --json` prints. */
export interface NewRun {
  id: string;
  session: string;
  dir: string;
  socketPath: string;
}

/** Creates a run with `new --json` and returns what it printed. */
export async function newRun(server: TestServer, extra: string[] = []): Promise<NewRun> {
  const r = await server.cli(['new', '--json', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  return JSON.parse(String(r.stdout)) as NewRun;
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

/** One worker in `status --json`. */
export interface StatusWorker {
  name: string;
  state: string;
  agent?: string;
  exitCode: number | null;
  signal: string | null;
  reason?: string;
  startedAt?: string;
  endedAt?: string;
  lastActivity?: string;
  paneId?: string;
  sessionId?: string;
  result: string | null;
}

/** `status <run> --json`, parsed. */
export async function statusJson(server: TestServer, run: string): Promise<{ run: string; session: string; dir: string; workers: StatusWorker[] } & Record<string, unknown>> {
  const r = await server.cli(['status', run, '--json']);
  expect(r.exitCode, String(r.stderr)).toBe(0);
  return JSON.parse(String(r.stdout));
}

/** One worker's entry from `status --json`. */
export async function statusOf(server: TestServer, run: string, name: string): Promise<StatusWorker> {
  const w = (await statusJson(server, run)).workers.find((x) => x.name === name);
  if (!w) throw new Error(`no worker ${name} in status`);
  return w;
}
