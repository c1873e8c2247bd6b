import type { Command } from '../command.js';
import { answerApproval } from '../approval.js';

/** `orch-tmux deny`: answer no to the request a worker waits at (its profile's deny keys). */
export const command: Command = {
  name: 'deny',
  summary: 'Deny the request a worker waits at (its profile\'s deny keys)',
  usage: 'deny <run> <worker> [--json]',
  details: 'Only a worker waiting at an approval prompt is answered (see `orch-tmux explain`); otherwise nothing is pressed (exit 2).',
  options: {},
  positionals: [2, 2],
  run: (ctx, _values, [runRef, name]) => answerApproval(ctx, runRef!, name!, 'deny'),
};
