// The worker state machine as a table: every pair of states, allowed or not (the store applies it to real
// files in test/store/worker.test.ts).
import { describe, expect, test } from 'vitest';
import { allowed, TRANSITIONS } from '../../src/core/states.js';
import type { WorkerState } from '../../src/core/worker.js';

const STATES: WorkerState[] = ['queued', 'pending', 'running', 'done', 'failed', 'killed', 'lost'];
const ALLOWED = new Set([
  'queued>pending', 'queued>killed',
  'pending>running', 'pending>failed', 'pending>killed', 'pending>lost',
  'running>done', 'running>failed', 'running>killed', 'running>lost',
  'failed>pending', 'lost>pending', 'killed>pending',
]);

describe('worker states', () => {
  test.for(STATES.flatMap((from) => STATES.map((to) => [from, to] as const)))('%s -> %s', ([from, to]) => {
    expect(allowed(from, to)).toBe(ALLOWED.has(`${from}>${to}`));
  });

  test('done is final; every state the table names is a state', () => {
    expect(TRANSITIONS.done).toEqual([]);
    for (const to of Object.values(TRANSITIONS).flat()) expect(STATES).toContain(to);
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...STATES].sort());
  });
});
