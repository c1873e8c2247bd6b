// Pure: the worker state machine: every transition the store may make.
import type { WorkerState } from './worker.js';

/** Every transition the store makes; anything else is refused and logged, never written. */
export const TRANSITIONS: Readonly<Record<WorkerState, readonly WorkerState[]>> = {
  // Started once a slot is free (its window opens), or killed before that.
  queued: ['pending', 'killed'],
  pending: ['running', 'failed', 'killed', 'lost'],
  running: ['done', 'failed', 'killed', 'lost'],
  failed: ['pending'],
  lost: ['pending'],
  // An explicit `orch-tmux resume` may restart a worker someone killed (the monitor never does).
  killed: ['pending'],
  done: [],
};

/** True when the state machine allows `from -> to`. */
export function allowed(from: WorkerState, to: WorkerState): boolean {
  return TRANSITIONS[from].includes(to);
}
