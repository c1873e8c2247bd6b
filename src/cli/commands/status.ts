import { readIndex } from '../../store/index-file.js';
import { findRun, readRun, tmuxForRun } from '../../store/run.js';
import { readPlan } from '../../store/plan.js';
import { runStatus, type WorkerStatus } from '../../supervise/observe.js';
import { readPolicySnapshot, type ResolvedPolicy } from '../../store/policy.js';
import { printJson, type Command } from '../command.js';
import { table } from '../../views/table.js';
import { formatAgo } from '../../core/format.js';
import { runUsage } from '../../core/usage.js';
import { outcomeOf, runEnded, type RunRecord } from '../../core/run.js';
import { stepMark } from '../../core/plan.js';
import { FINISHED } from '../../core/worker.js';

// The policy frozen into the run (null for a run made before snapshots; an error text when damaged).
function policyInForce(runDir: string): ResolvedPolicy | { error: string } | null {
  try {
    return readPolicySnapshot(runDir) ?? null;
  } catch (error) {
    return { error: String((error as Error).message) };
  }
}

/** `orch-tmux status`: every worker's state for one run, or for every live run. */
export const command: Command = {
  name: 'status',
  summary: 'Show every worker\'s state, exit code, times and result path',
  usage: 'status [<run>] [--all] [--json]',
  details: 'Without <run>: the active runs (not yet finished or killed); --all: every run in the index. `ls` lists every run in one line each.',
  options: { all: { type: 'boolean' } },
  positionals: [0, 1],
  async run(ctx, values, [ref]) {
    const runs: RunRecord[] = ref ? [findRun(ref)] : await indexedRuns(values.all === true);
    const report = [];
    for (const run of runs) {
      const workers = await runStatus(run, tmuxForRun(run, ctx.server));
      const ended = outcomeOf(run);
      report.push({
        run: run.id, name: run.name, state: run.state, outcome: ended?.outcome ?? null, reason: ended?.reason ?? null, session: run.session, dir: run.dir,
        plan: readPlan(run.dir), policy: policyInForce(run.dir), usage: runUsage(workers),
        ...budgetOf(run, workers), workers,
      });
    }
    if (ctx.json) {
      printJson(ctx, ref ? report[0] : { runs: report });
      return 0;
    }
    if (report.length === 0) ctx.out('No active runs. `orch-tmux ls` lists every run.\n');
    for (const r of report) {
      ctx.out(`${r.run}${r.name ? ` (${r.name})` : ''}  session ${r.session}  ${r.state}${r.outcome ? ` (${r.outcome}${r.reason ? `: ${r.reason}` : ''})` : ''}\n`);
      if (r.plan) ctx.out(`${r.plan.steps.map((s, i) => `  plan ${i + 1}. [${stepMark(s.status)}] ${s.title}`).join('\n')}\n`);
      ctx.out(r.workers.length ? workerTable(r.workers) : '  (no workers)\n');
      const { cost, tokens } = r.usage;
      if (cost !== undefined || tokens) ctx.out(`  usage: ${[cost !== undefined ? `$${cost}` : '', tokens ? `${tokens.input} tokens in, ${tokens.output} out` : ''].filter(Boolean).join(', ')}${'budget' in r ? ` (budget $${r.budget!.usd})` : ''}\n`);
    }
    return 0;
  },
};

/** Runs from the index (read once): the active ones unless `all` (an index line marks an ended run, so its folder is not opened). */
async function indexedRuns(all: boolean): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for (const e of readIndex()) {
    if (!all && e.state && runEnded(e.state)) continue;
    try {
      const run = readRun(e.dir);
      if (all || !runEnded(run.state)) runs.push(run);
    } catch {
      /* removed run directory: ls still lists it */
    }
  }
  return runs;
}


/** The people's table of workers: why a worker failed, was lost or killed is in its own column. */
export function workerTable(workers: WorkerStatus[]): string {
  const ended = (w: WorkerStatus) => w.state !== 'done' && w.state !== 'running' && w.state !== 'pending';
  const withReason = workers.some((w) => ended(w) && w.reason);
  const withRestarts = workers.some((w) => w.resumes || w.reruns);
  return table(['WORKER', 'STATE', 'EXIT', 'STARTED', 'ACTIVITY', ...(withRestarts ? ['RESTARTS'] : []), 'RESULT', ...(withReason ? ['REASON'] : [])], workers.map((w) => [
    `  ${w.name}`, w.state, w.exitCode === null ? (w.signal ?? '') : String(w.exitCode), formatAgo(w.startedAt ? Date.parse(w.startedAt) : undefined, Date.now()), formatAgo(w.lastActivity ? Date.parse(w.lastActivity) : undefined, Date.now()),
    ...(withRestarts ? [restartText(w)] : []), w.result ?? '', ...(withReason ? [ended(w) ? w.reason ?? '' : ''] : []),
  ]));
}

/** `1 resume, 1 rerun`: how a worker was restarted (empty when never). */
export function restartText(w: Pick<WorkerStatus, 'resumes' | 'reruns'>): string {
  const part = (n: number | undefined, word: string) => (n ? `${n} ${word}${n === 1 ? '' : 's'}` : '');
  return [part(w.resumes, 'resume'), part(w.reruns, 'rerun')].filter(Boolean).join(', ');
}

// The run's --budget-usd, --budget-tokens and --budget-minutes, where it had any; with a USD budget, the
// ended workers whose agents reported no cost (they count as $0).
function budgetOf(run: RunRecord, workers: WorkerStatus[]): { budget?: { usd?: number; tokens?: number; minutes?: number; unpriced?: string[] } } {
  const { budgetUsd: usd, budgetTokens: tokens, budgetMinutes: minutes } = (run.inputs ?? {}) as { budgetUsd?: unknown; budgetTokens?: unknown; budgetMinutes?: unknown };
  const unpriced = typeof usd === 'number' ? workers.filter((w) => FINISHED.has(w.state) && w.cost === undefined).map((w) => w.name) : [];
  const budget = {
    ...(typeof usd === 'number' ? { usd } : {}), ...(typeof tokens === 'number' ? { tokens } : {}), ...(typeof minutes === 'number' ? { minutes } : {}),
    ...(unpriced.length ? { unpriced } : {}),
  };
  return Object.keys(budget).length ? { budget } : {};
}
