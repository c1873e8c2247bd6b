import { observeWorker } from '../../supervise/screen.js';
import { readHookLines } from '../../runner/hooks.js';
import { FINISHED } from '../../core/worker.js';
import { runStatus } from '../../supervise/observe.js';
import { printJson, type Command } from '../command.js';
import { findWorker } from '../target.js';

/** `orch-tmux explain`: the evidence behind a worker's state (which hook line, or which screen lines and pattern). */
export const command: Command = {
  name: 'explain',
  summary: 'Show the evidence behind a worker\'s state: its newest hook line, or the screen lines and pattern',
  usage: 'explain <run> <worker> [--json]',
  details: 'For an agent that was misread. The record\'s state comes from the runner\'s facts; a live interactive\nworker\'s finer state (working, waiting for approval, idle, stalled) from its newest hook line first, the\nscreen where it has no hooks or shows what no hook explains. Reads only: nothing is written or pressed.',
  options: {},
  positionals: [2, 2],
  async run(ctx, _values, [runRef, name]) {
    const t = findWorker(ctx, runRef!, name!);
    const status = (await runStatus(t.run, t.runTmux)).find((w) => w.name === t.worker.name)!;
    const live = !FINISHED.has(status.state) && t.worker.paneId !== undefined;
    const seen = live ? await observeWorker(t.tmux, t.worker, t.run.session) : undefined;
    const hooks = readHookLines(t.worker);
    const out = {
      run: t.run.id, worker: t.worker.name, state: status.state, reason: status.reason ?? null,
      hooks: t.worker.hooks ? { lines: hooks.length, newest: hooks.at(-1) ?? null } : null,
      now: seen ? { state: seen.verdict?.state ?? null, from: seen.from, reason: seen.verdict?.reason ?? null, screen: seen.screen ? { state: seen.screen.state, reason: seen.screen.reason } : null } : null,
    };
    if (ctx.json) {
      printJson(ctx, out);
      return 0;
    }
    const lines = [`${t.worker.name}: ${status.state}${status.reason ? ` (${status.reason})` : ''}`];
    if (!t.worker.hooks) lines.push('hooks: none in this agent\'s profile; the screen is the only evidence');
    else if (!out.hooks!.newest) lines.push('hooks: installed, none has run yet');
    else lines.push(`hooks: ${hooks.length} lines; newest hooks.jsonl:${out.hooks!.newest.line} ${out.hooks!.newest.time} ${out.hooks!.newest.fact}${out.hooks!.newest.decision ? ` (${out.hooks!.newest.decision}: ${out.hooks!.newest.why})` : ''}`);
    if (seen) {
      lines.push(`now: ${seen.verdict?.state ?? 'unknown'} from the ${seen.from}: ${seen.verdict?.reason ?? 'no evidence'}`);
      if (seen.screen && seen.from !== 'screen') lines.push(`screen: ${seen.screen.state}: ${seen.screen.reason}`);
    }
    ctx.out(`${lines.join('\n')}\n`);
    return 0;
  },
};
