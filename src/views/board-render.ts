// The live board's picture: one line per worker (window number, name, state as a symbol and a word,
// elapsed time, last activity, and the pending approval, reason or cost), the plan's step in progress on
// top. Pure: rows in, lines out, cut to the terminal's width; colour only when asked (NO_COLOR honoured
// by the caller), and every state reads without it.
import { formatAgo, formatDuration } from '../core/format.js';

/** One worker as the board shows it. */
export interface BoardRow {
  /** The worker's tmux pane, where it has one (its window number is looked up from it). */
  paneId?: string;
  window?: string;
  name: string;
  state: string;
  startedMs?: number;
  endedMs?: number;
  activityMs?: number;
  /** The approval it waits at, its failure reason, or what it cost. */
  detail?: string;
}

/** What the board draws. */
export interface BoardView {
  run: string;
  runState: string;
  plan?: string;
  driver?: string;
  rows: BoardRow[];
  nowMs: number;
}

const LOOK: Record<string, { symbol: string; colour: number }> = {
  queued: { symbol: '⋯', colour: 90 }, pending: { symbol: '…', colour: 90 }, running: { symbol: '▶', colour: 34 }, approval: { symbol: '?', colour: 33 },
  done: { symbol: '✓', colour: 32 }, failed: { symbol: '✗', colour: 31 }, killed: { symbol: '■', colour: 35 },
  lost: { symbol: '!', colour: 31 }, rate_limited: { symbol: '⏸', colour: 33 }, stalled: { symbol: '~', colour: 33 },
};

// Cuts to `width` terminal cells (wide characters are rare in names; each code point counts one).
function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

function pad(text: string, width: number): string {
  const t = fit(text, width);
  return t + ' '.repeat(Math.max(0, width - [...t].length));
}


const ORDER = ['running', 'approval', 'rate_limited', 'stalled', 'pending', 'queued', 'done', 'failed', 'killed', 'lost'];

/** The board's lines for a terminal `width` columns wide and `height` rows high (rows past it are counted). */
export function renderBoard(v: BoardView, width: number, colour: boolean, height = Infinity): string[] {
  const paint = (code: number, text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
  const counts = new Map<string, number>();
  for (const r of v.rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  const rank = (state: string) => (ORDER.includes(state) ? ORDER.indexOf(state) : ORDER.length);
  const tally = [...counts].sort((a, b) => rank(a[0]) - rank(b[0])).map(([s, n]) => `${n} ${s}`).join(', ') || 'no workers yet';
  const lines = [
    fit(`${v.run} ${v.runState}: ${tally}`, width),
    ...(v.plan ? [fit(v.plan, width)] : []),
    ...(v.driver ? [fit(`driver: ${v.driver}`, width)] : []),
    '',
    fit(`${pad('#', 4)}${pad('worker', 16)}${pad('state', 15)}${pad('time', 10)}${pad('activity', 12)}detail`, width),
  ];
  const detailWidth = Math.max(0, width - 57);
  const room = Math.max(1, height - lines.length - 2);
  // In window order (the numbers people type), workers without a window last.
  const rows = [...v.rows].sort((a, b) => Number(a.window ?? Infinity) - Number(b.window ?? Infinity));
  const shown = rows.length > room ? rows.slice(0, room - 1) : rows;
  for (const r of shown) {
    const look = LOOK[r.state] ?? { symbol: '·', colour: 0 };
    const elapsed = r.startedMs === undefined ? '-' : formatDuration((r.endedMs ?? v.nowMs) - r.startedMs);
    const state = pad(`${look.symbol} ${r.state}`, 15);
    const line = `${pad(r.window ?? '-', 4)}${pad(r.name, 16)}${colour ? paint(look.colour, state) : state}${pad(elapsed, 10)}${pad(formatAgo(r.activityMs, v.nowMs), 12)}${fit(r.detail ?? '', detailWidth)}`;
    lines.push(line);
  }
  if (shown.length < v.rows.length) lines.push(fit(`... ${v.rows.length - shown.length} more workers (orch-tmux status ${v.run})`, width));
  lines.push('', fit('keys: a window number (then Enter) jumps there; q: a shell in the run folder', width));
  return lines;
}
