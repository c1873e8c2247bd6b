import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../../core/errors.js';
import { publishPlan, readPlan } from '../../store/plan.js';
import { findRun, tmuxForRun } from '../../store/run.js';
import { printJson, type Command } from '../command.js';
import { checkPlan, completeStep, newPlan, startStep, stepMark, type Plan } from '../../core/plan.js';

// The whole plan from stdin, JSON or YAML: `{steps: [{title, status}]}` or the list alone (`step` for `title` too).
function planFromStdin(): Plan['steps'] {
  if (process.stdin.isTTY) throw new UsageError('Pipe the plan on stdin: echo \'[{"title":"a","status":"in_progress"}]\' | orch-tmux plan <run> update');
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(0, 'utf8'));
  } catch (error) {
    throw new UsageError(`The plan on stdin is not JSON or YAML: ${String((error as Error).message).split('\n')[0]}`);
  }
  const list = Array.isArray(raw) ? raw : (raw as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(list)) throw new UsageError('Expected the plan as a list of steps, or {steps: [...]}, each {title, status}');
  return list.map((s) => {
    const o = (s ?? {}) as Record<string, unknown>;
    return { title: String(o.title ?? o.step ?? ''), status: String(o.status ?? '') as Plan['steps'][number]['status'] };
  });
}

/** `orch-tmux plan`: a run's steps, exactly one in progress until all are done; in status and the tmux status line. */
export const command: Command = {
  name: 'plan',
  summary: 'Set and advance a run\'s plan (steps shown in status and the tmux status line)',
  usage: 'plan <run> [show | set STEP... | update < plan.json | start N | done N] [--json]',
  details: [
    'The rule (like update_plan): exactly one step in progress until every step is completed. `set` starts',
    'the first step; `update` replaces the whole plan from stdin (JSON or YAML: [{title, status}], status',
    'pending, in_progress, completed or failed); `start N` moves the in-progress marker; `done N` completes a step',
    'and moves the marker to the next one. Fewer than 3 or more than 6 steps draws a warning, not an error.',
    'Pattern runs keep a plan of their own: one step per stage, advanced by the driver.',
  ].join('\n'),
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
      plan = newPlan(steps);
    } else if (verb === 'update') {
      if (args.length) throw new UsageError('`plan <run> update` reads the whole plan from stdin and takes no arguments');
      plan = { steps: planFromStdin(), updated: new Date().toISOString() };
    } else if (verb === 'start') {
      plan = startStep(plan!, stepNumber());
    } else if (verb === 'done') {
      plan = completeStep(plan!, stepNumber());
    } else if (verb !== 'show') {
      throw new UsageError(`Unknown plan action ${JSON.stringify(verb)}: use show, set, update, start or done`);
    }
    if (verb !== 'show' && plan) {
      const warning = checkPlan(plan.steps);
      if (warning) ctx.err(`orch-tmux plan: warning: ${warning}\n`);
      await publishPlan(run.dir, run.session, tmuxForRun(run, ctx.server), plan, { verb, args });
    }
    if (ctx.json) printJson(ctx, { run: run.id, plan: plan ?? null });
    else if (plan) ctx.out(plan.steps.map((s, i) => `${i + 1}. [${stepMark(s.status)}] ${s.title}`).join('\n') + '\n');
    else ctx.out('No plan.\n');
    return 0;
  },
};
