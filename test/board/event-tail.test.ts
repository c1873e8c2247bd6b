// EventTail (the board's reader of events.jsonl) returns each appended event once, waits for a line still
// being written, skips a torn one like readEvents does, and starts over when the file was replaced.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { appendEvent, EventTail, readEvents } from '../../src/runs/events.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

test('each appended event once, whole lines only; a torn line skipped; a replaced file read from its start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'event-tail-'));
  dirs.push(dir);
  const file = join(dir, 'events.jsonl');
  const tail = new EventTail(dir);
  expect(tail.read()).toEqual({ events: [], restarted: false }); // no file yet
  appendEvent(dir, { kind: 'worker.started', worker: 'a' });
  appendEvent(dir, { kind: 'worker.finished', worker: 'a' });
  expect(tail.read().events.map((e) => e.kind)).toEqual(['worker.started', 'worker.finished']);
  expect(tail.read().events).toEqual([]);
  // A line still being written is not read until its newline comes.
  appendFileSync(file, '{"time":"t","kind":"half');
  expect(tail.read().events).toEqual([]);
  appendFileSync(file, 'way"}\n');
  expect(tail.read().events.map((e) => e.kind)).toEqual(['halfway']);
  // A line torn by a crash: the next append starts a fresh line; both readers skip the torn one.
  appendFileSync(file, '{"time":"t","kind":"to');
  appendEvent(dir, { kind: 'monitor.observed', worker: 'b' });
  expect(tail.read().events.map((e) => e.kind)).toEqual(['monitor.observed']);
  expect(readEvents(dir).map((e) => e.kind)).toEqual(['worker.started', 'worker.finished', 'halfway', 'monitor.observed']);
  // Replaced by a shorter file: read again from the start.
  writeFileSync(file, `${JSON.stringify({ time: 't', kind: 'run.created' })}\n`);
  expect(tail.read()).toMatchObject({ restarted: true, events: [{ kind: 'run.created' }] });
});
