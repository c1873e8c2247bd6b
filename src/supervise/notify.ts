import { appendEvent } from '../store/events.js';
import type { Tmux } from '../tmux/index.js';

import { describeEnd, runProgram } from '../os/run-program.js';
import { type Policy } from '../core/policy-defaults.js';
import { NOTIFY_OUTPUT_GRACE_MS, NOTIFY_TIMEOUT_MS } from '../core/timing.js';

/** One notification: what happened, where, and when (the JSON the notify command reads on stdin). */
export interface Notice {
  event: string;
  run: string;
  worker?: string;
  time: string;
  runDir: string;
  detail?: Record<string, unknown>;
}

/**
 * Tells the user: the configured command gets the JSON on stdin (never argv), attached clients get a
 * message. Never throws. With `batch`, the client message is added to it for one `tellClients` later
 * (a pass that sees 30 finishes shows one line, with one tmux call instead of 30).
 */
export async function notify(policy: Policy, tmux: Tmux | undefined, session: string | undefined, notice: Notice, batch?: string[]): Promise<void> {
  const [program, ...args] = policy.notify.command;
  if (program) {
    const r = await runProgram(program, args, { input: `${JSON.stringify(notice)}\n`, timeoutMs: NOTIFY_TIMEOUT_MS, outputGraceMs: NOTIFY_OUTPUT_GRACE_MS });
    if (r.exitCode !== 0) {
      try {
        appendEvent(notice.runDir, { worker: notice.worker, kind: 'notify.failed', detail: { event: notice.event, exitCode: r.exitCode ?? null, error: (r.stderr || describeEnd(program, r)).slice(0, 300) } });
      } catch {
        /* nowhere to log it: still not fatal */
      }
    }
  }
  if (!policy.notify.tmux) return;
  const text = `${notice.worker ? `${notice.worker} ` : ''}${notice.event.replace('_', ' ')}`;
  if (batch) batch.push(text);
  else await tellClients(tmux, session, [text]);
}

/** Shows the messages to the clients attached to the session, in one line. Never throws. */
export async function tellClients(tmux: Tmux | undefined, session: string | undefined, messages: string[]): Promise<void> {
  if (!tmux || !session || messages.length === 0) return;
  await tmux.notifyClients(`=${session}:`, `orch-tmux: ${messages.join(', ')}`).catch(() => undefined);
}
