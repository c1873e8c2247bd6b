// The HTML report in a real headless Chromium (Debian's `chromium`; .ci/run installs it when missing):
// a finished review and a run with a failed, a resumed and a killed worker each draw one timeline bar per
// worker with the recorded times, every axis label inside the picture; a hostile result is text and runs nothing. Nothing leaves the machine:
// the page is a local file with a Content-Security-Policy, and Chromium's background networking is off.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { fakeAgentProfile, test, type TestServer } from '../helpers/tmux-server.js';
import { newRun, parseOut, spawnFake, type NewRun } from '../cli/support.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const missing = 'chromium is not installed (Debian: apt-get install chromium; .ci/run does it)';
if (!CHROMIUM) {
  if (process.env.CI) throw new Error(`report-browser: ${missing}`);
  process.stdout.write(`e2e: skipping the browser report tests: ${missing}\n`);
}

let browser: Browser | undefined;
beforeAll(async () => {
  if (!CHROMIUM) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => browser?.close());

interface Bar { worker: string; start: string; end: string; state: string; attempts: string[]; marks: string[] }

/** Renders the run's report, opens it, screenshots it, and reads its timeline from the DOM. */
async function open(server: TestServer, run: NewRun) {
  const file = join(server.dir, `${run.id}.html`);
  parseOut(await server.cli(['report', run.id, '--html', file, '--json']));
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`file://${file}`);
  const shot = join(server.dir, `${run.id}.png`);
  await page.screenshot({ path: shot, fullPage: true });
  expect(statSync(shot).size).toBeGreaterThan(5000);
  const bars = await page.$$eval('svg.timeline g.bar', (gs) => gs.map((g) => ({
    worker: g.getAttribute('data-worker')!, start: g.getAttribute('data-start')!, end: g.getAttribute('data-end')!, state: g.getAttribute('data-state')!,
    attempts: [...g.querySelectorAll('rect.attempt')].map((r) => r.getAttribute('data-state')!),
    marks: [...g.querySelectorAll('rect.mark')].map((r) => r.getAttribute('data-kind')!),
  })));
  // Every axis label is drawn inside the picture (the last one once ran past its right edge).
  const axis = await page.$eval('svg.timeline', (svg) => ({
    width: Number(svg.getAttribute('width')),
    labels: [...svg.querySelectorAll('g.axis text')].map((t) => {
      const b = (t as SVGTextElement).getBBox();
      return { text: t.textContent, left: b.x, right: b.x + b.width };
    }),
  }));
  expect(axis.labels).toHaveLength(6);
  for (const l of axis.labels) expect(l.left >= 0 && l.right <= axis.width, `axis label ${JSON.stringify(l)} inside 0..${axis.width}`).toBe(true);
  return { page, bars: bars as Bar[], errors, file };
}

async function recorded(server: TestServer, run: NewRun): Promise<Record<string, { startedAt?: string; endedAt?: string; state: string }>> {
  const s = parseOut<{ workers: { name: string; startedAt?: string; endedAt?: string; state: string }[] }>(await server.cli(['status', run.id, '--json']));
  return Object.fromEntries(s.workers.map((w) => [w.name, w]));
}

describe.skipIf(!CHROMIUM)('the HTML report in Chromium', () => {
  test('a finished review: one bar per worker with the recorded times, the synthesis and every result', async ({ server }) => {
    const doc = join(server.dir, 'work', 'doc.md');
    writeFileSync(doc, '# Plan\n\nShip it on Friday.\n');
    const r = await server.cli(['review', doc, '--agent', fakeAgentProfile, '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const run = parseOut<{ run: string; dir: string }>(r);
    const made = { id: run.run, dir: run.dir } as NewRun;
    const { page, bars, errors } = await open(server, made);
    const times = await recorded(server, made);
    expect(bars.map((b) => b.worker).sort()).toEqual(Object.keys(times).sort());
    for (const b of bars) {
      expect(b, b.worker).toMatchObject({ start: times[b.worker]!.startedAt, end: times[b.worker]!.endedAt, state: 'done', attempts: ['done'] });
    }
    expect(await page.$eval('pre.synthesis', (p) => p.textContent)).toBe(readFileSync(join(run.dir, 'synthesis.md'), 'utf8'));
    expect(await page.$$eval('details.result', (d) => d.length)).toBe(bars.length);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('failed, resumed and killed workers: their attempts and the resume and kill marks are drawn', async ({ server }) => {
    const run = await newRun(server);
    await spawnFake(server, run.id, 'again', '[[crash-once:3]]');
    await spawnFake(server, run.id, 'broken', '[[crash:4]]');
    await spawnFake(server, run.id, 'stuck', '[[hang]]');
    expect((await server.cli(['wait', run.id, 'again', 'broken', '--timeout', '30'])).exitCode).toBe(1);
    expect((await server.cli(['resume', run.id, 'again'])).exitCode).toBe(0);
    expect((await server.cli(['wait', run.id, 'again', '--timeout', '30'])).exitCode).toBe(0);
    expect((await server.cli(['kill', run.id, 'stuck', '--grace', '0'])).exitCode).toBe(0);
    const { page, bars, errors } = await open(server, run);
    const times = await recorded(server, run);
    const bar = (name: string) => bars.find((b) => b.worker === name)!;
    expect(bars).toHaveLength(3);
    for (const b of bars) expect(b, b.worker).toMatchObject({ start: times[b.worker]!.startedAt, end: times[b.worker]!.endedAt });
    expect(bar('again')).toMatchObject({ state: 'done', attempts: ['failed', 'done'] });
    expect(bar('again').marks).toContain('resume');
    expect(bar('broken')).toMatchObject({ state: 'failed', attempts: ['failed'] });
    expect(bar('stuck')).toMatchObject({ state: 'killed', attempts: ['killed'] });
    expect(bar('stuck').marks).toContain('kill');
    const rows = await page.$$eval('table.workers tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.find((r) => r[0] === 'broken')).toEqual(expect.arrayContaining(['failed', '4']));
    expect(rows.find((r) => r[0] === 'again')?.[5]).toBe('1');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a hostile result (<script>, </style>, {{, a 1 MB line) is shown as text and runs nothing', async ({ server }) => {
    const run = await newRun(server);
    const hostile = `<script>document.body.dataset.pwned='script'</script></style><img src=x onerror="document.body.dataset.pwned='img'">{{run}} \${x}\n${'A'.repeat(1 << 20)}\n`;
    const prompt = join(server.dir, 'hostile.md');
    writeFileSync(prompt, hostile);
    // The shell agent `cat` answers with its prompt: the result is exactly the hostile text.
    expect((await server.cli(['spawn', run.id, 'evil', '--agent', 'shell', '--var', 'command=cat', '--prompt-file', prompt])).exitCode).toBe(0);
    expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(0);
    const { page, errors } = await open(server, run);
    expect(await page.evaluate(() => document.body.dataset.pwned ?? null)).toBeNull();
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    expect(await page.$$eval('img', (i) => i.length)).toBe(0);
    expect(await page.$eval('details.result[data-worker="evil"] pre', (p) => p.textContent)).toBe(hostile);
    expect(errors).toEqual([]);
    await page.close();
  });
});
