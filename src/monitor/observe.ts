// A live worker's state as of now, read only (one capture, no record written): what `send` checks before it
// types and what `explain` shows. The monitor's pass judges the same evidence the same way (evidence.ts).
import stripAnsi from 'strip-ansi';
import type { Tmux } from '../tmux/index.js';
import { workerPaths } from '../runs/paths.js';
import { readHookLines } from '../workers/hooks.js';
import { sessionPanes } from '../workers/panes.js';
import type { WorkerRecord } from '../workers/record.js';
import { classifyScreen } from './classify.js';
import { DEFAULT_POLICY, loadPolicy, workerPolicy } from './config.js';
import { judge, type Judged } from './evidence.js';

/** The evidence behind a live worker's state now, and the screen lines it was read from. */
export interface Observation extends Judged {
  /** The captured screen (ANSI removed), when the pane was there to capture. */
  text?: string;
}

/** Captures the worker's pane and judges it with its newest hook line. */
export async function observeWorker(tmux: Tmux, rec: WorkerRecord, session: string, nowMs = Date.now()): Promise<Observation> {
  const hook = rec.hooks ? readHookLines(workerPaths(rec.runDir, rec.name).dir).at(-1) : undefined;
  const panes = await sessionPanes(tmux, session);
  const pane = rec.paneId && panes !== 'gone' ? panes.get(rec.paneId) : undefined;
  if (!pane) return judge(hook, undefined, nowMs);
  let policy = DEFAULT_POLICY;
  try {
    policy = workerPolicy(loadPolicy(rec.runDir, rec.cwd), rec);
  } catch {
    /* a damaged snapshot: judge silence by the defaults */
  }
  let text: string;
  try {
    text = stripAnsi(await tmux.capturePane(pane.paneId));
  } catch {
    return judge(hook, undefined, nowMs);
  }
  const screen = classifyScreen({
    screen: text,
    pane: { dead: pane.dead, deadStatus: pane.deadStatus, currentCommand: pane.currentCommand, lastActivityMs: pane.activity },
    patterns: rec.states ?? {},
    mode: rec.mode,
    nowMs,
    silenceMs: policy.silence.pokeAfter * 1000,
  });
  return { ...judge(hook, screen, nowMs), text };
}
