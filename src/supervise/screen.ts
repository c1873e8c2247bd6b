// A live worker's state as of now, read only (one capture, no record written): what `send` checks before it
// types and what `explain` shows. The monitor's pass judges the same evidence the same way (evidence.ts).
import stripAnsi from 'strip-ansi';
import type { Tmux } from '../tmux/index.js';
import { newestHookLine } from '../runner/hooks.js';
import { type PaneInfo } from '../core/panes.js';
import type { WorkerRecord } from '../core/worker.js';
import { classifyScreen, type Classification } from '../core/classify.js';
import { DEFAULT_POLICY, loadPolicy, workerPolicy } from '../store/policy.js';
import { judge, type Judged } from '../core/evidence.js';
import { sessionPanes } from '../sites/panes.js';
import { type Policy } from '../core/policy-defaults.js';

/** The evidence behind a live worker's state now, and the screen lines it was read from. */
export interface Observation extends Judged {
  /** The captured screen (ANSI removed), when the pane was there to capture. */
  text?: string;
}

/** Captures the worker's pane and judges it with its newest hook line. */
export async function observeWorker(tmux: Tmux, rec: WorkerRecord, session: string, nowMs = Date.now()): Promise<Observation> {
  const hook = newestHookLine(rec);
  const panes = await sessionPanes(tmux, session);
  const pane = rec.paneId && panes !== 'gone' ? panes.get(rec.paneId) : undefined;
  if (!pane) return judge(hook, undefined, nowMs);
  let policy = DEFAULT_POLICY;
  try {
    policy = workerPolicy(loadPolicy(rec.runDir, rec.cwd), rec);
  } catch {
    /* a damaged snapshot: judge silence by the defaults */
  }
  const seen = await captureScreen(tmux, rec, pane, policy, nowMs);
  return seen ? { ...judge(hook, seen.screen, nowMs), text: seen.text } : judge(hook, undefined, nowMs);
}

/** One capture of the worker's pane, classified with its profile's patterns; undefined when the pane is gone. */
export async function captureScreen(tmux: Tmux, rec: WorkerRecord, pane: PaneInfo, policy: Policy, nowMs: number): Promise<{ text: string; screen: Classification } | undefined> {
  let text: string;
  try {
    text = stripAnsi(await tmux.capturePane(pane.paneId));
  } catch {
    return undefined;
  }
  const screen = classifyScreen({
    screen: text,
    pane: { dead: pane.dead, deadStatus: pane.deadStatus, currentCommand: pane.currentCommand, lastActivityMs: pane.activity },
    patterns: rec.states ?? {},
    mode: rec.mode,
    nowMs,
    silenceMs: policy.silence.pokeAfter * 1000,
  });
  return { text, screen };
}
