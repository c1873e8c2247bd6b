import { UsageError } from '../errors.js';
import { appendEvent } from '../runs/events.js';
import { readPlan, writePlan, type Plan } from '../runs/plan.js';
import { findRun, tmuxForRun } from '../runs/run.js';
import { printJson, type Command } from './command.js';

/** `orch-tmux plan`: a run's steps, at most one in progress, shown in status and the tmux status line. */
export const command: Command = {
  name: 'plan',
  summary: 'Set and advance a run\'s plan (steps shown in status and the tmux status line)',
  usage: 'plan <run> [show | set STEP... | start N | done N] [--json]',
  details: 'More than 6 steps or fewer than 3 draws a warning, not an error. Only one step may be in progress.',
  options: {},
  positionals: [1, Infinity],
  async run(ctx, _values, [ref, verb = 'show', ...args]) {
    const run = findRun(ref!);
    let plan = readPlan(run.dir);
    const stepNumber = () => {
      const n = Number(args[0]);
      if (!plan) throw new UsageError(`Run ${run.id} has no plan: set one with \`orch-tmux plan ${run.id} set STEP...\``);
      if (args.length !== 1 || !Number.isInteger(n) || n < 1 || n > plan.steps.length) throw new UsageError(`Expected a step number from 1 to ${plan.steps.length}, got ${JSON.stringify(args.join(' '))}`);
      return n - 1;
    };
    if (verb === 'set') {
      const steps = args.map((s) => s.trim()).filter(Boolean);
      if (steps.length === 0) throw new UsageError('Give the steps: orch-tmux plan <run> set "first" "second" "third"');
      if (steps.some((s) => s.length > 200 || /[\x00-\x1f]/.test(s))) throw new UsageError('Each step is one line of at most 200 characters');
      if (steps.length < 3 || steps.length > 6) ctx.err(`orch-tmux plan: warning: ${steps.length} steps; plans of 3 to 6 steps work best\n`);
      plan = { steps: steps.map((title) => ({ title, status: 'pending' })), updated: new Date().toISOString() };
    } else if (verb === 'start') {
      const i = stepNumber();
      const busy = plan!.steps.findIndex((s, j) => s.status === 'in_progress' && j !== i);
      if (busy >= 0) throw new UsageError(`Step ${busy + 1} is in progress: mark it done first (orch-tmux plan ${run.id} done ${busy + 1})`);
      plan!.steps[i]!.status = 'in_progress';
    } else if (verb === 'done') {
      plan!.steps[stepNumber()]!.status = 'completed';
    } else if (verb !== 'show') {
      throw new UsageError(`Unknown plan action ${JSON.stringify(verb)}: use show, set, start or done`);
    }
    if (verb !== 'show' && plan) {
      plan.updated = new Date().toISOString();
      writePlan(run.dir, plan);
      appendEvent(run.dir, { kind: 'plan.updated', detail: { verb, args } });
      await tmuxForRun(run, ctx.server).setOption(run.session, 'status-right', statusLine(plan)).catch(() => undefined);
    }
    if (ctx.json) printJson(ctx, { run: run.id, plan: plan ?? null });
    else if (plan) ctx.out(plan.steps.map((s, i) => `${i + 1}. [${s.status === 'completed' ? 'x' : s.status === 'in_progress' ? '>' : ' '}] ${s.title}`).join('\n') + '\n');
    else ctx.out('No plan.\n');
    return 0;
  },
};

/** The tmux status line: done count and the step in progress (`#` and `%` escaped: tmux expands formats and strftime there). */
export function statusLine(plan: Plan): string {
  const done = plan.steps.filter((s) => s.status === 'completed').length;
  const current = plan.steps.findIndex((s) => s.status === 'in_progress');
  const text = `plan ${done}/${plan.steps.length}${current >= 0 ? ` > ${current + 1}. ${plan.steps[current]!.title.slice(0, 40)}` : ''}`;
  return text.replace(/#/g, '##').replace(/%/g, '%%');
}
