// `orch-tmux templates list|show`, and user templates overriding built-ins in a real review.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, repoRoot, test } from '../helpers/tmux-server.js';
import { cliJson, runDirs, sessionNames, workerText, writeWork } from '../pipeline/support.js';

interface ListJson {
  templates: { name: string; origin: string; description: string; file: string }[];
}

const BUILTINS = ['context-pack', 'implementer', 'options', 'researcher', 'reviewer', 'scout', 'synthesizer', 'verifier', 'worker-preamble'];

describe('templates command', () => {
  test('list --json: every built-in with origin, description and file', async ({ server }) => {
    const out = await cliJson<ListJson>(server, ['templates', 'list']);
    expect(out.templates.map((t) => t.name)).toEqual(BUILTINS);
    for (const t of out.templates) {
      expect(t).toEqual({ name: t.name, origin: 'builtin', description: expect.stringMatching(/\S/), file: join(repoRoot, 'templates', 'prompts', `${t.name}.md`) });
    }
  });

  test('list shows project (.orch/templates) and user ($XDG_CONFIG_HOME/orch-tmux/templates) overrides', async ({ server }) => {
    const project = join(server.dir, 'work', '.orch', 'templates');
    const user = join(server.dir, 'config', 'orch-tmux', 'templates');
    mkdirSync(project, { recursive: true });
    mkdirSync(user, { recursive: true });
    writeFileSync(join(project, 'reviewer.md'), '---\nname: reviewer\ndescription: Project reviewer\n---\nP\n');
    writeFileSync(join(user, 'reviewer.md'), '---\nname: reviewer\ndescription: User reviewer\n---\nU\n');
    writeFileSync(join(user, 'scout.md'), '---\nname: scout\ndescription: User scout\n---\nS\n');
    writeFileSync(join(user, 'extra.md'), '---\nname: extra\ndescription: A new one\n---\nE\n');
    const out = await cliJson<ListJson>(server, ['templates', 'list']);
    const byName = Object.fromEntries(out.templates.map((t) => [t.name, t]));
    expect(out.templates.map((t) => t.name)).toEqual([...BUILTINS, 'extra'].sort());
    expect(byName.reviewer).toEqual({ name: 'reviewer', origin: 'project', description: 'Project reviewer', file: join(project, 'reviewer.md') });
    expect(byName.scout).toMatchObject({ origin: 'user', description: 'User scout', file: join(user, 'scout.md') });
    expect(byName.extra).toMatchObject({ origin: 'user' });
    expect(byName.synthesizer).toMatchObject({ origin: 'builtin' });
    // The table form says the same.
    const table = await server.cli(['templates']);
    expect(table.exitCode).toBe(0);
    expect(String(table.stdout)).toMatch(/^NAME\s+FROM\s+DESCRIPTION$/m);
    expect(String(table.stdout)).toMatch(/^reviewer\s+project\s+Project reviewer$/m);
  });

  test('show reviewer: file, description, variables and body', async ({ server }) => {
    const r = await server.cli(['templates', 'show', 'reviewer']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const text = String(r.stdout);
    expect(text.startsWith(`# reviewer (${join(repoRoot, 'templates', 'prompts', 'reviewer.md')})\n`)).toBe(true);
    expect(text).toContain('  lens (required): Name of the review lens');
    expect(text).toContain('  task (default "Review the document"): What to do with the document');
    expect(text).toContain('{{> worker-preamble}}');
    expect(text).toContain('LENS: {{lens}}');
    const json = await cliJson<{ name: string; origin: string; variables: Record<string, { required: boolean }>; body: string }>(server, ['templates', 'show', 'reviewer']);
    expect(json).toMatchObject({ name: 'reviewer', origin: 'builtin', variables: { lens: { required: true }, doc_text: { required: false } } });
    expect(json.body).toContain('LENS: {{lens}}');
  });

  test('show of an unknown template, and a bad verb, exit 2 with one line', async ({ server }) => {
    const unknown = await server.cli(['templates', 'show', 'nope']);
    expect(unknown.exitCode).toBe(2);
    expect(String(unknown.stderr)).toBe('orch-tmux templates: Unknown template or pattern "nope": see `orch-tmux templates list` (patterns: review, review-fix, scout-act-verify, split, research, options)');
    const bad = await server.cli(['templates', 'frobnicate']);
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr).split('\n')).toHaveLength(1);
  });

  test('a broken user template is reported with its file and line', async ({ server }) => {
    const user = join(server.dir, 'config', 'orch-tmux', 'templates');
    mkdirSync(user, { recursive: true });
    writeFileSync(join(user, 'broken.md'), '---\nname: broken\ndescription: "unterminated\n---\nbody\n');
    const r = await server.cli(['templates', 'list']);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toMatch(new RegExp(`^orch-tmux templates: ${join(user, 'broken.md')}:\\d+: bad front matter: [^\\n]+$`));
  });
});

describe('overrides reach the workers', () => {
  test('a project reviewer.md replaces the built-in in review prompts; an included preamble override applies too', async ({ server }) => {
    const project = join(server.dir, 'work', '.orch', 'templates');
    const user = join(server.dir, 'config', 'orch-tmux', 'templates');
    mkdirSync(project, { recursive: true });
    mkdirSync(user, { recursive: true });
    writeFileSync(join(project, 'reviewer.md'), [
      '---',
      'name: reviewer',
      'description: House reviewer',
      'variables:',
      '  role: { default: "reviewer" }',
      '  lens: { required: true }',
      '  lens_description: { required: true }',
      '  doc_path: { required: true }',
      '  doc_text: { default: "" }',
      '---',
      '{{> worker-preamble}}',
      'HOUSE REVIEWER',
      'LENS: {{lens}}',
      'DOC: {{doc_path}}',
      '',
    ].join('\n'));
    writeFileSync(join(user, 'worker-preamble.md'), '---\nname: worker-preamble\nvariables:\n  role: { required: true }\n  worker: { default: "" }\n  run_dir: { default: "" }\n---\nCONTEXT: WORKER (house rules) {{worker}}\n');
    const doc = writeWork(server, 'doc.md', '# Doc\n');
    const out = await cliJson(server, ['review', doc, '--agent', fakeAgentProfile, '--lenses', 'clarity,risks', '--no-synth']);
    for (const name of ['clarity', 'risks']) {
      expect(workerText(out.dir, name, 'prompt.md')).toMatch(new RegExp(`^CONTEXT: WORKER \\(house rules\\) ${name}\\nHOUSE REVIEWER\\nLENS: `));
    }
  });

  test('a project template with an unclosed if-block stops review before anything is made', async ({ server }) => {
    const project = join(server.dir, 'work', '.orch', 'templates');
    mkdirSync(project, { recursive: true });
    const file = join(project, 'synthesizer.md');
    writeFileSync(file, '---\nname: synthesizer\nvariables:\n  task: { required: true }\n  results: { required: true }\n  doc_path: {}\n---\n{{task}}\n{{#if doc_path}}\n{{results}}\n');
    writeWork(server, 'doc.md', '# Doc\n');
    const r = await server.cli(['review', 'doc.md', '--agent', fakeAgentProfile]);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toBe(`orch-tmux review: ${file}:9: \`{{#if doc_path}}\` is never closed with \`{{/if}}\``);
    expect(await sessionNames(server)).toEqual(['keepalive']);
    expect(runDirs(server)).toEqual([]);
  });
});
