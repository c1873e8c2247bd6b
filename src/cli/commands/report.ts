import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { findRun } from '../../store/run.js';
import { renderHtml } from '../../views/report-html.js';
import { renderMarkdown } from '../../views/report-markdown.js';
import { buildReport } from '../../views/report-model.js';
import { printJson, str, type Command } from '../command.js';

/** `orch-tmux report`: the story of a run as a self-contained HTML page or Markdown, from its files alone. */
export const command: Command = {
  name: 'report',
  summary: 'Write a run\'s report: a self-contained HTML page (timeline, workers, plan, synthesis, results) or Markdown',
  usage: 'report <run> [--html FILE | --md] [--json]',
  details: [
    '--html FILE writes the page (no scripts, no network: open it anywhere, attach it to an issue);',
    'without it the page goes to stdout. --md prints Markdown instead (no picture), for an issue or PR.',
    'Reads the run directory only: it works after the tmux server is gone, and changes nothing.',
  ].join('\n'),
  options: { html: { type: 'string' }, md: { type: 'boolean' } },
  positionals: [1, 1],
  async run(ctx, values, [ref]) {
    const html = str(values, 'html');
    if (html !== undefined && values.md) throw new UsageError('Give --html FILE or --md, not both');
    if (html === '') throw new UsageError('--html needs a file name: --html report.html');
    const run = findRun(ref!);
    const report = buildReport(run);
    const text = values.md ? renderMarkdown(report) : renderHtml(report);
    if (html !== undefined) {
      const file = resolve(ctx.cwd, html);
      try {
        writeFileSync(file, text, { mode: 0o600 });
      } catch (error) {
        throw new UsageError(`Cannot write the report to ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): pick a writable path`);
      }
      if (ctx.json) printJson(ctx, { run: run.id, file, bytes: Buffer.byteLength(text), workers: report.workers.length });
      else ctx.out(`${file}\n`);
    } else if (ctx.json) {
      printJson(ctx, { run: run.id, format: values.md ? 'md' : 'html', text });
    } else {
      ctx.out(text);
    }
    return 0;
  },
};
