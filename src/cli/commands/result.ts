import { readFileSync } from 'node:fs';
import { workerPaths } from '../../core/paths.js';
import { readAnswer } from '../../store/answer.js';
import { readFacts } from '../../runner/facts.js';
import { FINISHED, hasResult, type WorkerRecord } from '../../core/worker.js';
import { workerStatus } from '../../supervise/observe.js';
import { printJson, type Command } from '../command.js';
import { findWorker } from '../target.js';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

// The answer on the declared channel: result.md once the store copied it, else where the agent left it.
function answerOf(worker: WorkerRecord): { text: string; source?: string; path: string } | undefined {
  const paths = workerPaths(worker.runDir, worker.name);
  if (hasResult(worker)) {
    const text = readText(paths.result);
    return text === undefined ? undefined : { text, source: worker.resultSource, path: paths.result };
  }
  if (!readFacts(worker.runDir, worker.name, worker.resumes).exit) return undefined;
  const answer = readAnswer(worker);
  if (!answer) return undefined;
  return { text: answer.text, source: answer.source, path: answer.source === 'file' ? paths.lastMessage : answer.source === 'stdout' ? paths.stdout : paths.result };
}

// What a worker that did not finish well left: its partial answer, else the fallback kept for people; marked.
function partialOf(worker: WorkerRecord, state: string, reason: string | undefined): { text: string; source?: string; path: string } | undefined {
  const mark = `<!-- orch-tmux: what worker ${worker.name} left (${state}${reason ? `: ${reason}` : ''}); not an answer -->\n`;
  const answer = answerOf(worker);
  if (answer) return { ...answer, text: `${mark}${answer.text}` };
  const path = workerPaths(worker.runDir, worker.name).fallback;
  const fallback = readText(path);
  return fallback === undefined ? undefined : { text: fallback, source: worker.resultSource, path };
}

/** `orch-tmux result`: the worker's answer, exit 0 only when it is done; a failed, killed or unfinished worker exits 1. */
export const command: Command = {
  name: 'result',
  summary: 'Print a worker\'s last message',
  usage: 'result <run> <worker> [--partial] [--json]',
  details: [
    'Exit 0 with the answer only when the worker is done (exit 0 and its answer on its declared channel).',
    'A failed, killed or lost worker, or one still running, exits 1: nothing on stdout, the state and reason',
    'on stderr. --partial prints what it left anyway (its partial answer or fallback.md), marked as not an answer.',
    '--json: {run, worker, state, reason, source, path, text} (text null unless done), and `partial` with --partial.',
  ].join('\n'),
  options: { partial: { type: 'boolean' } },
  positionals: [2, 2],
  async run(ctx, values, [runRef, name]) {
    const { run, worker } = findWorker(ctx, runRef!, name!);
    // Read only: the state as status derives it from the record and the runner's facts (tmux not asked).
    const status = workerStatus(run, worker.name, 'unknown');
    const answer = status.state === 'done' ? answerOf(worker) : undefined;
    if (answer) {
      if (ctx.json) printJson(ctx, { run: run.id, worker: worker.name, state: status.state, reason: null, source: answer.source ?? null, path: answer.path, text: answer.text });
      else ctx.out(answer.text.endsWith('\n') ? answer.text : `${answer.text}\n`);
      return 0;
    }
    const partial = values.partial === true ? partialOf(worker, status.state, status.reason) : undefined;
    const why = `Worker ${worker.name} has no result${FINISHED.has(status.state) ? '' : ' yet'} (state ${status.state}${status.reason ? `: ${status.reason}` : ''})`;
    if (ctx.json) {
      printJson(ctx, {
        run: run.id, worker: worker.name, state: status.state, reason: status.reason ?? null, source: null, path: null, text: null,
        ...(values.partial === true ? { partial: partial ? { source: partial.source ?? null, path: partial.path, text: partial.text } : null } : {}),
      });
    } else if (partial) {
      ctx.out(partial.text.endsWith('\n') ? partial.text : `${partial.text}\n`);
    }
    const hint = !partial && worker.resultSource?.startsWith('fallback:') ? ` (what it left is in ${workerPaths(run.dir, worker.name).fallback}; --partial prints it)` : '';
    ctx.err(`orch-tmux result: ${why}${hint}\n`);
    return 1;
  },
};
