// What `approve` and `deny` share: answer the approval prompt a worker waits at, with its profile's keys,
// through the run's frozen policy (a request on the deny list is never approved, by a person's command either).
import { OrchError, UsageError } from '../core/errors.js';
import { loadPolicy } from '../store/policy.js';
import { observeWorker } from '../supervise/screen.js';
import { approvalVerdict } from '../core/policy.js';
import { appendEvent } from '../store/events.js';
import { printJson, type Context } from './command.js';
import { findWorker, livePane } from './target.js';
import { type Policy } from '../core/policy-defaults.js';

/** Longest request text kept in an event or an answer. */
const REQUEST_MAX_CHARS = 500;

/** Why the run's policy refuses to approve this request, or undefined when it may be approved. */
export function approvalRefusal(policy: Policy, request: string): string | undefined {
  const verdict = approvalVerdict(policy, request);
  if (verdict.decision === 'deny') return verdict.why;
  // In notify mode the verdict is "ask" without looking at the deny list: an explicit approve still honours it.
  const denied = policy.approvals.deny.find((p) => new RegExp(p, 'i').test(request));
  return denied === undefined ? undefined : `it matches the deny list (${JSON.stringify(denied)})`;
}

/** Presses the worker's approve or deny keys at the prompt it waits at now; refused (nothing pressed) otherwise. */
export async function answerApproval(ctx: Context, runRef: string, name: string, answer: 'approve' | 'deny'): Promise<number> {
  const t = findWorker(ctx, runRef, name);
  const pane = livePane(t);
  const seen = await observeWorker(t.tmux, t.worker, t.run.session);
  const verdict = seen.verdict;
  const where = `${t.run.id} ${t.worker.name}`;
  if (verdict?.state !== 'waiting_approval') {
    throw new UsageError(`Worker ${t.worker.name} is not waiting at an approval prompt (it is ${verdict?.state ?? 'unknown'}: ${verdict?.reason ?? 'no evidence'}): nothing was pressed; see \`orch-tmux explain ${where}\``, { code: 'not_waiting_approval' });
  }
  const request = (verdict.prompt ?? '').replace(/\s+/g, ' ').trim().slice(0, REQUEST_MAX_CHARS);
  if (verdict.gate) {
    throw new UsageError(`Worker ${t.worker.name} waits at a startup dialog (${request || verdict.reason}), which is a person's decision: nothing was pressed; read it with \`orch-tmux log ${where}\` and answer with \`orch-tmux keys\``, { code: 'approval_gate' });
  }
  if (answer === 'approve') {
    const refusal = approvalRefusal(loadPolicy(t.run.dir, t.run.cwd, ctx.env), request);
    if (refusal) {
      appendEvent(t.run.dir, { worker: t.worker.name, kind: 'command.approve-refused', detail: { request, why: refusal } });
      throw new OrchError(`Refusing to approve ${JSON.stringify(request)}: ${refusal} in the run's policy (\`orch-tmux policy ${t.run.id}\`); nothing was pressed; refuse it with \`orch-tmux deny ${where}\``, { code: 'denied_by_policy' });
    }
  }
  const keys = answer === 'approve' ? (t.worker.keys?.approve ?? ['y']) : (t.worker.keys?.deny ?? ['Escape']);
  await t.tmux.sendKeys(pane, keys);
  appendEvent(t.run.dir, { worker: t.worker.name, kind: answer === 'approve' ? 'command.approved' : 'command.denied', detail: { keys, request, from: seen.from } });
  if (ctx.json) printJson(ctx, { run: t.run.id, worker: t.worker.name, answer, keys, request, from: seen.from });
  else ctx.out(`${answer === 'approve' ? 'approved' : 'denied'} ${JSON.stringify(request)} (pressed ${keys.join(' ')})\n`);
  return 0;
}
