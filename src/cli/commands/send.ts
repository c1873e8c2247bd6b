import { OrchError, UsageError } from '../../core/errors.js';
import { observeWorker, type Observation } from '../../supervise/screen.js';
import { appendEvent } from '../../store/events.js';
import { sendMessage, type SendReport } from '../../supervise/send.js';
import { printJson, str, type Command, type Context, type Values } from '../command.js';
import { looksBinary, readUserFile } from '../inputs.js';
import { numberOption } from '../options.js';
import { findWorker, livePane } from '../target.js';
import { SEND_SETTLE_MS } from '../../core/timing.js';
import { findRun, tmuxForRun } from '../../store/run.js';
import { readWorker, workerNamesInOrder } from '../../store/records.js';
import { workerTmux } from '../../sites/remote.js';
import { FINISHED, type WorkerRecord } from '../../core/worker.js';
import type { RunRecord } from '../../core/run.js';
import type { Tmux } from '../../tmux/index.js';

const USAGE = 'send <run> (<worker> | --all) (TEXT | --file F) [--settle-ms N] [--force] [--json]';

// The message from TEXT or --file, checked: text only, not empty, no control characters.
function messageOf(values: Values, text: string | undefined): string {
  if ((text === undefined) === (values.file === undefined)) throw new UsageError('Give the message as TEXT or with --file F (one of them)');
  const bytes = text === undefined ? readUserFile(str(values, 'file')!, '--file') : undefined;
  if (bytes && looksBinary(bytes)) throw new UsageError(`--file ${JSON.stringify(str(values, 'file'))} looks binary (NUL bytes or invalid UTF-8): give a text file`);
  const message = (text ?? bytes!.toString('utf8')).replace(/\r\n/g, '\n');
  if (message.length === 0) throw new UsageError('The message is empty: give some text');
  // Escape sequences would act as keys (and \x1b[201~ would end a bracketed paste early): keys go through `keys`.
  const control = /[\x00-\x08\x0b-\x1f\x7f]/.exec(message);
  if (control) throw new UsageError(`The message has a control character (0x${control[0].charCodeAt(0).toString(16).padStart(2, '0')} at ${control.index}): send text only, and keys with \`orch-tmux keys\``);
  return message;
}

// Types the message and submits it, and logs that it did.
async function deliver(tmux: Tmux, run: RunRecord, worker: WorkerRecord, pane: string, message: string, settleMs: number): Promise<SendReport> {
  const report = await sendMessage(tmux, pane, message, { settleMs, submitKeys: worker.keys?.submit });
  appendEvent(run.dir, { worker: worker.name, kind: 'worker.sent', detail: { bytes: Buffer.byteLength(message), ...report } });
  return report;
}

// What an approval prompt asks, on one line.
function requestOf(now: Observation): string {
  return now.verdict?.prompt?.replace(/\s+/g, ' ').trim().slice(0, 200) || now.verdict?.reason || '';
}

// Why a live interactive worker is not idle at its prompt now (undefined: it is, type away).
function notIdle(now: Observation): string | undefined {
  const v = now.verdict;
  if (!v) return 'its window is gone';
  switch (v.state) {
    case 'waiting_input': return undefined;
    case 'waiting_approval': return `waiting at ${v.gate ? 'a startup dialog' : 'an approval prompt'} (${requestOf(now)})`;
    case 'working': return v.rateLimited ? 'working (rate limited)' : 'working';
    case 'stalled': return `stalled (${v.reason})`;
    case 'exited': case 'dead': return `its agent has exited (${v.reason})`;
    default: return `not at its prompt (${v.reason})`;
  }
}

// `send <run> --all`: the message to every interactive worker idle at its prompt, one after another.
async function sendAll(ctx: Context, run: RunRecord, message: string, settleMs: number): Promise<number> {
  const runTmux = tmuxForRun(run, ctx.server);
  const records = workerNamesInOrder(run.dir).map((n) => readWorker(run.dir, n)).filter((r): r is WorkerRecord => r !== undefined);
  // Exec workers take no typed input and finished ones have no agent: not candidates, and not listed.
  const candidates = records.filter((r) => r.mode === 'interactive' && !FINISHED.has(r.state));
  if (candidates.length === 0) {
    const others = records.map((r) => `${r.name} (${r.mode === 'interactive' ? r.state : `${r.mode}, ${r.state}`})`).join(', ');
    throw new UsageError(`Run ${run.id} has no live interactive worker to send to (${others ? `its workers: ${others}` : 'it has no workers'}): nothing was typed`, { code: 'no_interactive_worker' });
  }
  const sent: ({ name: string } & SendReport)[] = [];
  const skipped: { name: string; why: string }[] = [];
  for (const worker of candidates) {
    if (!worker.paneId) {
      skipped.push({ name: worker.name, why: `not started yet (${worker.state})` });
      continue;
    }
    // Looked at right before typing, so a worker that got busy since the last one was typed to is skipped.
    const tmux = workerTmux(worker, runTmux);
    const why = notIdle(await observeWorker(tmux, worker, run.session));
    if (why) skipped.push({ name: worker.name, why });
    else sent.push({ name: worker.name, ...(await deliver(tmux, run, worker, worker.paneId, message, settleMs)) });
  }
  const unconfirmed = sent.filter((s) => !s.submitted);
  if (ctx.json) {
    printJson(ctx, { run: run.id, sent, skipped });
  } else {
    if (sent.length) ctx.out(`sent to ${sent.length} worker${sent.length === 1 ? '' : 's'}: ${sent.map((s) => s.name).join(', ')}\n`);
    for (const s of skipped) ctx.err(`orch-tmux send: skipped ${s.name}: ${s.why}\n`);
    for (const s of unconfirmed) ctx.err(`orch-tmux send: ${s.name}: the input line did not change after ${s.enters} Enter presses; look with \`orch-tmux log ${run.id} ${s.name}\`\n`);
  }
  return skipped.length || unconfirmed.length ? 1 : 0;
}

/** `orch-tmux send`: one message into an interactive worker (or every idle one), submitted exactly once. */
export const command: Command = {
  name: 'send',
  summary: 'Type a message into an interactive worker (or every idle one) and submit it exactly once',
  usage: USAGE,
  details: [
    'Short single lines are typed literally; multi-line or long text is pasted (bracketed) from a uniquely',
    'named buffer. Enter follows after a settle delay and is repeated only if the input line did not change.',
    'A worker waiting at an approval prompt is refused (exit 1, the request shown): Enter there would answer it; --force types anyway.',
    '--all: every interactive worker idle at its prompt gets the message, one after another; one that is working,',
    'at an approval prompt or not started yet is skipped, with why, on stderr (exit 1 when any was). Exec workers',
    '(their prompt came from a file) and finished ones are not candidates and are not listed. --json:',
    '{run, sent: [{name, method, enters, submitted}], skipped: [{name, why}]}.',
  ].join('\n'),
  options: { file: { type: 'string' }, 'settle-ms': { type: 'string' }, force: { type: 'boolean' }, all: { type: 'boolean' } },
  positionals: [1, 3],
  async run(ctx, values, positionals) {
    const all = values.all === true;
    if (all && positionals.length > 2) throw new UsageError(`--all sends to every interactive worker: name no worker (\`orch-tmux send ${positionals[0]} --all TEXT\`)`);
    if (all && values.force === true) throw new UsageError('--force types into one worker at its approval prompt: name that worker instead of --all');
    if (!all && positionals.length < 2) throw new UsageError(`Wrong number of arguments for \`orch-tmux send\`: name a worker or give --all: usage: orch-tmux ${USAGE}`);
    const [runRef, name, text] = all ? [positionals[0]!, undefined, positionals[1]] : positionals;
    const message = messageOf(values, text);
    const settleMs = numberOption(values, 'settle-ms', SEND_SETTLE_MS, 0, 10_000);
    if (all) return sendAll(ctx, findRun(runRef!), message, settleMs);
    const t = findWorker(ctx, runRef!, name!);
    const pane = livePane(t);
    // Enter at an approval prompt would answer it (with its default choice): refused unless --force.
    if (values.force !== true) {
      const now = await observeWorker(t.tmux, t.worker, t.run.session);
      if (now.verdict?.state === 'waiting_approval') {
        throw new OrchError(`Worker ${t.worker.name} is waiting at an approval prompt (${requestOf(now)}): nothing was typed. Answer it with \`orch-tmux keys\`, or pass --force to type anyway`, { code: 'waiting_approval' });
      }
    }
    const report = await deliver(t.tmux, t.run, t.worker, pane, message, settleMs);
    if (ctx.json) printJson(ctx, { run: t.run.id, worker: t.worker.name, ...report });
    else if (!report.submitted) ctx.err(`orch-tmux send: the input line did not change after ${report.enters} Enter presses; look with \`orch-tmux log ${t.run.id} ${t.worker.name}\`\n`);
    return report.submitted ? 0 : 1;
  },
};
