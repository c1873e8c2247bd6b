// Pure: from what the monitor saw and what it remembers, decide what to do. No I/O, no clock.
import type { Classification, ScreenState } from './classify.js';

import { hasResult, type WorkerRecord, type DerivedState } from './worker.js';
import { type Policy } from './policy-defaults.js';
import { POKE_ECHO_MS } from './timing.js';
import { formatDuration } from './format.js';

/** What the monitor remembers about a worker between passes (monitor.json). */
export interface WorkerMemory {
  screen?: ScreenState;
  reason?: string;
  /** Last window activity seen (ms); a capture is needed only when it moves. */
  activity?: number;
  /** When the pane was last captured (ms). */
  lookedAt?: number;
  /** Fingerprints of approval prompts already answered or refused: never twice. */
  answered: string[];
  /** Fingerprint of the approval prompt already notified. */
  notified?: string;
  /** The silence (its start: the activity value before it) we poked / interrupted: once per silence. */
  pokedAt?: number;
  interruptedAt?: number;
  /** When the poke was sent (ms); the interrupt comes `interruptAfter` after it. */
  pokeSentMs?: number;
  killed?: boolean;
  /** The usage-limit reset already told (epoch ms, or 0 when the agent named none), and the one already nudged for. */
  limitTold?: number;
  /** The limit line on screen and the reset time first read from it. */
  limit?: { line: string; resetsAt?: number };
  nudgedFor?: number;
  /** The final state already reported. */
  reported?: string;
  /** The attempt a rerun was refused for (its writer's workspace had changed): not tried again. */
  rerunRefused?: number;
}

/** One thing to do about one worker. */
export type Action =
  | { kind: 'approve'; fingerprint: string; prompt: string }
  | { kind: 'deny'; fingerprint: string; prompt: string; why: string }
  | { kind: 'notify'; event: string; detail: Record<string, unknown> }
  | { kind: 'poke' }
  | { kind: 'nudge'; resetsAt: number }
  | { kind: 'interrupt' }
  | { kind: 'kill'; why: string }
  | { kind: 'resume'; sessionId: string }
  | { kind: 'rerun' };

export interface DecideInput {
  worker: WorkerRecord;
  /** The reconciled state (status's truth); `unreachable` is acted on by nothing. */
  state: DerivedState;
  screen?: Classification;
  memory: WorkerMemory;
  policy: Policy;
  nowMs: number;
  activityMs?: number;
  sessionId?: string;
  canResume: boolean;
  /** A dead worker's last output named a usage limit (and when it resets, where it said). */
  limit?: { resetsAt?: number };
}

const matches = (patterns: string[], text: string) => patterns.some((p) => new RegExp(p, 'i').test(text));

/** Whether a dead worker should be resumed: no result from its declared channel (a fallback never counts), a session id, resumes left (reruns do not count), not killed on purpose. */
export function shouldResume(i: DecideInput): boolean {
  const noResult = !hasResult(i.worker);
  const resumed = i.worker.resumes - (i.worker.reruns ?? 0);
  return (i.state === 'failed' || i.state === 'lost') && noResult && i.policy.death.resume && i.canResume && Boolean(i.sessionId) && resumed < i.policy.death.maxResumes;
}

/**
 * Whether a dead worker with nothing to resume (no session, or no resume in its profile) should start its
 * task again from its prompt: failed or lost without an answer, reruns left, and not when it was killed, the
 * agent itself said why it failed (an error result, refused tools, an explained exit code), its profile
 * opts out (`rerun: false`), it is a rehearsal, or a rerun was refused for this attempt already.
 */
export function shouldRerun(i: DecideInput): boolean {
  const w = i.worker;
  const nothingToResume = !i.sessionId || !i.canResume;
  return (i.state === 'failed' || i.state === 'lost') && !hasResult(w) && i.policy.death.rerun && nothingToResume && !w.rehearsal
    && !w.noRerun && !w.agentSaid && (w.reruns ?? 0) < i.policy.death.maxReruns && i.memory.rerunRefused !== w.resumes;
}

/**
 * When the current silence began. A poke's own echo (the pane's tty echoes Enter; tmux 3.3 moves
 * #{window_activity}, which has 1 s resolution) is not the agent waking up: activity no later than a second
 * after the poke keeps the silence that was poked.
 */
export function silenceStart(memory: WorkerMemory, activityMs: number): number {
  if (memory.pokedAt !== undefined && memory.pokeSentMs !== undefined && activityMs >= memory.pokedAt && activityMs <= memory.pokeSentMs + POKE_ECHO_MS) return memory.pokedAt;
  return activityMs;
}

/** The run's approval policy applied to one request, wherever it was seen (a screen, a permission hook):
 * `deny` mode refuses, `auto` refuses the deny lists and allows the allow list, anything else asks a person. */
export function approvalVerdict(policy: Policy, request: string): { decision: 'allow' | 'deny' | 'ask'; why: string } {
  const mode = policy.approvals.mode;
  if (mode === 'deny') return { decision: 'deny', why: 'approvals.mode is deny' };
  if (mode === 'auto') {
    if (matches(policy.approvals.deny, request)) return { decision: 'deny', why: 'matches the deny list' };
    if (matches(policy.approvals.allow, request)) return { decision: 'allow', why: 'matches the allow list' };
    return { decision: 'ask', why: 'not on the allow list' };
  }
  return { decision: 'ask', why: `approvals.mode is ${mode}` };
}

/** The actions for one worker this pass. */
export function decide(i: DecideInput): Action[] {
  const { policy, memory } = i;
  if (i.state === 'done' || i.state === 'failed' || i.state === 'killed' || i.state === 'lost') {
    if (shouldResume(i)) {
      // Died at a usage limit that has not reset yet: told once, resumed after the reset.
      const resetsAt = i.limit?.resetsAt;
      if (resetsAt !== undefined && i.nowMs < resetsAt) return memory.limitTold === resetsAt ? [] : [{ kind: 'notify', event: 'rate_limited', detail: { resetsAt: new Date(resetsAt).toISOString() } }];
      return [{ kind: 'resume', sessionId: i.sessionId! }];
    }
    if (shouldRerun(i)) return [{ kind: 'rerun' }];
    if (memory.reported === i.state) return [];
    return [{ kind: 'notify', event: i.state, detail: { exitCode: i.worker.exitCode ?? null, reason: i.worker.reason, resumes: i.worker.resumes } }];
  }
  // Its host stopped answering: told once (nothing else can be done from here until it answers).
  if (i.state === 'unreachable') return memory.reported === 'unreachable' ? [] : [{ kind: 'notify', event: 'unreachable', detail: { host: i.worker.host?.name } }];
  const screen = i.screen;
  if (!screen) return [];
  const actions: Action[] = [];
  if (screen.state === 'waiting_approval' && screen.fingerprint) {
    const fp = screen.fingerprint;
    const prompt = screen.prompt ?? '';
    if (memory.answered.includes(fp)) return [];
    // A startup dialog (trust this folder, use this key) is a person's decision: told, never answered.
    if (screen.gate) return memory.notified === fp ? [] : [{ kind: 'notify', event: 'waiting_gate', detail: { prompt, fingerprint: fp } }];
    if (screen.hookDenied) return [{ kind: 'deny', fingerprint: fp, prompt, why: 'the permission hook refused it' }];
    const verdict = approvalVerdict(policy, prompt);
    if (verdict.decision === 'deny') return [{ kind: 'deny', fingerprint: fp, prompt, why: verdict.why }, { kind: 'notify', event: 'denied', detail: { prompt, ...(verdict.why === 'matches the deny list' ? { why: 'deny list' } : {}) } }];
    if (verdict.decision === 'allow') return [{ kind: 'approve', fingerprint: fp, prompt }];
    // A request the agent's permission hook put to a person was told by the hook already.
    if (memory.notified !== fp && !screen.hooked) actions.push({ kind: 'notify', event: 'waiting_approval', detail: { prompt, fingerprint: fp } });
    return actions;
  }
  // At a usage or rate limit: told once, never poked or stalled; nudged once when it has reset.
  if (screen.rateLimited) {
    const resetsAt = screen.resetsAt ?? 0;
    if (memory.limitTold !== resetsAt) actions.push({ kind: 'notify', event: 'rate_limited', detail: { resetsAt: screen.resetsAt ? new Date(screen.resetsAt).toISOString() : null } });
    if (policy.limits.resume && i.worker.mode === 'interactive' && screen.resetsAt !== undefined && i.nowMs >= screen.resetsAt && memory.nudgedFor !== screen.resetsAt) actions.push({ kind: 'nudge', resetsAt: screen.resetsAt });
    return actions;
  }
  if (screen.state === 'stalled' && i.activityMs !== undefined) {
    const since = silenceStart(memory, i.activityMs);
    const silentS = (i.nowMs - since) / 1000;
    const s = policy.silence;
    if (s.killAfter > 0 && silentS >= s.killAfter && !memory.killed) return [{ kind: 'kill', why: `no output for ${formatDuration(silentS * 1000)}` }];
    if (memory.interruptedAt === since) return actions;
    // Poke first; interrupt `interruptAfter` after that poke if the silence goes on.
    if (memory.pokedAt === since && memory.pokeSentMs !== undefined && i.nowMs - memory.pokeSentMs >= s.interruptAfter * 1000) {
      return [{ kind: 'interrupt' }, { kind: 'notify', event: 'stalled', detail: { silentSeconds: Math.round(silentS) } }];
    }
    if (silentS >= s.pokeAfter && memory.pokedAt !== since) return [{ kind: 'poke' }];
  }
  return actions;
}
