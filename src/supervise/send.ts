import { setTimeout as delay } from 'node:timers/promises';
import type { Tmux } from '../tmux/index.js';
import { SEND_CONFIRM_MS, SEND_POLL_MS, SEND_SETTLE_MS } from '../core/timing.js';

export interface SendOptions {
  /** Pause between the text arriving and Enter; TUIs like codex read a fast Enter after a paste as a newline. */
  settleMs?: number;
  /** How long to watch for the text to leave the input line after each Enter. */
  confirmMs?: number;
  /** Extra Enter presses allowed when the first did not submit. */
  retries?: number;
  submitKeys?: string[];
}

export interface SendReport {
  method: 'keys' | 'paste';
  enters: number;
  /** true: the input line changed after Enter; false: it never did (bounded retries spent). */
  submitted: boolean;
}

/** Text typed with send-keys -l above this size goes through a paste buffer instead. */
const TYPE_LIMIT = 512;

// The cursor's row and the one above (a long input wraps), read in one tmux call.
async function inputLine(tmux: Tmux, pane: string): Promise<string> {
  const out = await tmux.run([['display-message', '-p', '-t', pane, '#{cursor_y}'], ['capture-pane', '-p', '-t', pane]]);
  const nl = out.indexOf('\n');
  const y = Number(out.slice(0, nl));
  const rows = out.slice(nl + 1).split('\n');
  return `${rows[y - 1] ?? ''}${rows[y] ?? ''}`.trimEnd();
}

// The bit of the message a screen shows last: the tail of its last non-blank line.
function tailOf(text: string): string {
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  return (lines[lines.length - 1] ?? '').slice(-12).trim();
}

/** Polls a condition until it holds or the deadline passes (the screen offers no event to wait on). */
async function until(check: () => Promise<boolean>, ms: number, everyMs = SEND_POLL_MS): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await delay(everyMs);
  }
}

/**
 * Types a message into an interactive agent and submits it exactly once: literal keys for short single
 * lines, a bracketed paste for the rest, Enter on its own after a settle delay, then a check that the
 * input line changed; Enter again only when it did not.
 */
export async function sendMessage(tmux: Tmux, pane: string, text: string, o: SendOptions = {}): Promise<SendReport> {
  const settleMs = o.settleMs ?? SEND_SETTLE_MS;
  const confirmMs = o.confirmMs ?? SEND_CONFIRM_MS;
  const retries = o.retries ?? 2;
  const submit = o.submitKeys ?? ['Enter'];
  const method: SendReport['method'] = text.includes('\n') || text.includes('\r') || Buffer.byteLength(text) > TYPE_LIMIT ? 'paste' : 'keys';
  if (method === 'keys') await tmux.sendText(pane, text);
  else await tmux.paste(pane, text);
  const tail = tailOf(text);
  // Wait until the text shows (bounded: an agent may render a paste as a placeholder instead).
  if (tail) await until(async () => (await inputLine(tmux, pane)).includes(tail), 1500);
  await delay(settleMs);
  let before = await inputLine(tmux, pane);
  let enters = 0;
  for (;;) {
    await tmux.sendKeys(pane, submit);
    enters++;
    const changed = await until(async () => (await inputLine(tmux, pane)) !== before, confirmMs);
    if (changed) return { method, enters, submitted: true };
    if (enters > retries) return { method, enters, submitted: false };
    before = await inputLine(tmux, pane);
  }
}
