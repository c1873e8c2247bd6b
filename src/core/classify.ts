// Pure screen classifier: one captured screen + pane facts + a profile's `states:` patterns -> one state.
// No I/O and no clock: the caller passes `nowMs`; node:crypto is used only for the prompt fingerprint.
import { createHash } from 'node:crypto';
import { resetTime } from './reset-time.js';
import { formatDuration } from './format.js';

/** What the monitor believes a worker's pane is doing right now. */
export type ScreenState = 'working' | 'waiting_approval' | 'waiting_input' | 'stalled' | 'exited' | 'dead' | 'unknown';

/** A profile's `states:` block: regex sources matched per line (^ and $ are that line's bounds). */
export interface StatePatterns {
  working?: string[];
  approval?: string[];
  /** Startup dialogs (trust this folder, use this API key): waiting like an approval, never answered by the policy. */
  gate?: string[];
  idle?: string[];
  rateLimited?: string[];
  footer?: string[];
}

/** The tmux facts about one pane that the classifier needs besides its text. */
export interface PaneFacts {
  dead: boolean; // #{pane_dead}
  deadStatus?: number; // #{pane_dead_status}
  currentCommand?: string; // #{pane_current_command}; informational, no rule uses it
  lastActivityMs: number; // epoch ms of the last output (#{window_activity} * 1000)
}

/** Everything one classification depends on; time comes in as `nowMs` so the function stays pure. */
export interface ClassifyInput {
  screen: string; // stripped text of the visible screen (capture-pane -p -J, ANSI removed)
  pane: PaneFacts;
  patterns: StatePatterns;
  mode: 'exec' | 'interactive';
  nowMs: number;
  silenceMs: number; // no output for longer than this and not at a prompt => stalled
  liveLines?: number; // non-blank lines at the bottom that form the live region (default 12)
}

/** The verdict plus what the policy needs to act on it (approval text and a stable id for it). */
export interface Classification {
  state: ScreenState;
  reason: string; // short human text: which pattern or fact decided
  rateLimited?: boolean; // a rateLimited pattern is live (state is then working or waiting_approval, never stalled)
  resetsAt?: number; // rateLimited: when the limit resets (epoch ms), where the agent said
  limitLine?: string; // rateLimited: the line that said so (the monitor remembers its first reading)
  hookDenied?: boolean; // an approval the agent's hook refused, still on screen: refused again, never approved
  hooked?: boolean; // from the agent's own hook, not the screen: an approval there was decided (or told) by the hook
  gate?: boolean; // waiting_approval on a startup dialog (states.gate): a person must answer it, never the approve key
  prompt?: string; // waiting_approval: the live text from the approval match to the bottom of the live region
  fingerprint?: string; // waiting_approval: 16 hex of sha256 of the prompt, spacing/spinners/timers normalised
  silentForMs: number; // nowMs - lastActivityMs, at least 0
}

const DEFAULT_LIVE_LINES = 12;

type PatternKey = keyof StatePatterns;

interface Hit {
  index: number; // index into the live region
  line: string;
  source: string;
}

// Compiled patterns by source; regexes carry no state (no g/y flag), so sharing them is safe.
const compiled = new Map<string, RegExp>();

function compile(key: PatternKey, source: string): RegExp {
  let re = compiled.get(source);
  if (re === undefined) {
    try {
      re = new RegExp(source);
    } catch (error) {
      throw new SyntaxError(`Expected a regex in states.${key}, got ${JSON.stringify(source)}: ${(error as Error).message}`);
    }
    compiled.set(source, re);
  }
  return re;
}

// Lines are compared without trailing blanks: `capture-pane -J` keeps trailing spaces, and `$` should mean
// "end of the visible text" (the fake agent's `[y/n] ` prompt ends in a space).
function splitLines(screen: string): string[] {
  return screen.split(/\r?\n/).map((l) => l.trimEnd());
}

function matchesAny(key: PatternKey, sources: readonly string[] | undefined, line: string): string | undefined {
  for (const source of sources ?? []) {
    if (compile(key, source).test(line)) return source;
  }
  return undefined;
}

function findHits(key: PatternKey, patterns: StatePatterns, region: readonly string[]): Hit[] {
  const hits: Hit[] = [];
  region.forEach((line, index) => {
    const source = matchesAny(key, patterns[key], line);
    if (source !== undefined) hits.push({ index, line, source });
  });
  return hits;
}

/**
 * The bottom of the screen where live state is shown: trailing blank lines and the footer (status bar lines
 * matching `footer`, and blank lines between them) are dropped, then the last `liveLines` non-blank lines are
 * kept, with the blank lines between them. Patterns are only matched here, so a prompt quoted higher up in
 * the transcript does not count.
 */
export function liveRegion(screen: string, patterns: StatePatterns, liveLines: number = DEFAULT_LIVE_LINES): string[] {
  const lines = splitLines(screen);
  let end = lines.length; // exclusive
  while (end > 0) {
    const line = lines[end - 1] as string;
    if (line.trim() === '' || matchesAny('footer', patterns.footer, line) !== undefined) end--;
    else break;
  }
  let start = end;
  let kept = 0;
  while (start > 0 && kept < liveLines) {
    start--;
    if ((lines[start] as string).trim() !== '') kept++;
  }
  return lines.slice(start, end);
}

// Spinner glyphs (braille spinners, bullets that codex alternates • / ◦, block spinners) and elapsed-time
// counters such as `(2s • `, `(1m 05s`, `for 3s`, `<1s`: they change while the same prompt is on screen.
// Only timers after `(`, `for ` or `<` are removed, so a command like `sleep 5s` keeps its argument.
const SPINNER_GLYPHS = /[\u2800-\u28ff•◦●○◉◌◐◑◒◓◴◵◶◷✶✷✸✹✺✻✢✳∗⋅·]/g;
const ELAPSED = /(\(|\bfor\s+|<)\s*(?:\d+h\s*)?(?:\d+m\s*)?\d+(?:\.\d+)?(?:ms|s)\b/g;

// Identifies an approval prompt by its text, so the monitor can tell "the same prompt again" from a new one.
function fingerprintOf(prompt: string): string {
  const normal = prompt.replace(SPINNER_GLYPHS, ' ').replace(ELAPSED, '$1').replace(/\s+/g, ' ').trim();
  return createHash('sha256').update(normal).digest('hex').slice(0, 16);
}

function quote(line: string): string {
  const t = line.trim();
  return JSON.stringify(t.length > 80 ? `${t.slice(0, 77)}...` : t);
}


/**
 * Classifies one screen. First rule that applies wins:
 * 1. Dead pane: exit status 0 -> exited; anything else (or no status) -> dead.
 * 2. Approval or gate live -> waiting_approval (`gate: true` for a startup dialog). A match counts only BELOW the lowest idle match and the lowest
 *    working match in the live region. Codex 0.169 keeps its composer (`› Ask Codex to do anything`) on screen
 *    even while working, and a real approval modal replaces both composer and status row; so approval text
 *    above a live composer is only quoted, and one with newer progress or a new composer below it has been
 *    answered (the fake agent's exec y/n question stays on screen after `approved`).
 * 3. Working indicator live -> working; but silent longer than `silenceMs` -> stalled. Refinement of the
 *    brief's order, per its `silenceMs` ("no output ... and not at a prompt => stalled"): codex ticks its
 *    `Working (2s • esc to interrupt)` timer every second, so a frozen indicator means a frozen agent, and an
 *    exec agent's last progress line stays on screen while it hangs.
 * 4. Rate limit live -> working with `rateLimited: true`, silent or not (waiting for a reset is not a hang).
 * 5. Idle composer live -> waiting_input (never stalled: an agent at its prompt is silent by design).
 * 6. Silent longer than `silenceMs` -> stalled.
 * 7. Otherwise exec -> working (output is flowing); interactive -> unknown (activity, no known screen).
 * Working and rate-limit lines count only after the start of the current turn (see `turnStart`), and
 * `rateLimited: true` rides along with waiting_approval and working when a rate-limit line is live.
 */
export function classifyScreen(input: ClassifyInput): Classification {
  const { pane, patterns, nowMs, silenceMs } = input;
  const silentForMs = Math.max(0, nowMs - pane.lastActivityMs);

  if (pane.dead) {
    if (pane.deadStatus === 0) return { state: 'exited', reason: 'pane dead, exit status 0', silentForMs };
    const status = pane.deadStatus === undefined ? 'no exit status' : `exit status ${pane.deadStatus}`;
    return { state: 'dead', reason: `pane dead, ${status}`, silentForMs };
  }

  const region = liveRegion(input.screen, patterns, input.liveLines ?? DEFAULT_LIVE_LINES);
  const idleHits = findHits('idle', patterns, region);
  const workingHits = findHits('working', patterns, region);
  const lowestIdle = idleHits.at(-1);
  const approvalFloor = Math.max(lowestIdle?.index ?? -1, workingHits.at(-1)?.index ?? -1);
  const gateHit = findHits('gate', patterns, region).find((h) => h.index > approvalFloor);
  const askHit = findHits('approval', patterns, region).find((h) => h.index > approvalFloor);
  // A live startup dialog is a gate whatever else matches: the approve key must never reach it.
  const approvalHit = gateHit ?? askHit;
  // Where the current turn began: codex shows the user's messages as `› text`, which the idle patterns also
  // match, so the idle hit above the lowest one (the composer) is the latest user message. Working and
  // rate-limit lines above it are history (e.g. a `■ ... 429` from a turn that has been retried since).
  const turnStart = idleHits.at(-2)?.index ?? -1;
  const rateHit = findHits('rateLimited', patterns, region).filter((h) => h.index > turnStart).at(-1);
  const workingHit = workingHits.filter((h) => h.index > turnStart).at(-1);
  // The reset time is on the limit's line or just below it (codex: `■ ... Try again at 3:45 PM.`).
  const resetsAt = rateHit !== undefined ? resetTime(region.slice(rateHit.index, rateHit.index + 3).join(' '), nowMs) : undefined;
  const rate = rateHit !== undefined ? { rateLimited: true, limitLine: rateHit.line, ...(resetsAt !== undefined ? { resetsAt } : {}) } : {};
  const silent = silentForMs > silenceMs;

  if (approvalHit !== undefined) {
    const prompt = region.slice(approvalHit.index).join('\n').trim();
    const gate = approvalHit === gateHit;
    return {
      state: 'waiting_approval',
      reason: `${gate ? 'gate' : 'approval'} /${approvalHit.source}/ matched ${quote(approvalHit.line)}`,
      ...rate,
      ...(gate ? { gate: true } : {}),
      prompt,
      fingerprint: fingerprintOf(prompt),
      silentForMs,
    };
  }
  if (workingHit !== undefined) {
    if (silent && rateHit === undefined) {
      const why = `working line ${quote(workingHit.line)} but no output for ${formatDuration(silentForMs)} (> ${formatDuration(silenceMs)})`;
      return { state: 'stalled', reason: why, silentForMs };
    }
    return { state: 'working', reason: `working /${workingHit.source}/ matched ${quote(workingHit.line)}`, ...rate, silentForMs };
  }
  if (rateHit !== undefined) {
    // Kept as working (the brief's order) even when codex has given up and shows its composer again: the
    // turn did not finish, so nothing may take it as done; the policy acts on `rateLimited`.
    const atPrompt = lowestIdle !== undefined && lowestIdle.index > rateHit.index ? ' (composer idle below it)' : '';
    const why = `rate limited: /${rateHit.source}/ matched ${quote(rateHit.line)}${atPrompt}`;
    return { state: 'working', reason: why, ...rate, silentForMs };
  }
  if (lowestIdle !== undefined) {
    return { state: 'waiting_input', reason: `idle /${lowestIdle.source}/ matched ${quote(lowestIdle.line)}`, silentForMs };
  }
  if (silent) {
    return { state: 'stalled', reason: `no output for ${formatDuration(silentForMs)} (> ${formatDuration(silenceMs)}) and no prompt on screen`, silentForMs };
  }
  if (input.mode === 'exec') {
    return { state: 'working', reason: `exec output within ${formatDuration(silenceMs)}, no pattern matched`, silentForMs };
  }
  return { state: 'unknown', reason: 'recent output but no working, approval or idle pattern matched', silentForMs };
}
