// Pure: a live interactive worker's state from evidence, in order. The agent's own hook line first; the
// screen where the worker has no hooks, or where the screen shows what no hook explains (an approval the
// hook did not report, a startup gate, a rate limit, a silence, an exit).
import { createHash } from 'node:crypto';

import type { Classification } from './classify.js';
import { requestText, type HookLine } from './hooks.js';
import { HOOK_SCREEN_SLACK_MS } from './timing.js';

/** The state and where it came from, for the monitor and for `explain`. */
export interface Judged {
  screen?: Classification;
  /** The newest hook line, when the worker has hooks and the agent ran one. */
  hook?: HookLine;
  verdict?: Classification;
  from: 'hook' | 'screen' | 'none';
}

/** What one hook line says, as a classification (approvals a person must answer are `hooked`: told already). */
export function fromHook(line: HookLine, nowMs: number): Classification {
  const name = String(line.event?.hook_event_name ?? line.fact);
  const reason = `hook ${name} (hooks.jsonl:${line.line})`;
  const silentForMs = Math.max(0, nowMs - Date.parse(line.time));
  if (line.fact === 'approval' && line.decision === 'ask') {
    const prompt = requestText(line.event);
    const fingerprint = createHash('sha256').update(`hook:${line.line}:${prompt}`).digest('hex').slice(0, 16);
    return { state: 'waiting_approval', reason: `${reason}: asked a person (${line.why ?? 'policy'})`, prompt, fingerprint, hooked: true, silentForMs };
  }
  if (line.fact === 'approval') return { state: 'working', reason: `${reason}: ${line.decision === 'allow' ? 'approved' : 'denied'} by the hook (${line.why ?? 'policy'})`, silentForMs };
  if (line.fact === 'session' || line.fact === 'turn_done') return { state: 'waiting_input', reason, silentForMs };
  return { state: 'working', reason, silentForMs };
}

/** The state from the newest hook line and the screen (either may be missing). */
export function judge(hook: HookLine | undefined, screen: Classification | undefined, nowMs: number): Judged {
  if (!hook) return { screen, verdict: screen, from: screen ? 'screen' : 'none' };
  const said = fromHook(hook, nowMs);
  if (!screen) return { hook, verdict: said, from: 'hook' };
  // What the screen shows and no hook explains wins: an approval the hook did not report, a gate, an
  // exit, a silence past the limit, a live rate-limit line.
  // A request the hook refused that still shows (the hook timed out, say): refused again, never approved.
  if (hook.fact === 'approval' && hook.decision === 'deny' && screen.state === 'waiting_approval' && !screen.gate && (screen.prompt ?? '').includes(requestText(hook.event))) {
    return { screen, hook, verdict: { ...screen, hookDenied: true, reason: `${screen.reason}; refused by the hook (hooks.jsonl:${hook.line})` }, from: 'screen' };
  }
  // A request put to a person that the screen, changed since, no longer shows (answered at the dialog; no
  // hook reports that): the screen.
  const answered = said.state === 'waiting_approval' && screen.state !== 'waiting_approval' && screen.state !== 'unknown' && nowMs - screen.silentForMs >= Date.parse(hook.time) + HOOK_SCREEN_SLACK_MS;
  const approvalUnreported = screen.state === 'waiting_approval' && said.state !== 'waiting_approval';
  const screenNews = answered || approvalUnreported || screen.gate || screen.rateLimited || ['stalled', 'exited', 'dead'].includes(screen.state);
  if (screenNews) return { screen, hook, verdict: screen, from: 'screen' };
  return { screen, hook, verdict: { ...said, silentForMs: screen.silentForMs }, from: 'hook' };
}
