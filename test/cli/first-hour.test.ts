// What a new user trips over in the first hour, each answered: a mistyped option or command gets the
// nearest one, a pattern shows its variables and stages, missing variables come together, messages name
// what was typed, doctor warns about a missing default agent, monitor --once says what it looked at,
// a repeated kill says so, status keeps the lens order, and a review ends with a one-line summary.
import { execa } from 'execa';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, openGate, test, waitUntil } from '../helpers/tmux-server.js';
import { writeWork } from '../pipeline/support.js';
import { newRun, parseOut, spawnFake, statusJson } from './support.js';

const DOC = '# Plan\n\nShip it.\n';

describe('the first hour', () => {
  test('an unknown option or command names the nearest known one, on one line, exit 2 (JSON too)', async ({ server }) => {
    const doc = writeWork(server, 'doc.md', DOC);
    const r = await server.cli(['review', doc, '--lense', 'clarity']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe("orch-tmux review: Unknown option '--lense': did you mean --lenses? see `orch-tmux review --help`");
    const j = await server.cli(['review', doc, '--dry-rn', '--json']);
    expect(j.exitCode).toBe(2);
    expect(JSON.parse(String(j.stdout)).error).toMatchObject({ code: 'bad_option', exit: 2 });
    expect(String(j.stderr)).toMatch(/did you mean --dry-run\?/);
    // Nothing close: no guess.
    expect(String((await server.cli(['status', '--zzzzzzzz'])).stderr)).toBe("orch-tmux status: Unknown option '--zzzzzzzz': see `orch-tmux status --help`");
    const c = await server.cli(['stauts']);
    expect(c.exitCode).toBe(2);
    expect(c.stderr).toBe('orch-tmux: unknown command "stauts": did you mean status? see `orch-tmux --help`');
    expect(await server.tmux.run([['list-sessions', '-F', '#{session_name}']])).not.toMatch(/review/);
  });

  test('run <pattern> --help and templates show <pattern> give its variables and stages; missing variables come together', async ({ server }) => {
    const help = await server.cli(['run', 'review-fix', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: orch-tmux run /m);
    expect(help.stdout).toMatch(/^ {2}--var doc=\.\.\. {2}\(file, required\) {2}The file to review and fix$/m);
    expect(help.stdout).toMatch(/^ {2}--var lens=\.\.\. {2}\(text, default "correctness,risks"\)/m);
    expect(help.stdout).toMatch(/^ {2}verify \(verifier\): one worker; writes in a copy; gets review, fix; its verdict decides \(a FAIL goes back to fix\); writes verdict\.md$/m);
    const shown = await server.cli(['templates', 'show', 'review-fix']);
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toMatch(/^Pattern review-fix: Review a file, fix what the review found, verify the fix\.$/m);
    expect(shown.stdout).toMatch(/^Stages, in order:\n {2}review \(reviewer\)/m);
    const nothing = await server.cli(['templates', 'show', 'nosuch']);
    expect(nothing.exitCode).toBe(2);
    expect(nothing.stderr).toMatch(/^orch-tmux templates: Unknown template or pattern "nosuch": see `orch-tmux templates list` \(patterns: review, review-fix,/);
    const badHelp = await server.cli(['run', 'nosuch', '--help']);
    expect(badHelp.exitCode).toBe(2);

    // A pattern with two required variables, both missing: one message names both.
    const pattern = writeWork(server, 'two.yaml', [
      'name: two', 'description: Two variables.', 'variables:',
      '  topic: { description: "What to write about", required: true, type: text }',
      '  audience: { description: "Who reads it", required: true, type: text }',
      'stages:', '  - id: write', '    template: worker', '    vars: { task: "{{topic}} for {{audience}}" }', '',
    ].join('\n'));
    const missing = await server.cli(['run', pattern, '--agent', fakeAgentProfile]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toBe('orch-tmux run: Missing variables `topic`, `audience` for pattern two: pass --var topic=... (What to write about), --var audience=... (Who reads it)');
  });

  test('review of a document that is not there names the document, not a --var', async ({ server }) => {
    const r = await server.cli(['review', 'nosuch.md', '--agent', fakeAgentProfile]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^orch-tmux review: document "nosuch\.md" does not exist/);
    expect(r.stderr).not.toMatch(/--var/);
  });

  test('profile errors name FILE:LINE and list the known placeholders once; a relative command is from the profile folder', async ({ server }) => {
    const doc = writeWork(server, 'doc.md', DOC);
    const typo = writeWork(server, 'typo.yaml', 'name: typo\nmode: exec\nprompt: stdin\nlastMessage: stdout\ncommand:\n  - fake-agent\n  - "--model={{modle}}"\n');
    const r = await server.cli(['review', doc, '--agent', typo]);
    expect(r.exitCode).toBe(2);
    const line = String(r.stderr);
    expect(line).toMatch(new RegExp(`^orch-tmux review: Agent profile ${typo.replace(/[.]/g, '\\.')}:7: unknown placeholder \\{\\{modle\\}\\} \\(known: promptFile, `));
    expect(line).toMatch(/; or pass --var modle=\.\.\.\)$/);
    const known = /known: ([^;]+);/.exec(line)![1]!.split(', ');
    expect(known.length).toBe(new Set(known).size);

    const local = writeWork(server, 'local.yaml', 'name: local\nmode: exec\nprompt: stdin\nlastMessage: stdout\ncommand: [./bin/nothere]\n');
    const l = await server.cli(['review', doc, '--agent', local]);
    expect(l.exitCode).toBe(2);
    expect(l.stderr).toBe(`orch-tmux review: Agent local: \`./bin/nothere\` (${join(dirname(local), 'bin', 'nothere')}, from the profile's folder) is not an executable file: check the path in ${local}`);
  });

  test('doctor warns (ok stays true) when the default agent is not installed, and says how to get it', async ({ server }) => {
    // A PATH with tmux and the base tools only: no agent CLI.
    const bin = join(server.dir, 'bin');
    mkdirSync(bin);
    const tmux = (await execa('sh', ['-c', 'command -v tmux'], { env: server.env, extendEnv: false })).stdout.trim();
    symlinkSync(tmux, join(bin, 'tmux'));
    const env = { ...server.env, PATH: `${bin}:/usr/bin:/bin`, ORCH_TMUX_AGENT: 'gemini' };
    expect(['/usr/bin/gemini', '/bin/gemini'].filter(existsSync), 'a gemini on the base PATH spoils this test').toEqual([]);
    const r = await server.cli(['doctor'], { env });
    expect(r.exitCode, String(r.stdout)).toBe(0);
    expect(r.stdout).toMatch(/^warn gemini, the default agent, is not on PATH: install it \(npm install -g @google\/gemini-cli\), or pick another with --agent codex\|claude or ORCH_TMUX_AGENT$/m);
    const j = parseOut(await server.cli(['doctor', '--json'], { env }));
    expect(j).toMatchObject({ ok: true, defaultAgent: { name: 'gemini', found: false } });
  });

  test('monitor --once ends with a summary line; --quiet prints only actions', async ({ server }) => {
    const once = await server.cli(['monitor', '--once']);
    expect(once.exitCode).toBe(0);
    expect(once.stdout).toMatch(/^\S+ monitor: 0 live runs, 0 workers, 0 actions$/);
    const quiet = await server.cli(['monitor', '--once', '--quiet']);
    expect(quiet.exitCode).toBe(0);
    expect(quiet.stdout).toBe('');
  });

  test('kill of a worker already killed says so', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'w', 'hold [[gate:never]]');
    const first = await server.cli(['kill', run.id, 'w', '--grace', '0']);
    expect(first.stdout).toBe('w killed');
    const again = await server.cli(['kill', run.id, 'w', '--grace', '0']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toBe('w already killed');
    expect(parseOut(await server.cli(['kill', run.id, 'w', '--json'])).workers).toEqual([{ name: 'w', state: 'killed', already: true }]);
  });

  test('a review: status keeps the lens order; the end is one summary line on stderr, stdout unchanged', async ({ server }) => {
    const doc = writeWork(server, 'doc.md', `${DOC}[[gate:reviewers]]\n`);
    const review = server.cli(['review', doc, '--agent', fakeAgentProfile, '--lenses', 'risks,clarity,correctness']);
    const dir = await waitUntil(async () => {
      const ls = parseOut<{ runs: { dir: string }[] }>(await server.cli(['ls', '--json']));
      return ls.runs[0]?.dir;
    }, 'the run');
    const id = dir.split('/').pop()!;
    await waitUntil(async () => (await statusJson(server, id)).workers.length === 3, 'three reviewers');
    expect((await statusJson(server, id)).workers.map((w) => w.name)).toEqual(['risks', 'clarity', 'correctness']);
    openGate(server, 'reviewers');
    const r = await review;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toBe(join(dir, 'synthesis.md'));
    expect(String(r.stderr)).toMatch(new RegExp(`^4 done, 0 failed in \\d[\\d.]* (ms|s|min \\d+ s); synthesis: ${join(dir, 'synthesis.md').replace(/[.]/g, '\\.')}$`, 'm'));
    expect((await statusJson(server, id)).workers.map((w) => w.name)).toEqual(['risks', 'clarity', 'correctness', 'synth']);
    expect(dirname(dir)).toBe(server.env.ORCH_TMUX_RUNS);
  });
});
