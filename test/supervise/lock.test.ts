// One monitor at a time: ten started at once on the same runs, one acts and nine skip; a lock left by a
// dead process (or torn by a crash) is taken over, a live one is respected.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { newRun, spawnFake } from '../cli/support.js';
import { eventsOf, monitorOnce, notices, screenOf, writePolicy } from './support.js';

const lockPath = (server: TestServer) => join(server.env.ORCH_TMUX_HOME!, 'monitor.lock');

function writeLock(server: TestServer, content: string, ageMs = 0): void {
  mkdirSync(server.env.ORCH_TMUX_HOME!, { recursive: true });
  writeFileSync(lockPath(server), content);
  const t = (Date.now() - ageMs) / 1000;
  utimesSync(lockPath(server), t, t);
}

/** A pid that no process has now: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid;
}

describe('monitor lock', () => {
  test('ten monitors at once: exactly one acts, nine exit 0 at once with skipped', async ({ server }) => {
    const run = await newRun(server);
    const gate = join(server.dir, 'gate');
    // The winner's notify command holds on until the gate opens, so the winner keeps the lock until every other monitor has finished.
    await writePolicy(server, run, { approvals: { mode: 'auto' } }, gate);
    await spawnFake(server, run.id, 'w', 'please [[approve:yn]]');
    await waitUntil(async () => /\[y\/n\]/.test(await screenOf(server, run, 'w')), 'the approval question');

    const started = Date.now();
    const procs = Array.from({ length: 10 }, () => server.cli(['monitor', '--once', '--json']));
    const pids = procs.map((p) => (p as unknown as { pid: number }).pid);
    let settled = 0;
    const took: number[] = [];
    procs.forEach((p, i) => void p.then(() => { settled++; took[i] = Date.now() - started; }));
    await waitUntil(() => settled >= 9, 'nine monitors to finish while one holds the lock', 30_000);
    // Still held: a plain (human) monitor says so on stderr.
    const plain = await server.cli(['monitor', '--once']);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toMatch(/another monitor is running \(pid \d+ on .+\); nothing to do/);
    writeFileSync(gate, '');
    const results = await Promise.all(procs);

    expect(results.map((r) => r.exitCode)).toEqual(Array(10).fill(0));
    const reports = results.map((r) => JSON.parse(String(r.stdout)) as { skipped?: boolean; heldBy?: { pid: number }; actions?: number });
    const acted = reports.filter((r) => !r.skipped);
    expect(acted).toHaveLength(1);
    expect(acted[0]!.actions).toBe(1);
    const winner = pids[reports.indexOf(acted[0]!)];
    for (const r of reports.filter((x) => x.skipped)) expect(r.heldBy!.pid).toBe(winner);
    // The nine did not wait for the lock: they were done before the winner could finish.
    const winnerTook = took[reports.indexOf(acted[0]!)]!;
    for (const [i, r] of reports.entries()) if (r.skipped) expect(took[i]!).toBeLessThan(winnerTook);
    expect(eventsOf(run, 'monitor.approved', 'w')).toHaveLength(1);
    expect(notices(server).filter((n) => n.event === 'approved')).toHaveLength(1);
    expect(existsSync(lockPath(server))).toBe(false); // released
    await server.cli(['wait', run.id, 'w', '--timeout', '20']);
  });

  test('a stale lock from a dead pid is taken over; a live one is respected; a torn one only when old', async ({ server }) => {
    const run = await newRun(server);
    // Held by a live process on this host (the test runner itself): skipped.
    writeLock(server, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
    const held = await server.cli(['monitor', '--once', '--json']);
    expect(held.exitCode).toBe(0);
    expect(JSON.parse(String(held.stdout))).toMatchObject({ skipped: true, heldBy: { pid: process.pid } });

    // Left by a dead process: taken over, the pass runs, the lock is released afterwards.
    writeLock(server, JSON.stringify({ pid: deadPid(), host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const report = await monitorOnce(server);
    expect(report.runs.map((r) => r.run)).toEqual([run.id]);
    expect(existsSync(lockPath(server))).toBe(false);

    // Empty (a crash between open and write): young means someone is writing it, old means stale.
    writeLock(server, '');
    expect(JSON.parse(String((await server.cli(['monitor', '--once', '--json'])).stdout))).toMatchObject({ skipped: true });
    writeLock(server, '{"pid": 12', 60_000);
    expect((await monitorOnce(server)).runs.map((r) => r.run)).toEqual([run.id]);
  });
});
