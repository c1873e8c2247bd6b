// A run report in Markdown, for pasting into an issue or a pull request: the same facts as the HTML
// report without the picture. Agents' text goes into fenced blocks longer than any fence inside it, and
// table cells and summaries are escaped, so nothing an agent wrote can break out into markup.
import { escapeHtml } from './report-html.js';
import { type RunReport } from './report-model.js';
import { formatDuration } from '../core/format.js';

// A table cell on one line: pipes escaped, line breaks as spaces.
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
}

/** A fenced block whose fence no line of the text can close. */
export function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}${text.endsWith('\n') ? '' : '\n'}${fence}`;
}

/** The report as Markdown. */
export function renderMarkdown(r: RunReport): string {
  const lines = [
    `# orch-tmux run ${cell(r.run.id)}`,
    '',
    [r.run.pattern ? `pattern ${r.run.pattern}` : '', `state ${r.run.state}${r.outcome ? ` (${r.outcome.outcome}${r.outcome.reason ? `: ${r.outcome.reason}` : ''})` : ''}`, `created ${r.run.created}`, `${r.workers.length} workers`, `duration ${formatDuration(r.end - r.start)}`, r.totalCost !== undefined ? `cost $${r.totalCost.toFixed(4)}` : ''].filter(Boolean).map(cell).join(' · '),
    '',
    '## Workers',
    '',
    '| worker | agent | state | exit | started | duration | resumes | reruns | session id | cost / tokens | reason |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.workers.map((w) => `| ${[
      w.name, w.agent ?? '', w.state, `${w.exitCode ?? ''}${w.signal ? ` ${w.signal}` : ''}`, w.startedAt ?? '', formatDuration(w.durationMs), String(w.resumes), String(w.reruns), w.sessionId ?? '',
      [w.cost !== undefined ? `$${w.cost.toFixed(4)}` : '', w.tokens ? `${w.tokens.input} in / ${w.tokens.output} out` : ''].filter(Boolean).join(', '),
      w.reason ?? '',
    ].map(cell).join(' | ')} |`),
  ];
  const marked = r.workers.filter((w) => w.marks.length);
  if (marked.length) {
    lines.push('', '## Events', '');
    for (const w of marked) for (const m of w.marks) lines.push(`- ${new Date(m.time).toISOString()} ${cell(w.name)}: ${cell(m.label)}`);
  }
  if (r.plan?.steps.length) {
    lines.push('', '## Plan', '');
    for (const s of r.plan.steps) lines.push(`- [${s.status === 'completed' ? 'x' : ' '}] ${cell(s.title)}${s.status === 'in_progress' ? ' (in progress)' : s.status === 'failed' ? ' (failed)' : ''}`);
  }
  if (r.synthesis !== undefined) lines.push('', '## Synthesis', '', fenced(r.synthesis));
  lines.push('', '## Results', '');
  for (const w of r.workers) {
    lines.push(`<details><summary>${escapeHtml(w.name)}: ${escapeHtml(w.state)}</summary>`, '');
    lines.push(w.resultText === undefined ? `No result: ${cell(w.reason ?? 'none')}` : fenced(w.resultText), '', '</details>', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
