// `orch-tmux report --md`: the same facts as the HTML page, for an issue or PR; agents' Markdown is rendered
// as Markdown under the report's headings (headings demoted, open fences closed, raw HTML shown as text),
// cells escaped. The HTML page's timeline keeps every axis label inside the picture. The page itself is
// checked in a real browser in test/e2e/report-browser.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { agentMarkdown } from '../../src/views/agent-markdown.js';
import { renderMarkdown } from '../../src/views/report-markdown.js';
import { escapeHtml, renderHtml } from '../../src/views/report-html.js';
import { type ReportWorker, type RunReport } from '../../src/views/report-model.js';
import { test } from '../helpers/tmux-server.js';
import { newRun, parseOut, spawnFake, workerDir } from '../cli/support.js';

/** Every axis label of a page's timeline: its x, anchor, text, and the picture's width. */
function axisLabels(page: string): { width: number; labels: { x: number; anchor: string; text: string }[] } {
  const svg = /<svg class="timeline"[^>]* width="(\d+)"[\s\S]*?<\/svg>/.exec(page);
  expect(svg, 'the timeline').not.toBeNull();
  const axis = /<g class="axis">([\s\S]*?)<\/g>/.exec(svg![0]);
  expect(axis, 'the axis').not.toBeNull();
  const labels = [...axis![1]!.matchAll(/<text class="tick" x="([\d.]+)"[^>]*text-anchor="(start|middle|end)"[^>]*>([^<]*)<\/text>/g)]
    .map((m) => ({ x: Number(m[1]), anchor: m[2]!, text: m[3]! }));
  return { width: Number(svg![1]), labels };
}

/** True when a label drawn at x with its anchor fits in [0, width], at a generous 9 px a character (12 px font; Chromium draws ~7.8). */
function fits(l: { x: number; anchor: string; text: string }, width: number): boolean {
  const w = l.text.length * 9;
  const [from, to] = l.anchor === 'start' ? [l.x, l.x + w] : l.anchor === 'end' ? [l.x - w, l.x] : [l.x - w / 2, l.x + w / 2];
  return from >= 0 && to <= width;
}

/** A report built by hand: a finished run of `ms` with the given workers (for the renderers alone). */
function report(ms: number, workers: Partial<ReportWorker>[], extra: Partial<RunReport> = {}): RunReport {
  const start = Date.parse('2026-01-02T03:04:05.000Z');
  return {
    run: { id: 'r1', dir: '/runs/r1', cwd: '/work', session: 'orch-r1', socketPath: '/tmp/s', created: new Date(start).toISOString(), state: 'finished', outcome: 'ok' },
    outcome: { outcome: 'ok' }, generatedAt: new Date(start + ms).toISOString(), start, end: start + ms,
    workers: workers.map((w, i) => ({
      name: `w${i}`, state: 'done', host: 'local', exitCode: 0, signal: null, result: null, attempts: [{ start, end: start + ms, state: 'done' }], marks: [], resumes: 0, reruns: 0, durationMs: ms, ...w,
    })),
    ...extra,
  };
}

describe('report', () => {
  test('--md: a worker table with exit codes and resumes, the events, each result as Markdown under its heading; --html writes a page that names every worker, its axis labels inside the picture', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'good', '[[reply:all | fine ``` here]]');
    await spawnFake(server, run.id, 'rich', '[[reply:# Findings\n\n- a `<b>` tag\n\n```sh\n# not a heading\n</details>\n]]');
    await spawnFake(server, run.id, 'bad', '[[crash:3]]');
    expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(1);
    const md = await server.cli(['report', run.id, '--md']);
    expect(md.exitCode, String(md.stderr)).toBe(0);
    const text = String(md.stdout);
    expect(text).toMatch(/^# orch-tmux run /);
    expect(text).toMatch(/^\| good \| fake \| done \| 0 \|/m);
    expect(text).toMatch(/^\| bad \| fake \| failed \| 3 \|.*\| agent exited with code 3: fake-agent: crashing with 3 \|$/m);
    // Each result under its worker's heading, as Markdown: no text fence around it.
    expect(text).not.toContain('```text');
    expect(text).toContain("### good: done\n\n<details><summary>good's answer (1 line)</summary>\n\nall | fine ``` here\n\n</details>");
    // Its heading one level below the worker's; the code span kept; the open fence closed before </details>.
    expect(text).toContain("### rich: done\n\n<details><summary>rich's answer (7 lines)</summary>\n\n#### Findings\n\n- a `<b>` tag\n\n```sh\n# not a heading\n</details>\n```\n\n</details>");
    expect(text).toContain('### bad: failed\n\nNo result: agent exited with code 3: fake-agent: crashing with 3');
    // The synthesis, where the run has one, under its heading: its own top heading becomes ###.
    writeFileSync(join(run.dir, 'synthesis.md'), '# Summary\n\nAll <b>fine</b>.\n');
    expect(String((await server.cli(['report', run.id, '--md'])).stdout)).toContain('## Synthesis\n\n### Summary\n\nAll &lt;b>fine&lt;/b>.\n\n## Results');
    const file = join(server.dir, 'report.html');
    const html = await server.cli(['report', run.id, '--html', file, '--json']);
    expect(parseOut<{ file: string; workers: number }>(html)).toMatchObject({ file, workers: 3 });
    const page = readFileSync(file, 'utf8');
    expect(page).toContain('data-worker="good"');
    expect(page).toContain('data-worker="bad"');
    expect(page).toContain('all | fine ``` here');
    expect(page).not.toMatch(/<script/i);
    const { width, labels } = axisLabels(page);
    expect(labels).toHaveLength(6);
    for (const l of labels) expect(fits(l, width), `axis label ${JSON.stringify(l)} inside 0..${width}`).toBe(true);
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

test('escaping: markup is text', () => {
  expect(escapeHtml(`<script>alert('x')</script>&"`)).toBe('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;');
});

describe('an agent\'s Markdown in the report', () => {
  test('headings are demoted to nest under the report\'s level (setext ones too, capped at 6); a # in code is not a heading', () => {
    expect(agentMarkdown('# Title\n\ntext\n\n## Sub\n\n###### Deep', 3)).toBe('#### Title\n\ntext\n\n##### Sub\n\n###### Deep');
    // The text's top level goes one below the report's heading, whatever it was.
    expect(agentMarkdown('## A\n\n### B', 2)).toBe('### A\n\n#### B');
    expect(agentMarkdown('Title\n=====\n\nSub *part*\nof it\n---\n\nx', 2)).toBe('### Title\n\n#### Sub *part* of it\n\nx');
    expect(agentMarkdown('# T #\n\n```sh\n# comment\n```', 2)).toBe('### T\n\n```sh\n# comment\n```');
    // A line of dashes after a blank line is a rule, not a heading.
    expect(agentMarkdown('a\n\n---\n\nb', 2)).toBe('a\n\n---\n\nb');
  });

  test('a code fence left open is closed at the end with its own length; one its list item ends is closed there', () => {
    expect(agentMarkdown('text\n```js\nlet a = 1;\n', 3)).toBe('text\n```js\nlet a = 1;\n```');
    expect(agentMarkdown('````\n```\nstill code', 3)).toBe('````\n```\nstill code\n````');
    expect(agentMarkdown('~~~\nx', 3)).toBe('~~~\nx\n~~~');
    // A closed fence stays as it is.
    expect(agentMarkdown('```\n<b>\n```\nafter <b>', 3)).toBe('```\n<b>\n```\nafter &lt;b>');
    // In a list item, the fence ends with the item (a line further left): closed explicitly, then text again.
    expect(agentMarkdown('- step\n\n  ```sh\n  make\n</details>', 3)).toBe('- step\n\n  ```sh\n  make\n  ```\n&lt;/details>');
    // At the top level an indented fence starts at column 0, so no reader takes it for part of a list item.
    expect(agentMarkdown('  ```\n</details>', 3)).toBe('```\n</details>\n```');
  });

  test('raw HTML is text outside code: </details> and <!-- cannot close or hide the report\'s blocks', () => {
    expect(agentMarkdown('</details>\n<details><summary>x</summary>\n\n<!-- hide the rest', 3))
      .toBe('&lt;/details>\n&lt;details>&lt;summary>x&lt;/summary>\n\n&lt;!-- hide the rest');
    // Code spans keep their text when every backtick of the paragraph pairs up on its own line.
    expect(agentMarkdown('use `Vec<String>` and `</details>`', 3)).toBe('use `Vec<String>` and `</details>`');
    // A backtick left alone (it could pair with one on the next line) makes no span of the paragraph trusted.
    expect(agentMarkdown('a ` b\nc ` <x> ` d', 3)).toBe('a ` b\nc ` &lt;x> ` d');
    // A span holding a pipe may be split by a table cell: not trusted either.
    expect(agentMarkdown('| `a | <b>` |', 3)).toBe('| `a | &lt;b>` |');
    // Comparisons and arrows are not markup.
    expect(agentMarkdown('a < b, a <= b, <- here, 1<2', 3)).toBe('a < b, a <= b, <- here, 1<2');
  });

  test('the whole report: the synthesis and results under headings, a result\'s </details> shown as text inside its own block', () => {
    const md = renderMarkdown(report(5000, [{ name: 'evil', resultText: '# Pwn\n\n</details>\n\n# Outside?\n\n```\nopen fence' }, { name: 'next', resultText: 'fine' }], { synthesis: '## Verdict\n\nship it <br>' }));
    expect(md).toContain('## Synthesis\n\n### Verdict\n\nship it &lt;br>\n\n## Results');
    expect(md).toContain("### evil: done\n\n<details><summary>evil's answer (8 lines)</summary>\n\n#### Pwn\n\n&lt;/details>\n\n#### Outside?\n\n```\nopen fence\n```\n\n</details>\n\n### next: done");
    // Exactly one </details> per result block: the agent's is text.
    expect(md.match(/^<\/details>$/gm)).toHaveLength(2);
    expect(md.match(/^<details>/gm)).toHaveLength(2);
  });
});

describe('the HTML timeline', () => {
  test('every axis label lies inside the picture, the last one anchored at its end, for short and long runs', () => {
    for (const ms of [850, 12_345, 3_725_000, 90_061_000]) {
      const page = renderHtml(report(ms, [{ name: 'a' }, { name: 'a-rather-long-worker-name' }]));
      const { width, labels } = axisLabels(page);
      expect(width).toBe(900);
      expect(labels).toHaveLength(6);
      for (const l of labels) expect(fits(l, width), `axis label ${JSON.stringify(l)} inside 0..${width} (run of ${ms} ms)`).toBe(true);
      expect(labels.at(-1)!.anchor, `the last label of a run of ${ms} ms`).toBe('end');
      expect(labels[0]).toMatchObject({ text: '+0 ms', anchor: 'middle' });
    }
  });
});
