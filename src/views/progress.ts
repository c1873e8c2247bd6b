import { formatAgo, formatDuration } from '../core/format.js';
import type { WorkerStatus } from '../supervise/observe.js';

// How long from `from` to `to` (or now), for people.
function since(from?: string, to?: string): string {
  return from ? formatDuration((to ? Date.parse(to) : Date.now()) - Date.parse(from)) : '';
}

/** Live progress for people on a terminal: one line per worker, redrawn in place. */
export function terminalProgress(write: (text: string) => void): (workers: WorkerStatus[]) => void {
  let drawn = 0;
  return (workers) => {
    const width = Math.max(6, ...workers.map((w) => w.name.length));
    const lines = workers.map((w) => {
      const activity = w.lastActivity ? `last output ${formatAgo(Date.parse(w.lastActivity), Date.now())}` : '';
      return `  ${w.name.padEnd(width)}  ${w.state.padEnd(8)} ${since(w.startedAt, w.endedAt).padStart(6)}  ${w.state === 'running' ? activity : w.reason ?? ''}`;
    });
    write(`${drawn ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`);
    drawn = lines.length;
  };
}

/** One line for the end of a run: `3 done, 0 failed in 42 s, $0.12` (cost where the agents reported it). */
export function runSummary(workers: WorkerStatus[], startedMs: number, nowMs: number): string {
  const done = workers.filter((w) => w.state === 'done').length;
  const costs = workers.map((w) => w.cost).filter((c): c is number => c !== undefined);
  const cost = costs.length ? `, $${costs.reduce((a, b) => a + b, 0).toFixed(2)}` : '';
  return `${done} done, ${workers.length - done} failed in ${formatDuration(nowMs - startedMs)}${cost}`;
}
