// The interactive codex TUI in a worker window: a prompt sent with `orch-tmux send` is submitted once;
// an escalated command is asked through the hook (notify mode: the dialog shows), and when the policy turns
// to auto while it waits, the monitor answers it once with keys.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { waitUntil } from '../helpers/tmux-server.js';
import { codexFor, lastUserText, test } from './support.js';

test('codex-tui: send submits once; the approval is asked through the hook, and answered once with keys when the policy turns to auto', async ({ server }) => {
  const codex = await codexFor(server);
  try {
    const run = (await server.cli(['new', '--cwd', codex.work], { env: codex.env })).stdout.trim();
    const runDir = JSON.parse((await server.cli(['status', run, '--json'], { env: codex.env })).stdout).dir;
    const spawn = await server.cli(['spawn', run, 'tui', '--agent', 'codex-tui', '--prompt', 'unused'], { env: codex.env });
    expect(spawn.exitCode, spawn.stderr).toBe(0);
    const screen = async () => (await server.cli(['log', run, 'tui', '--lines', '60'], { env: codex.env })).stdout;
    await waitUntil(async () => /Ask Codex to do anything/.test(await screen()), 'the codex composer', 60_000, 200);

    const sent = await server.cli(['send', run, 'tui', 'say hello [[reply:hello from stub]]', '--json'], { env: codex.env });
    expect(sent.exitCode, sent.stderr).toBe(0);
    // The composer echoes the typed text (which holds the reply's words), so the reply counts only on a line
    // without the [[reply: marker, and only after the stub has the turn.
    const helloTurns = () => codex.stub.requests.filter((q) => q.kind === 'turn' && lastUserText(q).includes('say hello'));
    await waitUntil(() => helloTurns().length > 0, 'the turn reaching the stub', 30_000, 100);
    await waitUntil(async () => /^(?!.*\[\[reply:).*hello from stub/m.test(await screen()), 'the reply on screen', 30_000, 200);
    expect(helloTurns().length).toBe(1);

    // Notify first (the default): reported, not answered.
    const policy = async (text: string) => {
      writeFileSync(join(server.dir, 'policy.yaml'), text);
      expect((await server.cli(['policy', run, '--from', join(server.dir, 'policy.yaml')], { env: codex.env })).exitCode).toBe(0);
    };
    await policy('approvals:\n  mode: notify\n');
    expect((await server.cli(['send', run, 'tui', 'run it [[shell-escalated:echo approved-run]]'], { env: codex.env })).exitCode).toBe(0);
    await waitUntil(async () => /Would you like to run the following command\?/.test(await screen()), 'the approval screen', 30_000, 200);
    const first = JSON.parse((await server.cli(['monitor', '--once', '--json'], { env: codex.env })).stdout);
    const seen = first.runs.find((r: { run: string }) => r.run === run).workers.find((w: { name: string }) => w.name === 'tui');
    // Asked through codex's PermissionRequest hook, which told people already: the monitor reads it from the hook and adds nothing.
    expect(seen).toMatchObject({ screen: 'waiting_approval', from: 'hook', actions: [] });
    const asked = readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.kind === 'hook.asked');
    expect(asked.map((e) => e.detail.request)).toEqual(['echo approved-run']);

    // The policy changes to auto while the request waits: the monitor answers it with keys, exactly once,
    // however many passes run while the screen settles.
    await policy('approvals:\n  mode: auto\n');
    for (let i = 0; i < 3; i++) await server.cli(['monitor', '--once'], { env: codex.env });
    await waitUntil(() => codex.stub.requests.some((q) => q.kind === 'tool-output'), 'the command output posted back', 30_000, 100);
    const events = readFileSync(join(runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(events.filter((e) => e.kind === 'monitor.approved').length).toBe(1);
    const output = codex.stub.requests.filter((q) => q.kind === 'tool-output').map((q) => JSON.stringify(q.body.input?.at(-1)));
    expect(output.join('\n')).toContain('approved-run');
    await server.cli(['kill', run, '--grace', '2'], { env: codex.env });
  } finally {
    await codex.stub.close();
  }
});
