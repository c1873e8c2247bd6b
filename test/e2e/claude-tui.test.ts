// The real Claude Code TUI (pinned) in a worker window against the loopback stub: a prompt sent with
// `orch-tmux send` goes working -> waiting_approval (the Bash permission dialog) -> approved once by the
// policy -> the command ran; the startup trust dialog is reported as a gate and never answered.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { waitUntil } from '../helpers/tmux-server.js';
import { newRun } from '../commands/support.js';
import { eventsOf, monitorOnce, observed, writePolicy } from '../monitor/support.js';
import { claudeFor, claudeStarted, claudeTest as test } from './agents.js';

describe('claude-tui', () => {
  test('send -> working -> waiting_approval (Bash) -> approved by the policy -> the command\'s file exists', async ({ server }) => {
    const claude = await claudeFor(server);
    try {
      claudeStarted(claude.home, claude.env, [claude.work]);
      const run = await newRun(server, ['--cwd', claude.work]);
      const spawn = await server.cli(['spawn', run.id, 'tui', '--agent', 'claude-tui', '--prompt', 'unused'], { env: claude.env });
      expect(spawn.exitCode, String(spawn.stderr)).toBe(0);
      const screen = async () => String((await server.cli(['log', run.id, 'tui', '--lines', '60'], { env: claude.env })).stdout);
      await waitUntil(async () => /for shortcuts/.test(await screen()), 'the claude composer', 60_000, 200);
      await writePolicy(server, run, { approvals: { mode: 'auto' } });

      const sent = await server.cli(['send', run.id, 'tui', 'Make a file [[hold-once]] [[bash:touch tui-approved.txt]]'], { env: claude.env });
      expect(sent.exitCode, String(sent.stderr)).toBe(0);
      await waitUntil(() => claude.stub.turns().some((t) => t.some((x) => x.includes('[[hold-once]]'))), 'the turn at the stub', 30_000);
      // The stub holds the answer: claude shows its working row, and the monitor says so.
      await waitUntil(async () => observed(await monitorOnce(server, claude.env), 'tui')?.screen === 'working', 'the monitor to see working', 30_000, 200);
      claude.stub.release!();
      await waitUntil(async () => /Do you want to proceed\?/.test(await screen()), 'the permission dialog', 30_000, 200);
      const pass = await monitorOnce(server, claude.env);
      expect(observed(pass, 'tui')).toMatchObject({ screen: 'waiting_approval' });
      expect(observed(pass, 'tui')!.actions).toContain('approve');
      await waitUntil(() => existsSync(join(claude.work, 'tui-approved.txt')), 'the approved command to run', 30_000);
      for (let i = 0; i < 2; i++) await monitorOnce(server, claude.env);
      expect(eventsOf(run, 'monitor.approved', 'tui')).toHaveLength(1);
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
