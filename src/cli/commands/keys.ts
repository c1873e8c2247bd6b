import { UsageError } from '../../core/errors.js';
import { appendEvent } from '../../store/events.js';
import { printJson, type Command } from '../command.js';
import { findWorker, livePane } from '../target.js';

/** `orch-tmux keys`: key names pressed in a worker's window (tmux key names: y, Enter, Escape, C-c). */
export const command: Command = {
  name: 'keys',
  summary: 'Press keys in a worker\'s window (y, Enter, Escape, C-c)',
  usage: 'keys <run> <worker> KEY...',
  options: {},
  positionals: [3, Infinity],
  async run(ctx, _values, [runRef, name, ...keys]) {
    for (const key of keys) {
      if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$|^[\x21-\x7e]$/.test(key)) throw new UsageError(`Expected tmux key names like y, Enter, Escape or C-c, got ${JSON.stringify(key)}; use \`orch-tmux send\` for text`);
    }
    const t = findWorker(ctx, runRef!, name!);
    await t.tmux.sendKeys(livePane(t), keys);
    appendEvent(t.run.dir, { worker: t.worker.name, kind: 'worker.keys', detail: { keys } });
    if (ctx.json) printJson(ctx, { run: t.run.id, worker: t.worker.name, keys });
    return 0;
  },
};
