import { appendFileSync, closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { runPaths } from '../core/paths.js';
import { crashPoint } from '../os/crash-point.js';

/** One line of events.jsonl: what happened to which worker, when. */
export interface RunEvent {
  time: string;
  worker?: string;
  kind: string;
  detail?: Record<string, unknown>;
}

/** Appends one event as a single write (O_APPEND keeps concurrent lines whole). */
export function appendEvent(runDir: string, event: Omit<RunEvent, 'time'>): RunEvent {
  const full: RunEvent = { time: new Date().toISOString(), ...event };
  const path = runPaths(runDir).events;
  // A line torn by a crash or a full disk must not swallow this one: start on a fresh line.
  const torn = !endsWithNewline(path);
  appendFileSync(path, `${torn ? '\n' : ''}${JSON.stringify(full)}\n`, { mode: 0o600 });
  crashPoint(`events.jsonl:${event.kind}`);
  return full;
}

function endsWithNewline(path: string): boolean {
  let fd: number | undefined;
  try {
    const size = statSync(path).size;
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    fd = openSync(path, 'r');
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } catch {
    return true;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads every event; a torn or corrupt line is skipped, not fatal. */
export function readEvents(runDir: string): RunEvent[] {
  let text: string;
  try {
    text = readFileSync(runPaths(runDir).events, 'utf8');
  } catch {
    return [];
  }
  const events: RunEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      events.push(JSON.parse(line) as RunEvent);
    } catch {
      /* a line cut by a crash or a full disk */
    }
  }
  return events;
}
