// `orch-tmux mcp install` where the agents are not on PATH: each agent's config written as its own `mcp add`
// writes it (codex config.toml, ~/.claude.json, gemini settings.json; .codex/, .mcp.json, .gemini/ for a
// project), what else the files hold kept; and the entry written starts a working server with no more
// environment than HOME and PATH. (With the agents on PATH their own commands run: test/e2e/orchestrator.test.ts.)
import { execaSync } from 'execa';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test, type TestServer } from '../helpers/tmux-server.js';
import { parseOut } from '../cli/support.js';
import { connectMcp } from './support.js';

/** A PATH with node, tmux and sh only: no agent is found. */
function nodeOnly(server: TestServer): string {
  const dir = join(server.dir, 'no-agents');
  mkdirSync(dir, { recursive: true });
  for (const [name, target] of [['node', process.execPath], ['tmux', execaSync('sh', ['-c', 'command -v tmux']).stdout], ['sh', '/bin/sh']]) {
    if (!existsSync(join(dir, name!))) symlinkSync(target!, join(dir, name!));
  }
  return dir;
}

describe('mcp install without the agents on PATH', () => {
  test('user scope: each agent\'s file written the way its `mcp add` writes it, other content kept, installing again replaces our entry', async ({ server }) => {
    const home = server.env.HOME!;
    const env = { ...server.env, PATH: nodeOnly(server) };
    mkdirSync(join(home, '.codex'));
    writeFileSync(join(home, '.codex', 'config.toml'), '# mine\nmodel = "gpt-5.5"\n\n[mcp_servers.orch-tmux]\ncommand = "old"\n\n[mcp_servers.orch-tmux.env]\nX = "1"\n\n[mcp_servers.other]\ncommand = "other"\n');
    writeFileSync(join(home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true, mcpServers: { other: { type: 'stdio', command: 'other', args: [] } } }));
    // --agent all means the agents on PATH: none here, so it is refused and a named agent is needed.
    const none = await server.inProcess(['mcp', 'install', '--json'], { env });
    expect(none.exitCode).toBe(2);
    expect(parseOut(none).error).toMatchObject({ code: 'no_agent', message: expect.stringContaining('name one with --agent') });
    const installed = [];
    for (const agent of ['codex', 'claude', 'gemini']) {
      const r = await server.inProcess(['mcp', 'install', '--agent', agent, '--json'], { env });
      expect(r.exitCode, r.stderr).toBe(0);
      installed.push(...parseOut<{ installed: { agent: string; how: string; via: string }[] }>(r).installed);
    }
    expect(installed.map((i) => [i.agent, i.how, i.via])).toEqual([
      ['codex', 'config-file', join(home, '.codex', 'config.toml')],
      ['claude', 'config-file', join(home, '.claude.json')],
      ['gemini', 'config-file', join(home, '.gemini', 'settings.json')],
    ]);
    const args = ['mcp', '--home', server.env.ORCH_TMUX_HOME!, '--socket', server.name, '--runs', server.env.ORCH_TMUX_RUNS!];
    const toml = readFileSync(join(home, '.codex', 'config.toml'), 'utf8');
    expect(toml).toMatch(/^# mine\nmodel = "gpt-5\.5"\n\n\[mcp_servers\.other\]\ncommand = "other"\n\n\[mcp_servers\.orch-tmux\]\ncommand = ".+"\nargs = \[.+\]\n$/);
    expect(toml).not.toContain('old');
    const claude = JSON.parse(readFileSync(join(home, '.claude.json'), 'utf8'));
    expect(claude.hasCompletedOnboarding).toBe(true);
    expect(claude.mcpServers.other.command).toBe('other');
    expect(claude.mcpServers['orch-tmux']).toEqual({ type: 'stdio', command: process.execPath, args: [expect.stringMatching(/dist\/cli\.js$/), ...args], env: {} });
    expect(JSON.parse(readFileSync(join(home, '.gemini', 'settings.json'), 'utf8')).mcpServers['orch-tmux']).toEqual({ command: process.execPath, args: claude.mcpServers['orch-tmux'].args });
    expect(toml).toContain(`args = [${claude.mcpServers['orch-tmux'].args.map((a: string) => JSON.stringify(a)).join(', ')}]`);

    // Idempotent: installing again gives the same files.
    const before = [readFileSync(join(home, '.codex', 'config.toml'), 'utf8'), readFileSync(join(home, '.claude.json'), 'utf8')];
    expect((await server.inProcess(['mcp', 'install', '--agent', 'codex'], { env })).exitCode).toBe(0);
    expect((await server.inProcess(['mcp', 'install', '--agent', 'claude'], { env })).exitCode).toBe(0);
    expect([readFileSync(join(home, '.codex', 'config.toml'), 'utf8'), readFileSync(join(home, '.claude.json'), 'utf8')]).toEqual(before);

    // The entry as written starts a server that works with only HOME and PATH in its environment.
    const entry = claude.mcpServers['orch-tmux'] as { command: string; args: string[] };
    const mcp = await connectMcp(server, { command: entry.command, args: entry.args, env: { HOME: home, PATH: nodeOnly(server) } });
    try {
      const made = await mcp.call('new', { name: 'from-entry' });
      expect(made.isError, JSON.stringify(made.json)).toBe(false);
      expect(parseOut(await server.cli(['status', made.json.id, '--json'])).name).toBe('from-entry');
    } finally {
      await mcp.close();
    }
  });

  test('project scope: .codex/config.toml, .mcp.json and .gemini/settings.json under the working directory; a broken JSON file is refused, nothing written', async ({ server }) => {
    const project = join(server.dir, 'work');
    const env = { ...server.env, PATH: nodeOnly(server) };
    const vias = [];
    for (const agent of ['codex', 'claude', 'gemini']) {
      const r = await server.inProcess(['mcp', 'install', '--project', '--agent', agent, '--json'], { env });
      expect(r.exitCode, r.stderr).toBe(0);
      vias.push(parseOut(r).installed[0]);
    }
    expect(vias.map((i: { via: string }) => i.via)).toEqual([join(project, '.codex', 'config.toml'), join(project, '.mcp.json'), join(project, '.gemini', 'settings.json')]);
    expect(JSON.parse(readFileSync(join(project, '.mcp.json'), 'utf8')).mcpServers['orch-tmux'].command).toBe(process.execPath);
    expect(vias[0].notes).toContain('codex reads a project\'s .codex/config.toml only when the project is trusted');

    writeFileSync(join(project, '.mcp.json'), '{ not json');
    const broken = await server.inProcess(['mcp', 'install', '--project', '--agent', 'claude', '--json'], { env });
    expect(broken.exitCode).toBe(2);
    expect(parseOut(broken).error.message).toMatch(/\.mcp\.json is not valid JSON, so the server was not added: fix the file/);
    expect(readFileSync(join(project, '.mcp.json'), 'utf8')).toBe('{ not json');
    for (const [args, message] of [
      [['mcp', 'install', '--agent', 'cursor'], /Expected --agent codex, claude, gemini or all/],
      [['mcp', 'install', '--home', '/x'], /--home is for the server itself/],
      [['mcp', 'serve'], /Unknown mcp action "serve"/],
      [['mcp', '--agent', 'codex'], /--agent is for `orch-tmux mcp install`/],
    ] as const) {
      const bad = await server.inProcess([...args], { env });
      expect(bad.exitCode, args.join(' ')).toBe(2);
      expect(bad.stderr).toMatch(message);
    }
  });
});
