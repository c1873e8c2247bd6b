// Bad input to review/run: exit 2, one stderr line naming the problem, and nothing made (no session, no run dir).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, test, type TestServer } from '../helpers/tmux-server.js';
import { runDirs, sessionNames, writeWork } from './support.js';

/** Runs the CLI, expects exit 2 with exactly one stderr line, no new session and no run directory; returns the line. */
async function refused(server: TestServer, args: string[]): Promise<string> {
  const r = await server.cli(args);
  const stderr = String(r.stderr);
  expect(r.exitCode, stderr).toBe(2);
  expect(stderr.split('\n'), stderr).toHaveLength(1);
  expect(String(r.stdout)).toBe('');
  expect(await sessionNames(server)).toEqual(['keepalive']);
  expect(runDirs(server)).toEqual([]);
  expect(existsSync(join(server.env.ORCH_TMUX_HOME!, 'index.jsonl')), 'an index entry was written').toBe(false);
  return stderr;
}

const agent = ['--agent', fakeAgentProfile];

describe('review refuses bad input before making anything', () => {
  test('a document that does not exist', async ({ server }) => {
    expect(await refused(server, ['review', 'missing.md', ...agent])).toMatch(/^orch-tmux review: .*"missing\.md" does not exist/);
  });

  test('a document that is a directory', async ({ server }) => {
    mkdirSync(join(server.dir, 'work', 'docs'));
    expect(await refused(server, ['review', 'docs', ...agent])).toMatch(/^orch-tmux review: .*"docs" is a directory/);
  });

  test('a binary document', async ({ server }) => {
    writeWork(server, 'image.md', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff]));
    expect(await refused(server, ['review', 'image.md', ...agent])).toMatch(/^orch-tmux review: .*"image\.md" looks binary/);
  });

  test('an unreadable document', async ({ server, skip }) => {
    const path = writeWork(server, 'secret.md', '# secret\n');
    chmodSync(path, 0o000);
    let readable = false;
    try {
      readFileSync(path);
      readable = true;
    } catch {
      readable = false;
    }
    if (readable) {
      const reason = `skipped: a mode 000 file is still readable here (running as uid ${process.getuid?.()}, e.g. root), so "unreadable" cannot be set up`;
      console.log(reason);
      skip(reason);
    }
    expect(await refused(server, ['review', 'secret.md', ...agent])).toMatch(/^orch-tmux review: .*"secret\.md" cannot be read/);
  });

  test.for([
    ['1 lens', 'clarity', /Expected 2 to 4 lenses, got 1 \(clarity\)/],
    ['5 lenses', 'clarity,correctness,risks,security,performance', /Expected 2 to 4 lenses, got 5/],
    ['an unknown lens', 'clarity,typos', /Unknown lens "typos": pick from clarity, /],
    ['a lens twice', 'clarity,risks,clarity', /Lens listed twice in "clarity,risks,clarity"/],
  ] as const)('%s', async ([, lenses, message], { server }) => {
    writeWork(server, 'doc.md', '# Doc\n\ntext\n');
    const line = await refused(server, ['review', 'doc.md', '--lenses', lenses, ...agent]);
    expect(line).toMatch(/^orch-tmux review: /);
    expect(line).toMatch(message);
  });

  test('a --context file that is not valid YAML names its line', async ({ server }) => {
    writeWork(server, 'doc.md', '# Doc\n');
    writeWork(server, 'ctx.yaml', 'goal: fine\nconstraints: "never closed\n');
    expect(await refused(server, ['review', 'doc.md', '--context', 'ctx.yaml', ...agent])).toMatch(/^orch-tmux review: --context ctx\.yaml:\d+: bad YAML: /);
  });

  test('a --context file with an unknown key', async ({ server }) => {
    writeWork(server, 'doc.md', '# Doc\n');
    writeWork(server, 'ctx.yaml', 'goal: fine\nbudget: 3\n');
    expect(await refused(server, ['review', 'doc.md', '--context', 'ctx.yaml', ...agent])).toMatch(/unknown key `budget`/);
  });
});

describe('an agent profile\'s own variables are checked before anything is made', () => {
  test('review --agent shell without --var command, even as a rehearsal', async ({ server }) => {
    writeWork(server, 'doc.md', '# Doc\n\ntext\n');
    expect(await refused(server, ['review', 'doc.md', '--agent', 'shell', '--dry-run'])).toMatch(/^orch-tmux review: Agent profile builtin:shell: placeholder \{\{@command\}\} has no value: pass --var command=\.\.\.$/);
  });

  test('run review-fix --agent shell with a --var command that names a missing program', async ({ server }) => {
    writeWork(server, 'doc.md', '# Doc\n\ntext\n');
    expect(await refused(server, ['run', 'review-fix', '--var', 'doc=doc.md', '--agent', 'shell', '--var', 'command=no-such-program-xyz --fast'])).toMatch(/`no-such-program-xyz` is not on PATH/);
  });

  test('review --var doc=...: the document is review\'s argument, --var is for the agent', async ({ server }) => {
    writeWork(server, 'doc.md', '# Doc\n');
    expect(await refused(server, ['review', 'doc.md', '--agent', 'shell', '--var', 'doc=other.md', '--var', 'command=cat'])).toMatch(/not --var doc/);
  });

  test('a --var that neither the pattern nor the agent takes names both lists', async ({ server }) => {
    writeWork(server, 'doc.md', '# Doc\n');
    expect(await refused(server, ['run', 'review', '--var', 'doc=doc.md', '--agent', 'shell', '--var', 'command=cat', '--var', 'colour=red'])).toMatch(/Unknown variable `colour` for pattern review; it takes: .*, and the agent takes: command$/);
  });
});

describe('run refuses bad patterns and variables before making anything', () => {
  test('an unknown pattern', async ({ server }) => {
    expect(await refused(server, ['run', 'reveiw', ...agent])).toMatch(/^orch-tmux run: Unknown pattern "reveiw": use one of review, review-fix, /);
  });

  test('a pattern file with a YAML syntax error names the file and line', async ({ server }) => {
    const path = writeWork(server, 'broken.yaml', [
      'name: broken', //                                   1
      'variables:', //                                     2
      '  task: { required: true }', //                     3
      'stages:', //                                        4
      '  - id: one', //                                    5
      '    template: researcher', //                       6
      '    vars: { question: "{{task}}", scope: [a, b }', // 7: the flow sequence is never closed
      '',
    ].join('\n'));
    const line = await refused(server, ['run', './broken.yaml', '--var', 'task=x', ...agent]);
    expect(line).toMatch(new RegExp(`^orch-tmux run: ${path}:7: bad YAML: `));
  });

  test('a pattern missing a required variable', async ({ server }) => {
    expect(await refused(server, ['run', 'research', ...agent])).toBe('orch-tmux run: Missing variable `question` for pattern research: pass --var question=... (The question to answer)');
  });

  test('an unknown --var', async ({ server }) => {
    expect(await refused(server, ['run', 'research', '--var', 'question=why', '--var', 'angle=x', ...agent])).toBe('orch-tmux run: Unknown variable `angle` for pattern research; it takes: question, angles');
  });

  test('a file variable pointing at nothing', async ({ server }) => {
    expect(await refused(server, ['run', 'split', '--var', 'doc=nope.md', ...agent])).toMatch(/^orch-tmux run: --var doc "nope\.md" does not exist/);
  });

  test('a stage that references an unknown name names the file and line', async ({ server }) => {
    const path = writeWork(server, 'typo.yaml', [
      'name: typo',
      'variables:',
      '  task: { required: true }',
      'stages:',
      '  - id: one',
      '    template: researcher',
      '    vars: { question: "{{tsak}}" }',
      '',
    ].join('\n'));
    expect(await refused(server, ['run', path, '--var', 'task=x', ...agent])).toMatch(new RegExp(`^orch-tmux run: ${path}:5: stage one: unknown reference \\{\\{tsak\\}\\}`));
  });

  test('a stage variable the template does not declare', async ({ server }) => {
    writeWork(server, 'extra.yaml', [
      'name: extra',
      'variables:',
      '  task: { required: true }',
      'stages:',
      '  - id: one',
      '    template: researcher',
      '    vars: { question: "{{task}}", colour: blue }',
      '',
    ].join('\n'));
    expect(await refused(server, ['run', './extra.yaml', '--var', 'task=x', ...agent])).toMatch(/researcher\.md:\d+: unknown variable `colour` for template researcher/);
  });
  test('a project template with bad front matter names its file and line', async ({ server }) => {
    mkdirSync(join(server.dir, 'work', '.orch', 'templates'), { recursive: true });
    const path = writeWork(server, '.orch/templates/researcher.md', '---\nname: researcher\nvariables: { question: [unclosed\n---\nbody\n');
    expect(await refused(server, ['run', 'research', '--var', 'question=why', ...agent])).toMatch(new RegExp(`^orch-tmux run: ${path}:\\d+: bad front matter: `));
  });

  test('an agent that does not exist', async ({ server }) => {
    expect(await refused(server, ['run', 'research', '--var', 'question=why', '--agent', 'nosuch'])).toMatch(/^orch-tmux run: .*nosuch/);
  });

  test('an agent profile file with bad YAML names its line', async ({ server }) => {
    writeWork(server, 'mine.yaml', 'name: mine\ncommand: [cat\nprompt: stdin\n');
    expect(await refused(server, ['run', 'research', '--var', 'question=why', '--agent', './mine.yaml'])).toMatch(/^orch-tmux run: Agent profile .*mine\.yaml:\d+: bad YAML: /);
  });

  test('a project policy file (.orch/config.yaml) with bad YAML names its line', async ({ server }) => {
    mkdirSync(join(server.dir, 'work', '.orch'), { recursive: true });
    writeFileSync(join(server.dir, 'work', '.orch', 'config.yaml'), 'approvals:\n  mode: [auto\n');
    expect(await refused(server, ['run', 'research', '--var', 'question=why', ...agent])).toMatch(/^orch-tmux run: .*\.orch\/config\.yaml:\d+: bad YAML: /);
  });

  test('--worktrees outside a git checkout', async ({ server }) => {
    writeWork(server, 'doc.md', '# Doc\n\ntext\n');
    expect(await refused(server, ['run', 'review-fix', '--var', 'doc=doc.md', '--worktrees', ...agent])).toMatch(/--worktrees needs a git repository/);
  });

  test('--resume of a run that no pattern started', async ({ server }) => {
    const made = await server.cli(['new', '--json']);
    const id = JSON.parse(String(made.stdout)).id as string;
    const r = await server.cli(['review', '--resume', id]);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toBe(`orch-tmux review: Run ${id} was not started by \`review\` or \`run\`, so it has no pattern to resume: resume one worker with \`orch-tmux resume ${id} <worker>\``);
  });
});
