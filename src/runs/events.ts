import { appendFileSync, readFileSync } from 'node:fs';
import { runPaths } from './paths.js';

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
  appendFileSync(runPaths(runDir).events, `${JSON.stringify(full)}\n`, { mode: 0o600 });
  return full;
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
