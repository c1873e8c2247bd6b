// A run report in Markdown, for pasting into an issue or a pull request: the same facts as the HTML
// report without the picture. Agents' text is rendered as Markdown under the report's own headings (its
// headings demoted, an open code fence closed, raw HTML shown as text: agent-markdown.ts), and table cells
// and summaries are escaped, so nothing an agent wrote can close the report's blocks or reach past them.
import { escapeHtml } from './report-html.js';
import { agentMarkdown, noHtml } from './agent-markdown.js';
import { type RunReport } from './report-model.js';
import { formatDuration } from '../core/format.js';

// A table cell (or a line of the report) on one line: pipes escaped, line breaks as spaces, no raw HTML.
function cell(text: string): string {
  return noHtml(text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' '));
}

// An agent's text under a heading of `level`, or a note that it is empty.
function agentText(text: string, level: number): string {
  return text.trim() === '' ? '_(empty)_' : agentMarkdown(text, level);
}

/** The report as Markdown. */
export function renderMarkdown(r: RunReport): string {
  const lines = [
    `# orch-tmux run ${cell(r.run.id)}`,
    '',
    [r.run.pattern ? `pattern ${r.run.pattern}` : '', `state ${r.run.state}${r.outcome ? ` (${r.outcome.outcome}${r.outcome.reason ? `: ${r.outcome.reason}` : ''})` : ''}`, `created ${r.run.created}`, `${r.workers.length} workers`, `duration ${formatDuration(r.end - r.start)}`, r.totalCost !== undefined ? `cost $${r.totalCost.toFixed(4)}` : '', r.budgetUsd !== undefined ? `budget $${r.budgetUsd}` : '', r.budgetTokens !== undefined ? `tokens ${r.totalTokens ?? 0} of ${r.budgetTokens}` : ''].filter(Boolean).map(cell).join(' · '),
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
  if (r.synthesis !== undefined) lines.push('', '## Synthesis', '', agentText(r.synthesis, 2));
  lines.push('', '## Results');
  for (const w of r.workers) {
    lines.push('', `### ${cell(w.name)}: ${cell(w.state)}`, '');
    if (w.resultText === undefined) {
      lines.push(`No result: ${cell(w.reason ?? 'none')}`);
      continue;
    }
    const count = w.resultText.replace(/\n+$/, '').split('\n').length;
    lines.push(`<details><summary>${escapeHtml(w.name)}'s answer (${count} line${count === 1 ? '' : 's'})</summary>`, '', agentText(w.resultText, 3), '', '</details>');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
