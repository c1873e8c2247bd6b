// What a run starts, it ends: the board process ends with its run (its last frame stays in the window), the
// monitor closes ended sessions after `sessions.keepAfterEnd`, `prune` closes them (and with --files removes
// their folders), and no process of ours stays behind for an ended run.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { ourProcesses, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { parseOut } from '../cli/support.js';

interface Reviewed {
  run: string;
  dir: string;
  session: string;
}

async function rehearse(server: TestServer, name: string): Promise<Reviewed> {
  const r = await server.cli(['review', 'doc.md', '--dry-run', '--name', name, '--json']);
  expect(r.exitCode, String(r.stderr)).toBe(0);
  return parseOut<Reviewed>(r);
}

async function sessions(server: TestServer): Promise<string[]> {
  return (await server.tmux.run([['list-sessions', '-F', '#{session_name}']])).split('\n').filter(Boolean).sort();
}

function userConfig(server: TestServer, yaml: string): void {
  mkdirSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux'), { recursive: true });
  writeFileSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux', 'config.yaml'), yaml);
}

describe('ended runs', () => {
  test('after 10 finished runs no board of ours is alive, each window keeps its last frame; prune closes every session and nothing of ours is left', async ({ server }) => {
    writeFileSync(join(server.dir, 'work', 'doc.md'), '# Doc\n\nText.\n');
    const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => rehearse(server, `r${i}`)));
    // The boards end by themselves once their run has ended (the driver, the runners and the settle steps too).
    await waitUntil(() => ourProcesses(server).length === 0 || undefined, 'every process of ours to end', 30_000);
    expect(await sessions(server)).toEqual(['keepalive', ...runs.map((r) => r.session)].sort());
    for (const r of runs) {
      const pane = await server.tmux.run([['display-message', '-p', '-t', `=${r.session}:orch`, '#{pane_dead}']]);
      expect(pane.trim(), r.run).toBe('1');
      expect(await server.tmux.run([['capture-pane', '-p', '-t', `=${r.session}:orch`]])).toContain(`${r.run} finished`);
    }
    // status without a run shows active runs only; ls lists them all.
    expect(parseOut<{ runs: unknown[] }>(await server.cli(['status', '--json'])).runs).toEqual([]);
    expect(parseOut<{ runs: { id: string; outcome: string }[] }>(await server.cli(['ls', '--json'])).runs.map((r) => r.outcome)).toEqual(Array(10).fill('ok'));

    const dry = parseOut<{ dryRun: boolean; runs: { run: string; session: string }[] }>(await server.cli(['prune', '--dry-run', '--json']));
    expect(dry.dryRun).toBe(true);
    expect(dry.runs.map((r) => r.session)).toEqual(Array(10).fill('closed'));
    expect(await sessions(server)).toHaveLength(11);
    const young = parseOut<{ runs: unknown[] }>(await server.cli(['prune', '--older-than', '1h', '--json']));
    expect(young.runs).toEqual([]);
    const pruned = await server.cli(['prune']);
    expect(pruned.exitCode, String(pruned.stderr)).toBe(0);
    expect(String(pruned.stdout)).toMatch(/^RUN\s+ENDED\s+SESSION\s+FILES$/m);
    expect(await sessions(server)).toEqual(['keepalive']);
    expect(ourProcesses(server)).toEqual([]);
    // The files stay until --files; then the folders and index entries go too.
    for (const r of runs) expect(existsSync(r.dir)).toBe(true);
    const files = parseOut<{ runs: { files: string }[] }>(await server.cli(['prune', '--files', '--json']));
    expect(files.runs.map((r) => r.files)).toEqual(Array(10).fill('removed'));
    for (const r of runs) expect(existsSync(r.dir)).toBe(false);
    expect(parseOut<{ runs: unknown[] }>(await server.cli(['ls', '--json'])).runs).toEqual([]);
    expect((await server.cli(['prune', '--older-than', 'soon'])).exitCode).toBe(2);
  });

  test('the monitor closes an ended run\'s session once its sessions.keepAfterEnd has passed, not before; forever keeps it', async ({ server }) => {
    writeFileSync(join(server.dir, 'work', 'doc.md'), '# Doc\n\nText.\n');
    userConfig(server, 'sessions: { keepAfterEnd: 0 }\n');
    const now = await rehearse(server, 'now');
    userConfig(server, 'sessions: { keepAfterEnd: forever }\n');
    const kept = await rehearse(server, 'kept');
    userConfig(server, '');
    const hour = await rehearse(server, 'hour');
    const fresh = await rehearse(server, 'fresh');
    // Two of them ended two hours ago (as the index records an end): past the default hour, never past forever.
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
    for (const r of [kept, hour]) appendFileSync(join(server.env.ORCH_TMUX_HOME!, 'index.jsonl'), `${JSON.stringify({ id: r.run, dir: r.dir, session: r.session, created: twoHoursAgo, state: 'finished', endedAt: twoHoursAgo })}\n`);
    const pass = parseOut<{ sessionsClosed: string[] }>(await server.cli(['monitor', '--once', '--json']));
    expect(pass.sessionsClosed.sort()).toEqual([now.run, hour.run].sort());
    expect(await sessions(server)).toEqual(['keepalive', kept.session, fresh.session].sort());
    expect(readFileSync(join(hour.dir, 'events.jsonl'), 'utf8')).toContain('"kind":"run.session-closed"');
  });
});
