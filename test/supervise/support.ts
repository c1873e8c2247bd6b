// Shared steps for monitor tests: a policy file per run, a notify command that records what it got,
// `monitor --once --json` parsed, events.jsonl read back.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { PassReport } from '../../src/supervise/monitor.js';
import { fixturesDir, type TestServer } from '../helpers/tmux-server.js';
import type { NewRun } from '../cli/support.js';

export const notifier = join(fixturesDir, '..', 'supervise', 'fixtures', 'notify.mjs');

/** One line of events.jsonl. */
export interface RunEvent {
  time: string;
  worker?: string;
  kind: string;
  detail?: Record<string, unknown>;
}

/** Where the test's notify command writes what it received. */
export function noticesFile(server: TestServer): string {
  return join(server.dir, 'notices.jsonl');
}

/** Freezes a policy into the run with `orch-tmux policy <run> --from FILE` (JSON is YAML); `notify.command` defaults to the recording notifier. */
export async function writePolicy(server: TestServer, run: NewRun | string, policy: Record<string, unknown>, gate?: string): Promise<void> {
  const notify = { command: [process.execPath, notifier, noticesFile(server), ...(gate ? [gate] : [])], tmux: false };
  const file = join(server.dir, `policy-${randomBytes(4).toString('hex')}.yaml`);
  writeFileSync(file, JSON.stringify({ notify, ...policy }, null, 2));
  const r = await server.cli(['policy', typeof run === 'string' ? run : run.dir, '--from', file]);
  expect(r.exitCode, `policy --from: ${String(r.stderr)}`).toBe(0);
}

/** The notices the notify command received, in order. */
export function notices(server: TestServer): { event: string; run: string; worker?: string; detail?: Record<string, unknown> }[] {
  const path = noticesFile(server);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** events.jsonl, parsed. */
export function events(run: NewRun): RunEvent[] {
  const path = join(run.dir, 'events.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunEvent);
}

/** The events of one kind (optionally for one worker). */
export function eventsOf(run: NewRun, kind: string, worker?: string): RunEvent[] {
  return events(run).filter((e) => e.kind === kind && (worker === undefined || e.worker === worker));
}

/** `monitor --once --json`: must exit 0; returns the parsed report. */
export async function monitorOnce(server: TestServer, env?: Record<string, string | undefined>): Promise<PassReport> {
  const r = await server.cli(['monitor', '--once', '--json'], env ? { env: { ...server.env, ...env } } : {});
  expect(r.exitCode, `monitor --once: ${String(r.stderr)}`).toBe(0);
  return JSON.parse(String(r.stdout)) as PassReport;
}

/** One worker as a pass report saw it. */
export function observed(report: PassReport, name: string) {
  return report.runs.flatMap((r) => r.workers).find((w) => w.name === name);
}

/** What a pass did about a worker; [] when its run had ended (the monitor leaves ended runs alone). */
export function actionsOf(report: PassReport, name: string): string[] {
  return observed(report, name)?.actions ?? [];
}

/** The pane's visible text. */
export async function screenOf(server: TestServer, run: NewRun, name: string): Promise<string> {
  const rec = JSON.parse(readFileSync(join(run.dir, 'workers', name, 'worker.json'), 'utf8')) as { paneId: string };
  return server.tmux.capturePane(rec.paneId);
}
