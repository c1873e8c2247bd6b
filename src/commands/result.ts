import { readFileSync } from 'node:fs';
import { OrchError } from '../errors.js';
import { workerPaths } from '../runs/paths.js';
import { printJson, type Command } from './command.js';
import { findWorker } from './target.js';

/** `orch-tmux result`: the worker's last message; exit 1 with a reason when there is none. */
export const command: Command = {
  name: 'result',
  summary: 'Print a worker\'s last message',
  usage: 'result <run> <worker> [--json]',
  options: {},
  positionals: [2, 2],
  async run(ctx, _values, [runRef, name]) {
    const { run, worker } = findWorker(ctx, runRef!, name!);
    const path = workerPaths(run.dir, worker.name).result;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new OrchError(`Worker ${worker.name} has no result yet (state ${worker.state}${worker.reason ? `: ${worker.reason}` : ''})`);
    }
    if (ctx.json) printJson(ctx, { run: run.id, worker: worker.name, state: worker.state, source: worker.resultSource, path, text });
    else ctx.out(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  },
};
