// A run report as one self-contained HTML file: no script, no network, no external font or image (a
// Content-Security-Policy says so to the browser too); the timeline is inline SVG. Everything that came
// from an agent or a person is escaped, so a result full of `<script>` or `</style>` is shown as text.
import { type Mark, type ReportWorker, type RunReport } from './report-model.js';
import { formatDuration } from '../core/format.js';

/** Text for HTML: the five characters that could open markup or end an attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const COLOURS: Record<string, string> = {
  done: '#2e7d32', failed: '#c62828', killed: '#555', lost: '#ef6c00', running: '#1565c0', pending: '#9e9e9e',
};
const MARK_COLOURS: Record<Mark['kind'], string> = {
  approval: '#2e7d32', denial: '#c62828', asked: '#f9a825', poke: '#6a1b9a', interrupt: '#ad1457', resume: '#00838f', rerun: '#4e342e', kill: '#000',
};

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b1b1b;max-width:1100px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.meta{color:#555}table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f7f7f7;padding:8px;border-radius:4px;max-height:600px;overflow:auto}
.state{font-weight:600}details{margin:6px 0}summary{cursor:pointer}
.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
svg text{font:12px system-ui,sans-serif}`;

function stateCell(state: string): string {
  return `<span class="state" style="color:${COLOURS[state] ?? '#333'}">${escapeHtml(state)}</span>`;
}

// About the widest a character of the axis labels draws at 12 px (DejaVu Sans, a usual fallback: ~7.8 px).
const TICK_CHAR_PX = 8;

// A label centred on its tick unless that would cross an edge of the picture: then it ends (or starts) there.
function tickAnchor(at: number, label: string, width: number): 'start' | 'middle' | 'end' {
  const half = (label.length * TICK_CHAR_PX) / 2;
  return at + half > width ? 'end' : at - half < 0 ? 'start' : 'middle';
}

// One row per worker: its attempts as segments coloured by how each ended, the marks as ticks.
function timeline(r: RunReport): string {
  const left = 150;
  const width = 900;
  const row = 24;
  const span = Math.max(1, r.end - r.start);
  const x = (t: number) => left + ((t - r.start) / span) * (width - left - 10);
  const height = r.workers.length * row + 30;
  const rows = r.workers.map((w, i) => {
    const y = 8 + i * row;
    const segments = w.attempts.map((a, k) => {
      const x0 = x(a.start);
      const x1 = Math.max(x0 + 2, x(a.end ?? r.end));
      return `<rect class="attempt" data-attempt="${k}" data-state="${escapeHtml(a.state)}" x="${x0.toFixed(1)}" y="${y}" width="${(x1 - x0).toFixed(1)}" height="${row - 8}" fill="${COLOURS[a.state] ?? '#333'}"><title>${escapeHtml(`${w.name} attempt ${k}: ${a.state}, ${new Date(a.start).toISOString()} - ${a.end ? new Date(a.end).toISOString() : 'now'}`)}</title></rect>`;
    }).join('');
    const marks = w.marks.map((m) => `<rect class="mark" data-kind="${m.kind}" x="${(x(m.time) - 1.5).toFixed(1)}" y="${y - 3}" width="3" height="${row - 2}" fill="${MARK_COLOURS[m.kind]}"><title>${escapeHtml(`${new Date(m.time).toISOString()} ${m.label}`)}</title></rect>`).join('');
    return `<g class="bar" data-worker="${escapeHtml(w.name)}" data-state="${escapeHtml(w.state)}" data-start="${escapeHtml(w.startedAt ?? '')}" data-end="${escapeHtml(w.endedAt ?? '')}">`
      + `<text x="0" y="${y + row - 12}">${escapeHtml(w.name.length > 20 ? `${w.name.slice(0, 19)}…` : w.name)}</text>${segments}${marks}</g>`;
  }).join('\n');
  const ticks = Array.from({ length: 6 }, (_, k) => {
    const t = r.start + (span * k) / 5;
    const label = `+${formatDuration(t - r.start)}`;
    const at = x(t);
    return `<line x1="${at.toFixed(1)}" x2="${at.toFixed(1)}" y1="${height - 22}" y2="${height - 17}" stroke="#999"/>`
      + `<text class="tick" x="${at.toFixed(1)}" y="${height - 4}" text-anchor="${tickAnchor(at, label, width)}" fill="#666">${escapeHtml(label)}</text>`;
  }).join('');
  const legend = [...Object.entries(COLOURS).map(([s, c]) => [s, c]), ...Object.entries(MARK_COLOURS).map(([k, c]) => [`| ${k}`, c])]
    .map(([label, c]) => `<span><i class="sw" style="background:${c}"></i>${escapeHtml(label!)}</span>`).join('');
  return `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="timeline">\n${rows}\n<g class="axis">${ticks}</g></svg><div class="legend">${legend}</div>`;
}

function workerRow(w: ReportWorker): string {
  const cost = w.cost !== undefined ? `$${w.cost.toFixed(4)}` : '';
  const tokens = w.tokens ? `${w.tokens.input ?? 0} in / ${w.tokens.output ?? 0} out` : '';
  return `<tr data-worker="${escapeHtml(w.name)}"><td>${escapeHtml(w.name)}</td><td>${escapeHtml(w.agent ?? '')}</td><td>${stateCell(w.state)}</td>`
    + `<td class="num">${w.exitCode ?? ''}${w.signal ? ` ${escapeHtml(w.signal)}` : ''}</td><td class="num">${escapeHtml(formatDuration(w.durationMs))}</td>`
    + `<td class="num">${w.resumes}</td><td class="num">${w.reruns}</td><td><code>${escapeHtml(w.sessionId ?? '')}</code></td><td>${escapeHtml([cost, tokens].filter(Boolean).join(', '))}</td>`
    + `<td>${escapeHtml(w.reason ?? '')}</td></tr>`;
}

/** The report as one HTML document. */
export function renderHtml(r: RunReport): string {
  const title = `orch-tmux run ${r.run.id}`;
  const plan = r.plan?.steps.length
    ? `<h2>Plan</h2><ol class="plan">${r.plan.steps.map((s) => `<li data-status="${s.status}">${s.status === 'completed' ? '✓' : s.status === 'in_progress' ? '▶' : s.status === 'failed' ? '✗' : '○'} ${escapeHtml(s.title)}</li>`).join('')}</ol>`
    : '';
  const synthesis = r.synthesis !== undefined ? `<h2>Synthesis</h2><pre class="synthesis">${escapeHtml(r.synthesis)}</pre>` : '';
  const results = r.workers.map((w) => `<details class="result" data-worker="${escapeHtml(w.name)}"><summary>${escapeHtml(w.name)}: ${escapeHtml(w.state)}${w.resultText === undefined ? ' (no result)' : ''}</summary>`
    + `${w.resultText === undefined ? `<p>${escapeHtml(w.reason ?? 'no result')}</p>` : `<pre>${escapeHtml(w.resultText)}</pre>`}</details>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">${escapeHtml([r.run.pattern ? `pattern ${r.run.pattern}` : '', `state ${r.run.state}${r.outcome ? ` (${r.outcome.outcome}${r.outcome.reason ? `: ${r.outcome.reason}` : ''})` : ''}`, `created ${r.run.created}`, `${r.workers.length} workers`, `duration ${formatDuration(r.end - r.start)}`, r.totalCost !== undefined ? `cost $${r.totalCost.toFixed(4)}` : '', r.budgetUsd !== undefined ? `budget $${r.budgetUsd}` : '', r.budgetTokens !== undefined ? `tokens ${r.totalTokens ?? 0} of ${r.budgetTokens}` : '', `in ${r.run.cwd}`].filter(Boolean).join(' · '))}</p>
<h2>Timeline</h2>
${timeline(r)}
<h2>Workers</h2>
<table class="workers"><thead><tr><th>worker</th><th>agent</th><th>state</th><th>exit</th><th>duration</th><th>resumes</th><th>reruns</th><th>session id</th><th>cost / tokens</th><th>reason</th></tr></thead>
<tbody>${r.workers.map(workerRow).join('\n')}</tbody></table>
${plan}
${synthesis}
<h2>Results</h2>
${results}
<p class="meta">Generated ${escapeHtml(r.generatedAt)} by orch-tmux report from ${escapeHtml(r.run.dir)}.</p>
</body></html>
`;
}
