// `orch-tmux report --md`: the same facts as the HTML page, for an issue or PR; agents' text stays
// text (fenced past any backticks inside it, cells escaped). The page itself is checked in a real
// browser in test/e2e/report-browser.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fenced } from '../../src/views/report-markdown.js';
import { escapeHtml } from '../../src/views/report-html.js';
import { fakeAgentProfile, test } from '../helpers/tmux-server.js';
import { newRun, parseOut, spawnFake, workerDir } from '../cli/support.js';

describe('report', () => {
  test('--md: a worker table with exit codes and resumes, the events, each result fenced; --html writes a page that names every worker', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'good', '[[reply:all | fine ``` here]]');
    await spawnFake(server, run.id, 'bad', '[[crash:3]]');
    expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(1);
    const md = await server.cli(['report', run.id, '--md']);
    expect(md.exitCode, String(md.stderr)).toBe(0);
    const text = String(md.stdout);
    expect(text).toMatch(/^# orch-tmux run /);
    expect(text).toMatch(/^\| good \| fake \| done \| 0 \|/m);
    expect(text).toMatch(/^\| bad \| fake \| failed \| 3 \|.*\| agent exited with code 3: fake-agent: crashing with 3 \|$/m);
    // The result holds three backticks and a pipe: a four-backtick fence, the text unchanged.
    expect(text).toContain('````text\nall | fine ``` here\n````');
    const file = join(server.dir, 'report.html');
    const html = await server.cli(['report', run.id, '--html', file, '--json']);
    expect(parseOut<{ file: string; workers: number }>(html)).toMatchObject({ file, workers: 2 });
    const page = readFileSync(file, 'utf8');
    expect(page).toContain('data-worker="good"');
    expect(page).toContain('data-worker="bad"');
    expect(page).toContain('all | fine ``` here');
    expect(page).not.toMatch(/<script/i);
    // Read-only: the report changed nothing in the run.
    expect(readFileSync(join(workerDir(run, 'good'), 'result.md'), 'utf8')).toBe('all | fine ``` here');
  });

  test('bad input: --html and --md together, --html to a folder that does not exist; one line, exit 2, no file', async ({ server }) => {
    const run = await newRun(server);
    const both = await server.cli(['report', run.id, '--md', '--html', join(server.dir, 'x.html')]);
    expect(both.exitCode).toBe(2);
    expect(String(both.stderr).trim().split('\n')).toHaveLength(1);
    const nowhere = await server.cli(['report', run.id, '--html', join(server.dir, 'no', 'such', 'x.html')]);
    expect(nowhere.exitCode).toBe(2);
    expect(String(nowhere.stderr)).toMatch(/Cannot write the report .*ENOENT/);
    const unknown = await server.cli(['report', 'no-such-run']);
    expect(unknown.exitCode).toBe(2);
  });
});

test('escaping: markup is text, and no fence inside a text can close its block', () => {
  expect(escapeHtml(`<script>alert('x')</script>&"`)).toBe('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;');
  const tricky = 'a\n```\n````\nb';
  expect(fenced(tricky)).toBe('`````text\na\n```\n````\nb\n`````');
});
