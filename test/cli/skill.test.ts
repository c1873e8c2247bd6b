// The shipped Agent Skill and `orch-tmux skill install|show`: the skill meets the standard's limits, installs
// into each agent's folder under the test's own HOME (or the project), is idempotent, updates its own older
// copy, and never overwrites a copy someone edited without --force (nothing written at all then).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { repoRoot, test, type TestServer } from '../helpers/tmux-server.js';
import { parseOut } from './support.js';

const shipped = join(repoRoot, 'skills', 'orch-tmux');
const skillText = () => readFileSync(join(shipped, 'SKILL.md'), 'utf8');
const home = (server: TestServer) => server.env.HOME!;
const agentsCopy = (base: string) => join(base, '.agents', 'skills', 'orch-tmux');
const claudeCopy = (base: string) => join(base, '.claude', 'skills', 'orch-tmux');
const geminiCopy = (base: string) => join(base, '.gemini', 'skills', 'orch-tmux');

/** Every file of a folder by relative path (the install manifest left out). */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    if (f !== '.orch-tmux-install.json' && statSync(join(dir, f)).isFile()) out[f] = readFileSync(join(dir, f), 'utf8');
  }
  return out;
}

describe('the orch-tmux skill', () => {
  test('SKILL.md: front matter name and description within the standard\'s limits, at most ~200 lines, every reference it links exists', () => {
    const text = skillText();
    const front = /^---\n([\s\S]*?)\n---\n/.exec(text);
    expect(front).not.toBeNull();
    const meta = parseYaml(front![1]!) as { name: string; description: string };
    expect(meta.name).toBe('orch-tmux');
    expect(meta.description.length).toBeLessThanOrEqual(1024);
    for (const word of ['parallel', 'second opinion', 'codex', 'claude', 'gemini', 'lenses', 'review']) expect(meta.description).toContain(word);
    expect(text.split('\n').length).toBeLessThanOrEqual(200);
    const links = [...text.matchAll(/\]\((references\/[^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThanOrEqual(3);
    for (const link of links) expect(existsSync(join(shipped, link)), link).toBe(true);
    // The commands it teaches exist: each MCP tool and CLI command named in it is a real command.
    for (const tool of ['review', 'run', 'new', 'spawn', 'status', 'wait', 'result', 'log', 'explain', 'send', 'approve', 'deny', 'kill', 'resume', 'plan', 'report']) expect(text).toContain(`\`${tool}`);
  });

  test('install: every agent\'s folder, idempotent, an older copy of ours updated, an edited one refused (nothing written) until --force', async ({ server }) => {
    const r = await server.cli(['skill', 'install', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = parseOut<{ installed: { dir: string; readers: string[]; action: string }[] }>(r);
    expect(out.installed).toEqual([
      { dir: agentsCopy(home(server)), readers: ['codex', 'gemini'], action: 'created' },
      { dir: claudeCopy(home(server)), readers: ['claude'], action: 'created' },
    ]);
    for (const copy of [agentsCopy(home(server)), claudeCopy(home(server))]) expect(tree(copy)).toEqual(tree(shipped));
    const manifest = JSON.parse(readFileSync(join(claudeCopy(home(server)), '.orch-tmux-install.json'), 'utf8'));
    expect(Object.keys(manifest.files).sort()).toEqual(Object.keys(tree(shipped)).sort());

    const again = await server.inProcess(['skill', 'install', '--json']);
    expect(parseOut(again).installed.map((i: { action: string }) => i.action)).toEqual(['unchanged', 'unchanged']);

    // An older install of ours (its manifest matches what is there): updated in place.
    const older = join(claudeCopy(home(server)), 'SKILL.md');
    writeFileSync(older, 'an older SKILL.md\n');
    manifest.files['SKILL.md'] = createHash('sha256').update('an older SKILL.md\n').digest('hex');
    writeFileSync(join(claudeCopy(home(server)), '.orch-tmux-install.json'), JSON.stringify(manifest));
    const updated = await server.inProcess(['skill', 'install', '--agent', 'claude', '--json']);
    expect(parseOut(updated).installed).toMatchObject([{ action: 'updated' }]);
    expect(readFileSync(older, 'utf8')).toBe(skillText());

    // Edited by the user: refused, exit 2, one line naming the folder and --force; nothing written anywhere.
    writeFileSync(older, `${skillText()}\nMy own note.\n`);
    writeFileSync(join(agentsCopy(home(server)), 'references', 'patterns.md'), 'stale\n');
    const refused = await server.inProcess(['skill', 'install', '--json']);
    expect(refused.exitCode).toBe(2);
    expect(parseOut(refused).error).toMatchObject({ code: 'skill_edited', message: expect.stringMatching(/--force/) });
    expect(refused.stderr.split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(claudeCopy(home(server)));
    expect(readFileSync(older, 'utf8')).toContain('My own note.');
    expect(readFileSync(join(agentsCopy(home(server)), 'references', 'patterns.md'), 'utf8')).toBe('stale\n');
    const forced = await server.inProcess(['skill', 'install', '--force', '--json']);
    expect(parseOut(forced).installed.map((i: { action: string }) => i.action)).toEqual(['replaced', 'replaced']);
    expect(tree(claudeCopy(home(server)))).toEqual(tree(shipped));
    expect(readdirSync(join(home(server), '.claude', 'skills'))).toEqual(['orch-tmux']);
  });

  test('gemini alone: its own folder (as `gemini skills install` does), or the shared .agents copy when there is one; --project under the working directory', async ({ server }) => {
    const gemini = await server.inProcess(['skill', 'install', '--agent', 'gemini', '--json']);
    expect(parseOut(gemini).installed).toEqual([{ dir: geminiCopy(home(server)), readers: ['gemini'], action: 'created' }]);
    // Then codex: the shared folder, and a note that gemini now sees two copies.
    const codex = await server.inProcess(['skill', 'install', '--agent', 'codex', '--json']);
    expect(parseOut(codex)).toMatchObject({ installed: [{ dir: agentsCopy(home(server)), action: 'created' }], notes: [expect.stringContaining(geminiCopy(home(server)))] });
    const shared = await server.inProcess(['skill', 'install', '--agent', 'gemini', '--json']);
    expect(parseOut(shared).installed).toEqual([{ dir: agentsCopy(home(server)), readers: ['codex', 'gemini'], action: 'unchanged' }]);

    const project = join(server.dir, 'work', 'proj');
    mkdirSync(project);
    const p = await server.inProcess(['skill', 'install', '--project', '--json'], { cwd: project });
    expect(parseOut(p).installed.map((i: { dir: string }) => i.dir)).toEqual([agentsCopy(resolve(project)), claudeCopy(resolve(project))]);
    expect(tree(claudeCopy(project))).toEqual(tree(shipped));
  });

  test('show prints the shipped skill; bad options are one line, exit 2', async ({ server }) => {
    const shown = await server.inProcess(['skill', 'show', '--json']);
    expect(parseOut(shown)).toMatchObject({ name: 'orch-tmux', text: skillText(), files: expect.arrayContaining(['SKILL.md', 'references/commands.md']) });
    expect((await server.inProcess(['skill', 'show'])).stdout).toContain('# orch-tmux');
    for (const [args, message] of [
      [['skill', 'install', '--agent', 'cursor'], /Expected --agent codex, claude, gemini or all, got "cursor"/],
      [['skill', 'install', '--user', '--project'], /Give --user or --project, not both/],
      [['skill', 'uninstall'], /Unknown skill action "uninstall"/],
      [['skill', 'show', '--force'], /takes no options/],
    ] as const) {
      const r = await server.inProcess([...args]);
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.split('\n')).toHaveLength(1);
    }
    expect(existsSync(join(home(server), '.agents'))).toBe(false);
  });
});
