import type { Command } from '../command.js';
import { answerApproval } from '../approval.js';

/** `orch-tmux approve`: answer yes to the request a worker waits at, unless the run's policy denies it. */
export const command: Command = {
  name: 'approve',
  summary: 'Approve the request a worker waits at (its profile\'s approve keys), unless the run\'s policy denies it',
  usage: 'approve <run> <worker> [--json]',
  details: [
    'Reads the worker\'s state as `explain` does (its newest hook line, else its screen). Only a worker waiting at',
    'an approval prompt is answered; a request matching the deny list of the run\'s frozen policy (or any request',
    'under approvals.mode deny) is refused with exit 1 and nothing pressed. A startup dialog is left to a person.',
  ].join('\n'),
  options: {},
  positionals: [2, 2],
  run: (ctx, _values, [runRef, name]) => answerApproval(ctx, runRef!, name!, 'approve'),
};
