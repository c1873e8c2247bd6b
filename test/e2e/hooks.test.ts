// The real codex TUI with orch-tmux's hooks (-c hooks.<Event>=..., this worker only), against the loopback
// stub: the facts arrive, permission requests are decided by the run's policy inside the hook (exactly
// once, the effect on disk or absent), and in notify mode the notify command gets the request.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { waitUntil } from '../helpers/tmux-server.js';
import { notifier } from '../supervise/support.js';
import { codexFor, test } from './support.js';

test('codex-tui hooks: facts, approve and deny through the hook, notify mode tells the request', async ({ server }) => {
  const codex = await codexFor(server);
  try {
    const cli = (args: string[]) => server.cli(args, { env: codex.env });
    const run = (await cli(['new', '--cwd', codex.work])).stdout.trim();
    const runDir = JSON.parse((await cli(['status', run, '--json'])).stdout).dir as string;
    const noticesFile = join(server.dir, 'notices.jsonl');
    const policy = async (approvals: Record<string, unknown>) => {
      writeFileSync(join(server.dir, 'policy.yaml'), JSON.stringify({ approvals, notify: { command: [process.execPath, notifier, noticesFile], tmux: false } }));
      expect((await cli(['policy', run, '--from', join(server.dir, 'policy.yaml')])).exitCode).toBe(0);
    };
    await policy({ mode: 'auto', allow: ['^touch allowed\\.txt$'], deny: ['touch denied'] });
    const spawn = await cli(['spawn', run, 'tui', '--agent', 'codex-tui', '--prompt', 'unused']);
    expect(spawn.exitCode, spawn.stderr).toBe(0);
    const hooksFile = join(runDir, 'workers', 'tui', 'hooks.jsonl');
    const lines = () => (existsSync(hooksFile) ? readFileSync(hooksFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
    const facts = () => lines().map((l: { fact: string; decision?: string }) => l.fact + (l.decision ? `:${l.decision}` : ''));
    const screen = async () => (await cli(['log', run, 'tui', '--lines', '60'])).stdout;
    await waitUntil(async () => /Ask Codex to do anything/.test(await screen()), 'the codex composer', 60_000, 200);

    expect((await cli(['send', run, 'tui', 'say hello [[reply:hello from stub]]'])).exitCode).toBe(0);
    await waitUntil(() => facts().includes('turn_done'), 'the Stop hook', 30_000, 100);
    expect(facts()).toEqual(['session', 'working', 'turn_done']);
    expect(lines()[0].event.session_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // The screen agrees with the hook: idle at the composer, read from the hook line.
    const explained = JSON.parse((await cli(['explain', run, 'tui', '--json'])).stdout);
    expect(explained.now).toMatchObject({ state: 'waiting_input', from: 'hook' });

    const turns = () => facts().filter((f) => f === 'turn_done').length;
    expect((await cli(['send', run, 'tui', 'run it [[shell-escalated:touch allowed.txt]]'])).exitCode).toBe(0);
    await waitUntil(() => existsSync(join(codex.work, 'allowed.txt')), 'allowed.txt made through the hook\'s approval', 30_000, 100);
    await waitUntil(() => turns() === 2, 'the second turn to end', 30_000, 100);
    expect(facts().filter((f) => f.startsWith('approval'))).toEqual(['approval:allow']);

    expect((await cli(['send', run, 'tui', 'run it [[shell-escalated:touch denied.txt]]'])).exitCode).toBe(0);
    await waitUntil(() => facts().includes('approval:deny'), 'the hook\'s refusal', 30_000, 100);
    await waitUntil(() => turns() === 3, 'the third turn to end', 30_000, 100);
    expect(existsSync(join(codex.work, 'denied.txt'))).toBe(false);

    await policy({ mode: 'notify' });
    expect((await cli(['send', run, 'tui', 'run it [[shell-escalated:touch later.txt]]'])).exitCode).toBe(0);
    await waitUntil(() => existsSync(noticesFile) && readFileSync(noticesFile, 'utf8').includes('waiting_approval'), 'the notice', 30_000, 100);
    const notice = readFileSync(noticesFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((n) => n.event === 'waiting_approval');
    expect(notice).toMatchObject({ worker: 'tui', detail: { prompt: 'touch later.txt', by: 'hook' } });
    await waitUntil(async () => /Would you like to run the following command\?/.test(await screen()), 'codex\'s own approval screen', 30_000, 200);
    const refused = await cli(['send', run, 'tui', 'carry on']);
    expect(refused.exitCode).toBe(1);
    expect(existsSync(join(codex.work, 'later.txt'))).toBe(false);

    const events = readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(events.filter((e) => e.kind === 'hook.approved').map((e) => e.detail.request)).toEqual(['touch allowed.txt']);
    expect(events.filter((e) => e.kind === 'hook.denied').map((e) => e.detail.request)).toEqual(['touch denied.txt']);
    expect(events.filter((e) => e.kind === 'monitor.approved')).toEqual([]);
    await cli(['kill', run, '--grace', '2']);
  } finally {
    await codex.stub.close();
  }
});
