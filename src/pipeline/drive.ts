// Drives a pattern run: its stages in order, each stage's results passed to the stages that need them, a
// verdict's FAIL sent back for another round while --rounds allow, the run's own plan kept step by step, and
// with --worktrees the writers' change collected at the end (per-writer: each writer's kept, and merged before
// the next stage that is not a writer). Finished workers are kept, so this also resumes.
import { join } from 'node:path';
import { loadProfile, profileVariables } from '../agents/resolve.js';
import { UsageError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import { runPaths } from '../core/paths.js';
import { closeStep, insertSteps, newPlan, type Plan } from '../core/plan.js';
import type { RunOutcome, RunRecord } from '../core/run.js';
import { writeFileAtomic } from '../os/atomic.js';
import { acquireLock } from '../os/lock.js';
import { remoteRunDir } from '../sites/remote.js';
import { appendEvent } from '../store/events.js';
import { publishPlan, readPlan } from '../store/plan.js';
import { endRunIfFinished } from '../store/run.js';
import { allWorkersFinished } from '../store/worker.js';
import { notify } from '../supervise/notify.js';
import type { WorkerStatus } from '../supervise/observe.js';
import { waitForWorkers } from '../supervise/wait.js';
import type { Tmux } from '../tmux/index.js';
import { agentVars, resolvePatternVars, type PatternEnv, type PatternInputs } from './inputs.js';
import { judgeStage, labelledResult, readResult } from './judge.js';
import { loadPattern } from './pattern.js';
import { policyOf, runStage, type Drive } from './stage-run.js';
import { needsWorktree, nextRound, stageRuns, stepTitle, type PlannedWorker, type StageRun } from './stages.js';
import { collectChanges, gitTop, runWorktree, type Changes } from './workspace.js';
import { collectWriter, conflictReason, mergeWriters, readWriterWorktree } from './writers.js';

/** What a finished (or stopped) pattern run produced. */
export interface PatternOutcome {
  ok: boolean;
  /** over_budget when --budget-usd stopped it; failed otherwise when not ok. */
  outcome: RunOutcome;
  /** Why it is not ok: a verdict's FAIL line, or the first worker that failed. */
  reason?: string;
  workers: WorkerStatus[];
  outputs: Record<string, string>;
  /** With --worktrees: what the writers changed (branch and changes.patch) and the tree it applies to. */
  changes?: Changes & { source: string };
}

/** Drives every stage of a run to its end, then ends the run (once) and tells whoever listens. */
export async function drivePatternRun(penv: PatternEnv, run: RunRecord, tmux: Tmux, onTick?: (w: WorkerStatus[]) => void): Promise<PatternOutcome> {
  // One driver per run: two `--resume`s at once would start (and set aside) each other's workers.
  const lock = acquireLock(runPaths(run.dir).driverLock);
  if ('heldBy' in lock) throw new UsageError(`Run ${run.id} is being driven by pid ${lock.heldBy.pid} (since ${lock.heldBy.since}): wait for it, or kill that process first`, { code: 'run_driven' });
  let outcome: PatternOutcome;
  try {
    outcome = await drive(await openDrive(penv, run, tmux, onTick));
  } finally {
    lock.release();
  }
  if (endRunIfFinished(run.dir, 'driver', allWorkersFinished, { ok: outcome.ok, outcome: outcome.outcome, reason: outcome.reason, outputs: outcome.outputs })) {
    await notify(policyOf(run, penv.env), tmux, run.session, { event: 'run_finished', run: run.id, runDir: run.dir, time: new Date().toISOString(), detail: { ok: outcome.ok, outcome: outcome.outcome, workers: outcome.workers.map((w) => ({ name: w.name, state: w.state })) } });
  }
  return outcome;
}

// The run's inputs resolved again from run.json (so a --resume from anywhere sees the same), and its worktree.
async function openDrive(penv: PatternEnv, run: RunRecord, tmux: Tmux, onTick?: (w: WorkerStatus[]) => void): Promise<Drive> {
  const inputs = run.inputs as unknown as PatternInputs;
  const pattern = loadPattern(inputs.patternFile);
  const profiles = { main: loadProfile(inputs.agent, penv.cwd), synth: loadProfile(inputs.synthAgent ?? inputs.agent, penv.cwd) };
  const hostDirs = new Map<string, Promise<string>>();
  // With --worktrees every stage works in the run's one worktree (the writers' changes are what later stages
  // see); per-writer, each writer in its own, merged onto the run's before the next stage that is not a writer.
  const wt = inputs.worktrees && needsWorktree(pattern) && !inputs.dryRun ? await runWorktree(run) : undefined;
  return {
    penv, run, tmux, inputs, pattern, profiles, onTick, all: [],
    values: resolvePatternVars(pattern, inputs.vars, [...profileVariables(profiles.main), ...profileVariables(profiles.synth)], inputs.labels),
    forAgents: agentVars(inputs.vars, [profiles.main, profiles.synth]),
    wt,
    writers: wt && inputs.worktrees === 'per-writer' ? [] : undefined,
    userTop: (await gitTop(run.cwd))?.top ?? run.cwd,
    hostDir: (h: Host) => hostDirs.get(h.name) ?? hostDirs.set(h.name, remoteRunDir(h, run)).get(h.name)!,
    budget: inputs.budgetUsd === undefined && inputs.budgetTokens === undefined && inputs.budgetMinutes === undefined ? undefined
      : { usd: inputs.budgetUsd, tokens: inputs.budgetTokens, minutes: inputs.budgetMinutes, spent: new Map(), used: new Map(), took: new Map() },
    // A run's policy snapshot from before concurrency existed has none: no limit.
    maxParallel: inputs.maxParallel ?? (policyOf(run, penv.env).concurrency?.perRun || undefined),
  };
}

async function drive(d: Drive): Promise<PatternOutcome> {
  const { run, tmux, inputs } = d;
  const rounds = inputs.rounds ?? 1;
  // The stages in the order they run; a verdict's FAIL with rounds left adds its retry stage and itself again.
  const queue: StageRun[] = stageRuns(d.pattern, d.values, inputs.noSynth);
  const results: Record<string, string> = {};
  const outputs: Record<string, string> = {};
  let failure: string | undefined;
  // Per-writer: why the writers' changes could not be merged (a conflict), once it is known.
  let unmerged: string | undefined;
  appendEvent(run.dir, { kind: 'run.driving', detail: { pattern: d.pattern.name, pid: process.pid } });
  // The run keeps a plan of its own: one step per stage run, closed as each ends (kept on --resume).
  let plan: Plan = readPlan(run.dir) ?? newPlan(queue.map(stepTitle));
  if (!readPlan(run.dir)) await publishPlan(run.dir, run.session, tmux, plan, { verb: 'driver', stage: queue[0]!.stage.id });
  for (let index = 0; index < queue.length; index++) {
    const sr = queue[index]!;
    const { stage, workers, round } = sr;
    // A stage that reads or verifies the writers' work sees it merged; a conflict ends the drive here.
    if (d.writers && !stage.write) unmerged = await mergeStep(d);
    if (unmerged) {
      failure ??= unmerged;
      plan = closeStep(plan, index, 'failed', false);
      await publishPlan(run.dir, run.session, tmux, plan, { verb: 'driver', failed: stage.id, reason: unmerged });
      break;
    }
    const needs = Object.fromEntries(stage.needs.map((n) => [`needs.${n}`, results[n] ?? '']));
    // A stage sent back by a verdict gets that verdict's findings.
    const feedback = round > 1 ? results[queue.slice(0, index).reverse().find((r) => r.stage.verdict?.retry === stage.id)?.stage.id ?? ''] : undefined;
    const ended = await runStage(d, sr, needs, feedback);
    results[stage.id] = workers.map((w) => labelledResult(run, w, ended.find((s) => s.name === w.name)?.state)).join('\n');
    if (stage.output) {
      const path = join(run.dir, stage.output);
      writeFileAtomic(path, workers.length === 1 ? readResult(run, workers[0]!.name) ?? '' : results[stage.id]!);
      outputs[stage.output] = path;
    }
    // Past the budget: the live workers are being stopped; the drive ends here, over budget.
    if (d.budget?.passed) {
      await d.budget.stopping;
      failure = d.budget.passed;
      plan = closeStep(plan, index, 'failed', false);
      await publishPlan(run.dir, run.session, tmux, plan, { verb: 'driver', failed: stage.id, reason: failure });
      break;
    }
    const kept = d.writers && stage.write ? await keepWriters(d, workers) : undefined;
    const judged = kept ? { reason: kept } : judgeStage(run, stage, ended);
    // Only a FAIL goes back (its findings are what the retry stage acts on); no verdict at all ends the drive.
    const retry = judged.verdict === 'fail' && round < rounds ? queue.findIndex((r) => r.stage.id === stage.verdict?.retry) : -1;
    if (retry >= 0) {
      // Another round: the retry stage gets these findings, then this stage judges again (new workers, in the plan).
      const next = [nextRound(queue[retry]!, round + 1), nextRound(sr, round + 1)];
      queue.splice(index + 1, 0, ...next);
      plan = insertSteps(plan, index, next.map(stepTitle));
      appendEvent(run.dir, { kind: 'driver.round', detail: { stage: stage.id, round: round + 1, because: judged.reason } });
    } else if (judged.reason) {
      failure ??= judged.reason;
    }
    const stop = judged.verdict ? retry < 0 : Boolean(kept) || ended.every((w) => w.state !== 'done');
    const status = judged.reason ? 'failed' : 'completed';
    if (plan.steps[index]?.status !== status) {
      plan = closeStep(plan, index, status, !stop);
      await publishPlan(run.dir, run.session, tmux, plan, { verb: 'driver', [status]: stage.id, ...(judged.reason ? { reason: judged.reason } : {}) });
    }
    if (stop) break;
  }
  const final = await waitForWorkers(run, tmux, d.all, { onTick: d.onTick });
  // The last writers (a pattern that ends with writers, or stopped after them) are merged too.
  if (d.writers && !unmerged) unmerged = await mergeStep(d);
  failure ??= unmerged;
  const outcome: RunOutcome = d.budget?.passed ? 'over_budget' : failure === undefined ? 'ok' : 'failed';
  return finish(d, { ok: failure === undefined, outcome, reason: failure, workers: final.workers, outputs });
}

// Per-writer: each writer's change committed on its branch and kept as its patch, in stage order for the merge.
async function keepWriters(d: Drive, workers: PlannedWorker[]): Promise<string | undefined> {
  for (const w of workers) {
    const own = readWriterWorktree(d.run.dir, w.name);
    if (!own) continue;
    try {
      const changes = await collectWriter(d.run, own);
      appendEvent(d.run.dir, { worker: w.name, kind: 'writer.changes', detail: { ...changes } });
      d.writers!.push(own);
    } catch (error) {
      const message = String((error as Error).message);
      appendEvent(d.run.dir, { worker: w.name, kind: 'writer.changes-failed', detail: { error: message, worktree: own.root } });
      return `the change of writer ${w.name} could not be collected (${message}); it is in ${own.root}`;
    }
  }
  return undefined;
}

// Per-writer: the writers kept so far merged onto the run's branch; the reason the run fails when they conflict.
async function mergeStep(d: Drive): Promise<string | undefined> {
  try {
    const { merged, conflict } = await mergeWriters(d.run, d.wt!, d.writers!);
    if (merged.length) appendEvent(d.run.dir, { kind: 'run.merged', detail: { writers: merged } });
    if (!conflict) return undefined;
    appendEvent(d.run.dir, { worker: conflict.writer, kind: 'run.conflict', detail: { ...conflict } });
    return conflictReason(d.run, conflict);
  } catch (error) {
    const message = String((error as Error).message);
    appendEvent(d.run.dir, { kind: 'run.merge-failed', detail: { error: message, worktree: d.wt!.root } });
    return `the writers' changes could not be merged (${message}); they are on their branches`;
  }
}

// With --worktrees the writers' change is collected from the run's worktree (a branch and changes.patch).
async function finish(d: Drive, outcome: PatternOutcome): Promise<PatternOutcome> {
  const wt = d.wt;
  if (!wt) return outcome;
  try {
    const changes = await collectChanges(d.run, wt);
    appendEvent(d.run.dir, { kind: 'run.changes', detail: { ...changes } });
    return { ...outcome, outputs: { ...outcome.outputs, 'changes.patch': changes.patch }, changes: { ...changes, source: wt.source } };
  } catch (error) {
    // The work is done and stays in the worktree: say so, and end the run as it is.
    const message = String((error as Error).message);
    appendEvent(d.run.dir, { kind: 'run.changes-failed', detail: { error: message, worktree: wt.root } });
    d.penv.warn?.(`the change could not be collected (${message}); it is in ${wt.root}`);
    return { ...outcome, ok: false, reason: outcome.reason ?? `the change could not be collected: ${message}` };
  }
}
