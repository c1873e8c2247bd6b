// A file of record and its event change as one step. The new content is written beside the record as an
// intent (`<file>.next`, naming a commit id), then the event is appended with that id: the event is the
// commit point. Then the intent is renamed over the record. A crash leaves at most one intent: readers take
// it when its event is in the log and ignore it when not; the record's next writer (under its lock) makes
// that final, renaming or removing it. So a record never shows a state whose event is not on disk, and an
// event never names a state its record cannot show.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeJsonAtomic } from '../os/atomic.js';
import { crashPoint } from '../os/crash-point.js';
import { runPaths } from '../core/paths.js';
import { appendEvent, type RunEvent } from './events.js';

/** Where a record's uncommitted new content waits for its event. */
export function intentOf(path: string): string {
  return `${path}.next`;
}

/** Writes `value` to the record at `path` together with its event (the caller holds the record's lock). */
export function commitRecord<T extends object>(runDir: string, path: string, value: T, event: Omit<RunEvent, 'time'>): T {
  const commit = randomBytes(6).toString('hex');
  const written = { ...value, commit };
  writeJsonAtomic(intentOf(path), written);
  appendEvent(runDir, { ...event, detail: { ...event.detail, commit } });
  renameSync(intentOf(path), path);
  crashPoint(`${basename(path)}:committed`);
  return written;
}

/** The record's text as committed: an intent whose event is in the log, else the record; undefined when neither reads. */
export function readCommitted(runDir: string, path: string): string | undefined {
  const intent = intentOf(path);
  if (existsSync(intent)) {
    const text = committedIntent(runDir, intent);
    if (text !== undefined) return text;
  }
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Makes a change a crash cut short final (the record's writer, under its lock): a committed intent becomes the record, another is dropped. */
export function settleIntent(runDir: string, path: string): void {
  const intent = intentOf(path);
  if (!existsSync(intent)) return;
  if (committedIntent(runDir, intent) !== undefined) renameSync(intent, path);
  else rmSync(intent, { force: true });
}

// The intent's text when its event is in the log (it was committed); undefined otherwise or when gone meanwhile.
function committedIntent(runDir: string, intent: string): string | undefined {
  try {
    const text = readFileSync(intent, 'utf8');
    const id = (JSON.parse(text) as { commit?: unknown }).commit;
    if (typeof id !== 'string') return undefined;
    return readFileSync(runPaths(runDir).events, 'utf8').includes(`"commit":"${id}"`) ? text : undefined;
  } catch {
    return undefined;
  }
}
