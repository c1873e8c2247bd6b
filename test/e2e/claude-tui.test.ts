// The real Claude Code TUI (pinned) in a worker window against the loopback stub, with orch-tmux's hooks
// (--settings in the worker's folder): working from the hook, a Bash request approved or refused inside the
// hook by the policy, in notify mode told with the request; the startup trust dialog (before any hook runs)
// is read from the screen as a gate and never answered.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { waitUntil } from '../helpers/tmux-server.js';
import { newRun } from '../cli/support.js';
import { eventsOf, monitorOnce, notices, observed, writePolicy } from '../supervise/support.js';

// The worker's hook lines as `fact` or `fact:decision`.
const facts = (runDir: string): string[] => {
  const path = join(runDir, 'workers', 'tui', 'hooks.jsonl');
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { fact: string; decision?: string }).map((l) => l.fact + (l.decision ? `:${l.decision}` : '')) : [];
};
import { claudeFor, claudeStarted, claudeTest as test } from './agents.js';

describe('claude-tui', () => {
  test('hooks: send -> working -> the Bash request approved inside the hook by the policy -> the file exists, no dialog, nothing typed', async ({ server }) => {
    const claude = await claudeFor(server);
    try {
      claudeStarted(claude.home, claude.env, [claude.work]);
      const run = await newRun(server, ['--cwd', claude.work]);
      const spawn = await server.cli(['spawn', run.id, 'tui', '--agent', 'claude-tui', '--prompt', 'unused'], { env: claude.env });
      expect(spawn.exitCode, String(spawn.stderr)).toBe(0);
      const screen = async () => String((await server.cli(['log', run.id, 'tui', '--lines', '60'], { env: claude.env })).stdout);
      await waitUntil(async () => /for shortcuts/.test(await screen()), 'the claude composer', 60_000, 200);
      await writePolicy(server, run, { approvals: { mode: 'auto', allow: ['^touch tui-approved\\.txt$'], deny: ['touch tui-denied'] } });

      const sent = await server.cli(['send', run.id, 'tui', 'Make a file [[hold-once]] [[bash:touch tui-approved.txt]]'], { env: claude.env });
      expect(sent.exitCode, String(sent.stderr)).toBe(0);
      await waitUntil(() => claude.stub.turns().some((t) => t.some((x) => x.includes('[[hold-once]]'))), 'the turn at the stub', 30_000);
      // The stub holds the answer: the UserPromptSubmit hook said working, and the monitor says so from it.
      await waitUntil(async () => {
        const w = observed(await monitorOnce(server, claude.env), 'tui');
        return w?.screen === 'working' && w.from === 'hook';
      }, 'the monitor to see working from the hook', 30_000, 200);
      claude.stub.release!();
      await waitUntil(() => existsSync(join(claude.work, 'tui-approved.txt')), 'the command approved by the hook to run', 30_000);
      await waitUntil(() => facts(run.dir).includes('turn_done'), 'the Stop hook', 30_000);
      expect(facts(run.dir)).toContain('session');
      expect(facts(run.dir).filter((f) => f.startsWith('approval'))).toEqual(['approval:allow']);
      for (let i = 0; i < 2; i++) await monitorOnce(server, claude.env);
      expect(eventsOf(run, 'hook.approved', 'tui').map((e) => e.detail!.request)).toEqual(['touch tui-approved.txt']);
      expect(eventsOf(run, 'monitor.approved', 'tui')).toHaveLength(0);
      expect(await screen()).not.toMatch(/Do you want to proceed\?/);

      // Deny-listed: refused inside the hook, never run.
      expect((await server.cli(['send', run.id, 'tui', 'Another [[bash:touch tui-denied.txt]]'], { env: claude.env })).exitCode).toBe(0);
      await waitUntil(() => facts(run.dir).includes('approval:deny'), 'the hook\'s refusal', 30_000);
      expect(existsSync(join(claude.work, 'tui-denied.txt'))).toBe(false);

      // Notify: a person is told with the request, claude shows its dialog, and send will not type into it.
      await writePolicy(server, run, {});
      await waitUntil(() => facts(run.dir).filter((f) => f === 'turn_done').length === 2, 'the second turn to end', 30_000);
      expect((await server.cli(['send', run.id, 'tui', 'Third [[bash:touch tui-later.txt]]'], { env: claude.env })).exitCode).toBe(0);
      await waitUntil(() => notices(server).some((n) => n.event === 'waiting_approval'), 'the notice from the hook', 30_000);
      expect(notices(server).find((n) => n.event === 'waiting_approval')).toMatchObject({ worker: 'tui', detail: { prompt: 'touch tui-later.txt', by: 'hook' } });
      await waitUntil(async () => /Do you want to proceed\?/.test(await screen()), 'claude\'s own permission dialog', 30_000, 200);
      expect((await server.cli(['send', run.id, 'tui', 'carry on'], { env: claude.env })).exitCode).toBe(1);
      expect(existsSync(join(claude.work, 'tui-later.txt'))).toBe(false);
    } finally {
      await claude.stub.close();
    }
  });

  test('an untrusted folder: the trust dialog is a gate, reported once, and the approve key never sent to it', async ({ server }) => {
    const claude = await claudeFor(server);
    try {
      claudeStarted(claude.home, claude.env, []);
      const run = await newRun(server, ['--cwd', claude.work]);
      const spawn = await server.cli(['spawn', run.id, 'tui', '--agent', 'claude-tui', '--prompt', 'unused'], { env: claude.env });
      expect(spawn.exitCode, String(spawn.stderr)).toBe(0);
      const screen = async () => String((await server.cli(['log', run.id, 'tui', '--lines', '60'], { env: claude.env })).stdout);
      await waitUntil(async () => /Quick safety check/.test(await screen()), 'the trust dialog', 60_000, 200);
      await writePolicy(server, run, { approvals: { mode: 'auto', allow: ['.*'] } });
      const first = observed(await monitorOnce(server, claude.env), 'tui')!;
      expect(first).toMatchObject({ screen: 'waiting_approval' });
      expect(first.actions).toEqual(['notify:waiting_gate']);
      expect(observed(await monitorOnce(server, claude.env), 'tui')!.actions).toEqual([]);
      expect(eventsOf(run, 'monitor.approved', 'tui')).toHaveLength(0);
      // Still there, unanswered, and claude still runs (its default choice would have been "No, exit").
      expect(await screen()).toMatch(/Quick safety check/);
      expect(JSON.parse(readFileSync(join(run.dir, 'workers', 'tui', 'worker.json'), 'utf8')).state).toBe('running');
    } finally {
      await claude.stub.close();
    }
  });
});
