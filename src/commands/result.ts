import { readFileSync } from 'node:fs';
import { OrchError } from '../errors.js';
import { workerPaths } from '../runs/paths.js';
import { readAnswer } from '../workers/answer.js';
import { readFacts } from '../workers/facts.js';
import { FINISHED, hasResult } from '../workers/record.js';
import { printJson, type Command } from './command.js';
import { findWorker } from './target.js';

/** `orch-tmux result`: the worker's answer; exit 1 with a reason when it gave none (a fallback is never an answer). */
export const command: Command = {
  name: 'result',
  summary: 'Print a worker\'s last message',
  usage: 'result <run> <worker> [--json]',
  details: 'Only the agent\'s answer on its declared channel counts. When there is none, the exit is 1 and the\nmessage names fallback.md (what the agent left elsewhere, kept for people) if there is one.',
  options: {},
  positionals: [2, 2],
  async run(ctx, _values, [runRef, name]) {
    const { run, worker } = findWorker(ctx, runRef!, name!);
    const paths = workerPaths(run.dir, worker.name);
    let text: string | undefined;
    let source = worker.resultSource;
    let path = paths.result;
    if (hasResult(worker)) {
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        text = undefined;
      }
    } else if (readFacts(run.dir, worker.name, worker.resumes).exit) {
      // The agent has ended but the store has not copied its answer yet: read it where the agent left it.
      const answer = readAnswer(worker);
      if (answer) ({ text, source } = answer);
      path = answer?.source === 'file' ? paths.lastMessage : answer?.source === 'stdout' ? paths.stdout : path;
    }
    if (text === undefined) {
      const fallback = worker.resultSource?.startsWith('fallback:') ? ` (fallback kept for people, not an answer: ${paths.fallback})` : '';
      throw new OrchError(`Worker ${worker.name} has no result${FINISHED.has(worker.state) ? '' : ' yet'} (state ${worker.state}${worker.reason ? `: ${worker.reason}` : ''})${fallback}`, { code: 'no_result' });
    }
    if (ctx.json) printJson(ctx, { run: run.id, worker: worker.name, state: worker.state, source, path, text });
    else ctx.out(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  },
};
