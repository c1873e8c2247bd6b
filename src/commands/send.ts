import { UsageError } from '../errors.js';
import { appendEvent } from '../runs/events.js';
import { sendMessage } from '../workers/send.js';
import { printJson, str, type Command } from './command.js';
import { looksBinary, readUserFile } from './inputs.js';
import { numberOption } from './options.js';
import { findWorker, livePane } from './target.js';

/** `orch-tmux send`: one message into an interactive worker, submitted exactly once. */
export const command: Command = {
  name: 'send',
  summary: 'Type a message into an interactive worker and submit it exactly once',
  usage: 'send <run> <worker> (TEXT | --file F) [--settle-ms N] [--json]',
  details: 'Short single lines are typed literally; multi-line or long text is pasted (bracketed) from a uniquely\nnamed buffer. Enter follows after a settle delay and is repeated only if the input line did not change.',
  options: { file: { type: 'string' }, 'settle-ms': { type: 'string' } },
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
    const submitKeys = t.worker.keys?.submit;
    const report = await sendMessage(t.tmux, pane, message, { settleMs: numberOption(values, 'settle-ms', 120, 0, 10_000), submitKeys });
    appendEvent(t.run.dir, { worker: t.worker.name, kind: 'worker.sent', detail: { bytes: Buffer.byteLength(message), ...report } });
    if (ctx.json) printJson(ctx, { run: t.run.id, worker: t.worker.name, ...report });
    else if (!report.submitted) ctx.err(`orch-tmux send: the input line did not change after ${report.enters} Enter presses; look with \`orch-tmux log ${t.run.id} ${t.worker.name}\`\n`);
    return report.submitted ? 0 : 1;
  },
};
