import type { WorkerStatus } from '../supervise/observe.js';

function seconds(from?: string, to?: string): string {
  if (!from) return '';
  const s = Math.max(0, Math.round(((to ? Date.parse(to) : Date.now()) - Date.parse(from)) / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Live progress for people on a terminal: one line per worker, redrawn in place. */
export function terminalProgress(write: (text: string) => void): (workers: WorkerStatus[]) => void {
  let drawn = 0;
  return (workers) => {
    const width = Math.max(6, ...workers.map((w) => w.name.length));
    const lines = workers.map((w) => {
      const activity = w.lastActivity ? `last output ${seconds(w.lastActivity)} ago` : '';
      return `  ${w.name.padEnd(width)}  ${w.state.padEnd(8)} ${seconds(w.startedAt, w.endedAt).padStart(6)}  ${w.state === 'running' ? activity : w.reason ?? ''}`;
    });
    write(`${drawn ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`);
    drawn = lines.length;
  };
}
