import { OrchError, UsageError } from '../../core/errors.js';
import { observeWorker } from '../../supervise/screen.js';
import { appendEvent } from '../../store/events.js';
import { sendMessage } from '../../supervise/send.js';
import { printJson, str, type Command } from '../command.js';
import { looksBinary, readUserFile } from '../inputs.js';
import { numberOption } from '../options.js';
import { findWorker, livePane } from '../target.js';
import { SEND_SETTLE_MS } from '../../core/timing.js';

/** `orch-tmux send`: one message into an interactive worker, submitted exactly once. */
export const command: Command = {
  name: 'send',
  summary: 'Type a message into an interactive worker and submit it exactly once',
  usage: 'send <run> <worker> (TEXT | --file F) [--settle-ms N] [--force] [--json]',
  details: 'Short single lines are typed literally; multi-line or long text is pasted (bracketed) from a uniquely\nnamed buffer. Enter follows after a settle delay and is repeated only if the input line did not change.\nA worker waiting at an approval prompt is refused (exit 1, the request shown): Enter there would answer it; --force types anyway.',
  options: { file: { type: 'string' }, 'settle-ms': { type: 'string' }, force: { type: 'boolean' } },
  positionals: [2, 3],
  async run(ctx, values, [runRef, name, text]) {
    if ((text === undefined) === (values.file === undefined)) throw new UsageError('Give the message as TEXT or with --file F (one of them)');
    const bytes = text === undefined ? readUserFile(str(values, 'file')!, '--file') : undefined;
    if (bytes && looksBinary(bytes)) throw new UsageError(`--file ${JSON.stringify(str(values, 'file'))} looks binary (NUL bytes or invalid UTF-8): give a text file`);
    const message = (text ?? bytes!.toString('utf8')).replace(/\r\n/g, '\n');
    if (message.length === 0) throw new UsageError('The message is empty: give some text');
    // Escape sequences would act as keys (and \x1b[201~ would end a bracketed paste early): keys go through `keys`.
    const control = /[\x00-\x08\x0b-\x1f\x7f]/.exec(message);
    if (control) throw new UsageError(`The message has a control character (0x${control[0].charCodeAt(0).toString(16).padStart(2, '0')} at ${control.index}): send text only, and keys with \`orch-tmux keys\``);
    const t = findWorker(ctx, runRef!, name!);
    const pane = livePane(t);
    // Enter at an approval prompt would answer it (with its default choice): refused unless --force.
    if (values.force !== true) {
      const now = await observeWorker(t.tmux, t.worker, t.run.session);
      if (now.verdict?.state === 'waiting_approval') {
        const what = now.verdict.prompt?.replace(/\s+/g, ' ').trim().slice(0, 200) || now.verdict.reason;
        throw new OrchError(`Worker ${t.worker.name} is waiting at an approval prompt (${what}): nothing was typed. Answer it with \`orch-tmux keys\`, or pass --force to type anyway`, { code: 'waiting_approval' });
      }
    }
    const submitKeys = t.worker.keys?.submit;
    const report = await sendMessage(t.tmux, pane, message, { settleMs: numberOption(values, 'settle-ms', SEND_SETTLE_MS, 0, 10_000), submitKeys });
    appendEvent(t.run.dir, { worker: t.worker.name, kind: 'worker.sent', detail: { bytes: Buffer.byteLength(message), ...report } });
    if (ctx.json) printJson(ctx, { run: t.run.id, worker: t.worker.name, ...report });
    else if (!report.submitted) ctx.err(`orch-tmux send: the input line did not change after ${report.enters} Enter presses; look with \`orch-tmux log ${t.run.id} ${t.worker.name}\`\n`);
    return report.submitted ? 0 : 1;
  },
};
