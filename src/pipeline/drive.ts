// Runs a pattern: checks and renders everything before any session exists, then drives the stages;
// the same code resumes a run (finished workers are kept, missing or failed ones start again).
import { findHost, loadHosts } from '../sites/hosts.js';
import { placeWorkers } from '../supervise/placement.js';
import { remoteRunDir, workerTmux } from '../sites/remote.js';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AgentProfile } from '../agents/profile.js';
import { loadProfile, profileVariables } from '../agents/resolve.js';
import { checkContract } from '../contracts/contract.js';
import { contextContract } from '../contracts/context.js';
import { parseYamlFile } from '../contracts/yaml-file.js';
import { UsageError } from '../core/errors.js';
import { declaredVariables } from '../agents/template.js';
import { TemplateRegistry } from '../agents/templates.js';
import { writeFileAtomic } from '../os/atomic.js';
import { appendEvent } from '../store/events.js';
import { checkWorkerName } from '../core/names.js';
import { runPaths, workerPaths } from '../core/paths.js';
import { publishPlan, readPlan } from '../store/plan.js';
import { createRun, endRunIfFinished } from '../store/run.js';
import type { Tmux, TmuxServer } from '../tmux/index.js';
import { checkLaunch, launchPrepared, prepareWorker } from '../supervise/launch.js';
import { type DerivedState } from '../core/worker.js';
import { type WorkerStatus } from '../supervise/observe.js';
import { runPanes } from '../supervise/host-sync.js';
import { allWorkersFinished, gatherEvidence, settleWorker } from '../store/worker.js';
import { deriveTruth } from '../core/truth.js';
import { notify } from '../supervise/notify.js';
import { waitForWorkers } from '../supervise/wait.js';
import { expandItems, itemValues, type Item } from './items.js';
import { DEFAULT_POLICY, loadPolicy } from '../store/policy.js';
import { shouldRerun, shouldResume } from '../core/policy.js';
import { limitInTranscript } from '../supervise/limits.js';
import { acquireLock } from '../os/lock.js';
import { rerunWorker, resumeWorker, sessionIdOf } from '../supervise/restart.js';
import { pickLenses } from './lenses.js';
import { readVerdict, verdictReason } from '../core/verdict.js';
import { interpolate, loadPattern, type Pattern, type Stage } from './pattern.js';
import { looksBinary, readUserFile } from '../os/files.js';
import { collectChanges, dropScratch, gitTop, pathInCopy, runWorktree, scratchCopy, type Changes, type Workspace } from './workspace.js';
import { type Host } from '../core/host.js';
import { readWorker } from '../store/records.js';
import { closeStep, insertSteps, newPlan } from '../core/plan.js';
import { type RunRecord } from '../core/run.js';
import { type Policy } from '../core/policy-defaults.js';
import { LIMIT_WAIT_STEP_MS } from '../core/timing.js';

/** Documents up to this size go to reviewers inline as well as by path. */
export const INLINE_LIMIT = 48 * 1024;

/** What a pattern run needs besides the pattern; saved in run.json so --resume can carry on. */
export interface PatternInputs {
  patternFile: string;
  vars: Record<string, string>;
  agent: string;
  synthAgent?: string;
  dryRun: boolean;
  worktrees: boolean;
  noSynth: boolean;
  context: Record<string, string>;
  /** --hosts: where read-only workers may run (`local` is this machine); the synthesis and writers stay here. */
  hosts?: string[];
  /** --rounds: how many times a verdict stage may send its FAIL back to its `verdict.retry` stage (1: never). */
  rounds?: number;
}

/** The environment a pattern run works in. */
export interface PatternEnv {
  server: TmuxServer;
  env: NodeJS.ProcessEnv;
  cwd: string;
  runsRoot: string;
  templates: TemplateRegistry;
  /** Where warnings for people go (an untrusted project config). */
  warn?: (line: string) => void;
}

/** One worker a stage will run, with its rendered prompt. */
interface PlannedWorker {
  name: string;
  stage: Stage;
  item?: Item;
}

/** One stage as the drive runs it: its workers, and its round (2 and up: a verdict's FAIL sent it back). */
interface StageRun {
  stage: Stage;
  workers: PlannedWorker[];
  round: number;
}

/** The workers of a stage's later round: the same, named `<name>-<round>`. */
function inRound(workers: PlannedWorker[], round: number): PlannedWorker[] {
  return round === 1 ? workers : workers.map((w) => ({ ...w, name: checkWorkerName(`${w.name}-${round}`) }));
}

/** A plan step's title for a stage run. */
function stepTitle(r: StageRun): string {
  return `${r.stage.id}${r.round > 1 ? ` (round ${r.round})` : ''}: ${r.workers.length} worker${r.workers.length === 1 ? '' : 's'}`;
}

/** Reads a --context YAML file of context-pack parts; a problem is one line `--context FILE:LINE: ...`. */
export function readContextFile(path: string): Record<string, string> {
  const place = { label: '--context ', file: path };
  const yaml = parseYamlFile(readUserFile(path, '--context').toString('utf8'), place);
  return checkContract(contextContract, yaml.value, place, yaml.lineOf);
}

/** Checks a document: it must exist, be a readable regular file, and be text. */
export function checkDocument(path: string, flag = 'document'): { path: string; text: string } {
  const bytes = readUserFile(path, flag, 16 * 1024 * 1024);
  if (looksBinary(bytes)) throw new UsageError(`${flag} ${JSON.stringify(path)} looks binary (NUL bytes or invalid UTF-8): give a text file`);
  if (bytes.toString('utf8').trim() === '') throw new UsageError(`${flag} ${JSON.stringify(path)} is empty: give a document with some text`);
  return { path: resolve(path), text: bytes.toString('utf8') };
}

/** The `--var` values meant for the agent profiles (their own placeholders, e.g. `command` for `shell`). */
export function agentVars(given: Record<string, string>, profiles: AgentProfile[]): Record<string, string> {
  const wanted = new Set(profiles.flatMap(profileVariables));
  return Object.fromEntries(Object.entries(given).filter(([k]) => wanted.has(k)));
}

/** Pattern variables with defaults applied and types checked; files become absolute paths plus `<name>_text`. `agentNames` are the profiles' own variables. */
export function resolvePatternVars(pattern: Pattern, given: Record<string, string>, agentNames: string[] = []): Record<string, string> {
  for (const name of Object.keys(given)) {
    if (!(name in pattern.variables) && !agentNames.includes(name)) {
      const agent = agentNames.length ? `, and the agent takes: ${[...new Set(agentNames)].join(', ')}` : '';
      throw new UsageError(`Unknown variable \`${name}\` for pattern ${pattern.name}; it takes: ${Object.keys(pattern.variables).join(', ') || 'none'}${agent}`);
    }
  }
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(pattern.variables)) {
    const value = given[name] ?? spec.default;
    if (value === undefined || (spec.required && value === '')) {
      if (spec.required) throw new UsageError(`Missing variable \`${name}\` for pattern ${pattern.name}: pass --var ${name}=...${spec.description ? ` (${spec.description})` : ''}`);
      values[name] = '';
      continue;
    }
    if (spec.type === 'file') {
      const doc = checkDocument(value, `--var ${name}`);
      values[name] = doc.path;
      values[`${name}_text`] = Buffer.byteLength(doc.text) <= INLINE_LIMIT ? doc.text : '';
    } else if (spec.type === 'lenses') {
      values[name] = pickLenses(value).map((l) => l.id).join(',');
    } else if (spec.type === 'int') {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 8) throw new UsageError(`Expected --var ${name} to be a whole number from 1 to 8, got ${JSON.stringify(value)}`);
      values[name] = value;
    } else {
      values[name] = value;
    }
  }
  return values;
}

/** The workers of every stage, named and checked (names unique across the run). */
function planWorkers(pattern: Pattern, values: Record<string, string>, noSynth: boolean): PlannedWorker[][] {
  const seen = new Set<string>();
  return pattern.stages.filter((s) => !(noSynth && s.agent === 'synth')).map((stage) =>
    expandItems(stage, values).map((item) => {
      const raw = stage.name ? interpolate(stage.name, { ...values, ...itemValues(item) }) : item ? `${stage.id}-${item.id}` : stage.id;
      const name = checkWorkerName(raw);
      if (seen.has(name)) throw new UsageError(`Pattern ${pattern.name}: worker name \`${name}\` comes up twice: give stage ${stage.id} a distinct \`name\``);
      seen.add(name);
      return { name, stage, item };
    }),
  );
}

/** Renders one worker's prompt: stage vars filled from pattern values, the item, earlier results and the context; `feedback` is a verdict's FAIL sent back to it. */
function renderPrompt(templates: TemplateRegistry, w: PlannedWorker, values: Record<string, string>, needs: Record<string, string>, context: Record<string, string>, run?: RunRecord, feedback?: string): string {
  const t = templates.get(w.stage.template);
  if (!t) throw new UsageError(`Stage ${w.stage.id}: unknown template \`${w.stage.template}\`: see \`orch-tmux templates list\``);
  const declared = declaredVariables(t, (n) => templates.get(n));
  const scope = { ...values, ...itemValues(w.item), ...needs };
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(context)) if (k in declared) vars[k] = v;
  if ('worker' in declared) vars.worker = w.name;
  if ('run_dir' in declared && run) vars.run_dir = run.dir;
  for (const [k, v] of Object.entries(w.stage.vars)) vars[k] = interpolate(v, scope);
  if (feedback !== undefined) vars.feedback = feedback;
  return templates.render(t.name, vars);
}

/** Validates everything and renders every first-stage prompt (later ones with stand-in results), then creates the run. */
export async function startPatternRun(penv: PatternEnv, inputs: PatternInputs, o: { name?: string; session?: string } = {}): Promise<RunRecord> {
  const pattern = loadPattern(inputs.patternFile);
  const main = loadProfile(inputs.agent, penv.cwd);
  const synth = loadProfile(inputs.synthAgent ?? inputs.agent, penv.cwd);
  const values = resolvePatternVars(pattern, inputs.vars, [...profileVariables(main), ...profileVariables(synth)]);
  const forAgents = agentVars(inputs.vars, [main, synth]);
  if (inputs.worktrees && needsWorktree(pattern) && !(await gitTop(penv.cwd))) {
    throw new UsageError(`--worktrees needs a git repository, and ${penv.cwd} is not in one: run from a git checkout or drop --worktrees`);
  }
  const stages = planWorkers(pattern, values, inputs.noSynth);
  checkRounds(pattern, inputs.rounds ?? 1, penv.templates);
  // Every worker's prompt rendered and its agent's command filled and found, before anything exists.
  for (const workers of stages) {
    for (const w of workers) {
      const needs = Object.fromEntries(w.stage.needs.map((n) => [`needs.${n}`, `(results of stage ${n})`]));
      renderPrompt(penv.templates, w, values, needs, inputs.context);
      checkLaunch(w.stage.agent === 'synth' ? synth : main, forAgents, sandboxOf(w.stage), penv.env, inputs.dryRun, w.stage.web);
      if (w.stage.host) findHost(w.stage.host, loadHosts(penv.env, penv.cwd));
    }
  }
  const docVar = Object.entries(pattern.variables).find(([, v]) => v.type === 'file')?.[0];
  // run.json keeps absolute paths, so `--resume` (or a detached driver) finds the same files from any directory.
  const saved: PatternInputs = { ...inputs, vars: { ...inputs.vars }, agent: absoluteRef(inputs.agent, penv.cwd), synthAgent: inputs.synthAgent === undefined ? undefined : absoluteRef(inputs.synthAgent, penv.cwd) };
  for (const [name, spec] of Object.entries(pattern.variables)) if (spec.type === 'file' && values[name]) saved.vars[name] = values[name]!;
  const run = await createRun({
    name: o.name ?? (docVar ? `${pattern.name}-${values[docVar]!.split('/').pop()!.replace(/[\x00-\x1f\x7f]/g, '?')}` : pattern.name),
    cwd: penv.cwd, session: o.session, runsRoot: penv.runsRoot, server: penv.server, pattern: pattern.name,
    inputs: saved as unknown as Record<string, unknown>, agent: main.name, env: penv.env, warn: penv.warn,
  });
  return run;
}

// --rounds needs a verdict stage that names a stage to send its FAIL back to, whose template takes `feedback`.
function checkRounds(pattern: Pattern, rounds: number, templates: TemplateRegistry): void {
  if (rounds === 1) return;
  const judge = pattern.stages.find((s) => s.verdict?.retry);
  if (!judge) throw new UsageError(`--rounds ${rounds}: pattern ${pattern.name} has no verdict stage with \`verdict.retry\` (a stage its FAIL goes back to): drop --rounds`);
  const target = pattern.stages.find((s) => s.id === judge.verdict!.retry)!;
  const t = templates.get(target.template);
  if (t && !('feedback' in declaredVariables(t, (n) => templates.get(n)))) {
    throw new UsageError(`--rounds ${rounds}: stage ${target.id}'s template ${target.template} takes no \`feedback\` variable, so the verifier's findings could not reach it: add one (see templates/prompts/implementer.md)`);
  }
}

// Writers write in their tree; verifiers (scratch) write only in a copy; everyone else reads.
function sandboxOf(stage: Stage): 'workspace-write' | 'read-only' {
  return stage.write || stage.scratch ? 'workspace-write' : 'read-only';
}

// A run whose stages write somewhere gets a worktree under --worktrees.
function needsWorktree(pattern: Pattern): boolean {
  return pattern.stages.some((s) => s.write || s.scratch);
}

// An agent given as a path (./agent.yaml) is made absolute; a built-in name stays as it is.
function absoluteRef(ref: string, cwd: string): string {
  return ref.includes('/') || ref.endsWith('.yaml') || ref.endsWith('.yml') ? resolve(cwd, ref) : ref;
}

/** What a finished (or stopped) pattern run produced. */
export interface PatternOutcome {
  ok: boolean;
  /** Why it is not ok: a verdict's FAIL line, or the first worker that failed. */
  reason?: string;
  workers: WorkerStatus[];
  outputs: Record<string, string>;
  /** With --worktrees: what the writers changed (branch and changes.patch) and the tree it applies to. */
  changes?: Changes & { source: string };
}

/** Drives every stage of a run to its end; finished workers are kept, so this also resumes. */
export async function drivePatternRun(penv: PatternEnv, run: RunRecord, tmux: Tmux, onTick?: (w: WorkerStatus[]) => void): Promise<PatternOutcome> {
  // One driver per run: two `--resume`s at once would start (and set aside) each other's workers.
  const lock = acquireLock(runPaths(run.dir).driverLock);
  if ('heldBy' in lock) throw new UsageError(`Run ${run.id} is being driven by pid ${lock.heldBy.pid} (since ${lock.heldBy.since}): wait for it, or kill that process first`, { code: 'run_driven' });
  let outcome: PatternOutcome;
  try {
    outcome = await drive(penv, run, tmux, onTick);
  } finally {
    lock.release();
  }
  // The driver is done with the run: it ends here (once), and whoever listens hears it.
  if (endRunIfFinished(run.dir, 'driver', allWorkersFinished, { ok: outcome.ok, reason: outcome.reason, outputs: outcome.outputs })) {
    await notify(policyOf(run, penv.env), tmux, run.session, { event: 'run_finished', run: run.id, runDir: run.dir, time: new Date().toISOString(), detail: { ok: outcome.ok, workers: outcome.workers.map((w) => ({ name: w.name, state: w.state })) } });
  }
  return outcome;
}

// The run's policy, or the safe defaults when a config file is broken.
function policyOf(run: RunRecord, env: NodeJS.ProcessEnv): Policy {
  try {
    return loadPolicy(run.dir, run.cwd, env);
  } catch {
    return DEFAULT_POLICY;
  }
}

// The driver settles what it waited for, so result.md is on disk before a later stage reads it.
async function settleStage(run: RunRecord, tmux: Tmux, names: string[]): Promise<void> {
  const panes = await runPanes(run, tmux);
  for (const name of names) {
    try {
      settleWorker(run.dir, name, { panes, by: 'driver' });
    } catch {
      /* a full disk or a damaged record: the worker reads as not done */
    }
  }
}

async function drive(penv: PatternEnv, run: RunRecord, tmux: Tmux, onTick?: (w: WorkerStatus[]) => void): Promise<PatternOutcome> {
  const inputs = run.inputs as unknown as PatternInputs;
  const pattern = loadPattern(inputs.patternFile);
  const profiles = { main: loadProfile(inputs.agent, penv.cwd), synth: loadProfile(inputs.synthAgent ?? inputs.agent, penv.cwd) };
  const values = resolvePatternVars(pattern, inputs.vars, [...profileVariables(profiles.main), ...profileVariables(profiles.synth)]);
  const forAgents = agentVars(inputs.vars, [profiles.main, profiles.synth]);
  const rounds = inputs.rounds ?? 1;
  // The stages in the order they run; a verdict's FAIL with rounds left adds its retry stage and itself again.
  const queue: StageRun[] = planWorkers(pattern, values, inputs.noSynth).map((workers) => ({ stage: workers[0]!.stage, workers, round: 1 }));
  // With --worktrees every stage works in the run's one worktree (the writers' changes are what later stages see).
  const wt = inputs.worktrees && needsWorktree(pattern) && !inputs.dryRun ? await runWorktree(run) : undefined;
  const userTop = (await gitTop(run.cwd))?.top ?? run.cwd;
  const results: Record<string, string> = {};
  const outputs: Record<string, string> = {};
  const all: string[] = [];
  let failure: string | undefined;
  appendEvent(run.dir, { kind: 'run.driving', detail: { pattern: pattern.name, pid: process.pid } });
  // The run's folder on each host, made once per drive.
  const hostDirs = new Map<string, Promise<string>>();
  const hostDirOf = (h: Host) => hostDirs.get(h.name) ?? hostDirs.set(h.name, remoteRunDir(h, run)).get(h.name)!;
  // The run keeps a plan of its own: one step per stage run, closed as each ends (kept on --resume).
  let plan = readPlan(run.dir) ?? newPlan(queue.map(stepTitle));
  if (!readPlan(run.dir)) await publishPlan(run.dir, run.session, tmux, plan, { verb: 'driver', stage: queue[0]!.stage.id });
  for (let index = 0; index < queue.length; index++) {
    const { stage, workers, round } = queue[index]!;
    all.push(...workers.map((w) => w.name));
    const needs = Object.fromEntries(stage.needs.map((n) => [`needs.${n}`, results[n] ?? '']));
    // A stage sent back by a verdict gets that verdict's findings.
    const feedback = round > 1 ? results[queue.slice(0, index).reverse().find((r) => r.stage.verdict?.retry === stage.id)?.stage.id ?? ''] : undefined;
    const scratch: Workspace[] = [];
    const placed = new Map<string, Host | undefined>();
    const start = async (w: PlannedWorker) => {
      // A verifier gets a throw-away copy made now (after the writers) of the tree they wrote: the user's, or
      // the run's worktree (its test caches never reach the branch or changes.patch).
      const copy = stage.scratch && !inputs.dryRun ? await scratchCopy(run, w.name, wt?.cwd ?? run.cwd) : undefined;
      if (copy) scratch.push(copy);
      const ws = copy ?? wt;
      const prompt = renderPrompt(penv.templates, w, ws ? relocated(values, pattern, ws, run.cwd, userTop) : values, needs, inputs.context, run, feedback);
      const profile = stage.agent === 'synth' ? profiles.synth : profiles.main;
      if (stage.web && !profile.webSearch) warnOnce(penv, run, `agent ${profile.name} has no web search in its profile (webSearch:), so stage ${stage.id} works without it`);
      const host = placed.get(w.name);
      const record = prepareWorker({
        run, tmux, name: w.name, prompt, profile, cwd: host ? undefined : ws?.cwd ?? run.cwd, sandbox: sandboxOf(stage), webSearch: stage.web,
        rehearsal: inputs.dryRun, allowNested: true, env: penv.env, vars: forAgents, host, hostDir: host ? await hostDirOf(host) : undefined,
      });
      await launchPrepared(tmux, run, record, prompt, penv.env);
    };
    const pending = await workersToStart(run, tmux, workers);
    // Under --hosts, a stage that only reads (not the synthesis, no writers, no scratch copy) is spread over the hosts.
    const spread = inputs.hosts?.length && !stage.write && !stage.scratch && stage.agent !== 'synth' && !wt;
    const where = stage.host ? [stage.host] : spread ? inputs.hosts! : [];
    if (where.length) for (const [name, host] of placeWorkers(run.dir, pending.map((w) => w.name), where, penv.env, penv.cwd)) placed.set(name, host);
    let outcome: Awaited<ReturnType<typeof waitForWorkers>>;
    try {
      if (stage.write) {
        // One writer per working tree: a writer still running from before a --resume finishes first.
        const adopted = workers.filter((w) => !pending.includes(w)).map((w) => w.name);
        if (adopted.length && pending.length) await waitForWorkers(run, tmux, adopted);
        for (const w of pending) {
          await start(w);
          await waitForWorkers(run, tmux, [w.name]);
        }
      } else {
        // Every start settles before a failure is thrown, so the finally below sees every copy made.
        const started = await Promise.allSettled(pending.map(start));
        const failed = started.find((r) => r.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
      }
      outcome = await waitForWorkers(run, tmux, all, { onTick });
      await settleStage(run, tmux, workers.map((w) => w.name));
      // The driver applies the death policy too (resume, else rerun), so a review does not go on without a worker that can be restarted.
      while (await restartDead(run, tmux, workers.map((w) => w.name), penv.env)) {
        outcome = await waitForWorkers(run, tmux, all, { onTick });
        await settleStage(run, tmux, workers.map((w) => w.name));
      }
    } finally {
      for (const ws of scratch) await dropScratch(ws);
    }
    const stageWorkers = outcome.workers.filter((w) => workers.some((p) => p.name === w.name));
    results[stage.id] = workers.map((w) => labelledResult(run, w, stageWorkers.find((s) => s.name === w.name)?.state)).join('\n');
    if (stage.output) {
      const text = workers.length === 1 ? readResult(run, workers[0]!.name) ?? '' : results[stage.id]!;
      const path = join(run.dir, stage.output);
      writeFileAtomic(path, text);
      outputs[stage.output] = path;
    }
    const judged = judgeStage(run, stage, stageWorkers);
    // Only a FAIL goes back (its findings are what the retry stage acts on); no verdict at all ends the drive.
    const retry = judged.verdict === 'fail' && round < rounds ? queue.findIndex((r) => r.stage.id === stage.verdict?.retry) : -1;
    if (retry >= 0) {
      // Another round: the retry stage gets these findings, then this stage judges again (new workers, in the plan).
      const next: StageRun[] = [{ ...queue[retry]!, workers: inRound(queue[retry]!.workers, round + 1), round: round + 1 }, { stage, workers: inRound(queue[index]!.workers.map((w) => ({ ...w, name: baseName(w.name, round) })), round + 1), round: round + 1 }];
      queue.splice(index + 1, 0, ...next);
      plan = insertSteps(plan, index, next.map(stepTitle));
      appendEvent(run.dir, { kind: 'driver.round', detail: { stage: stage.id, round: round + 1, because: judged.reason } });
    } else if (judged.reason) {
      failure ??= judged.reason;
    }
    const stop = judged.verdict ? retry < 0 : stageWorkers.every((w) => w.state !== 'done');
    if (plan.steps[index]?.status !== (judged.reason ? 'failed' : 'completed')) {
      plan = closeStep(plan, index, judged.reason ? 'failed' : 'completed', !stop);
      await publishPlan(run.dir, run.session, tmux, plan, { verb: 'driver', [judged.reason ? 'failed' : 'completed']: stage.id, ...(judged.reason ? { reason: judged.reason } : {}) });
    }
    if (stop) break;
  }
  const final = await waitForWorkers(run, tmux, all, { onTick });
  const reason = failure;
  if (!wt) return { ok: reason === undefined, reason, workers: final.workers, outputs };
  let changes: Changes;
  try {
    changes = await collectChanges(run, wt);
  } catch (error) {
    // The work is done and stays in the worktree: say so, and end the run as it is.
    appendEvent(run.dir, { kind: 'run.changes-failed', detail: { error: String((error as Error).message), worktree: wt.root } });
    penv.warn?.(`the change could not be collected (${String((error as Error).message)}); it is in ${wt.root}`);
    return { ok: false, reason: reason ?? `the change could not be collected: ${String((error as Error).message)}`, workers: final.workers, outputs };
  }
  outputs['changes.patch'] = changes.patch;
  appendEvent(run.dir, { kind: 'run.changes', detail: { ...changes } });
  return { ok: reason === undefined, reason, workers: final.workers, outputs, changes: { ...changes, source: wt.source } };
}

// A worker's name in round 1 (round n's names end in -n).
function baseName(name: string, round: number): string {
  return round > 1 && name.endsWith(`-${round}`) ? name.slice(0, -`-${round}`.length) : name;
}

/** How a stage ended: failed when a worker did not finish done, or when its verdict is FAIL (`fail`) or missing (`none`). */
function judgeStage(run: RunRecord, stage: Stage, workers: WorkerStatus[]): { reason?: string; verdict?: 'fail' | 'none' } {
  const failed = workers.find((w) => w.state !== 'done');
  if (failed) return { reason: `worker ${failed.name} ${failed.state}${failed.reason ? `: ${failed.reason}` : ''}` };
  if (!stage.verdict) return {};
  for (const w of workers) {
    const verdict = readVerdict(readResult(run, w.name), stage.verdict);
    appendEvent(run.dir, { worker: w.name, kind: 'stage.verdict', detail: { stage: stage.id, decision: verdict.decision, line: verdict.line.slice(0, 200) } });
    if (verdict.decision !== 'pass') return { reason: verdictReason(w.name, verdict), verdict: verdict.decision };
  }
  return {};
}

// File variables as a stage working in a copy sees them: paths inside the tree become relative to its cwd.
function relocated(values: Record<string, string>, pattern: Pattern, ws: Workspace, runCwd: string, userTop: string): Record<string, string> {
  const out = { ...values };
  for (const [name, spec] of Object.entries(pattern.variables)) if (spec.type === 'file' && out[name]) out[name] = pathInCopy(out[name]!, ws, runCwd, userTop);
  return out;
}

// Said once per run (the event log keeps it), not once per worker.
function warnOnce(penv: PatternEnv, run: RunRecord, line: string): void {
  const seen = (warned.get(run.dir) ?? new Set<string>());
  warned.set(run.dir, seen);
  if (seen.has(line)) return;
  seen.add(line);
  penv.warn?.(line);
  appendEvent(run.dir, { kind: 'driver.warning', detail: { message: line } });
}
const warned = new Map<string, Set<string>>();

/** Restarts the stage's workers that died without a result as the monitor's policy allows (a resume, or a
 * rerun when there is nothing to resume); true when any was. */
async function restartDead(run: RunRecord, tmux: Tmux, names: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  const policy = policyOf(run, env);
  let resumed = false;
  const refused = new Map<string, number>();
  for (const name of names) {
    const rec = readWorker(run.dir, name);
    if (!rec || rec.rehearsal) continue;
    const limit = limitInTranscript(rec);
    const input = { worker: rec, state: rec.state, memory: { answered: [], rerunRefused: refused.get(name) }, policy, nowMs: Date.now(), sessionId: sessionIdOf(rec), canResume: Boolean(rec.resumeArgv), limit };
    if (!shouldResume(input)) {
      if (!shouldRerun(input)) continue;
      try {
        await rerunWorker(run, tmux, name, env);
        resumed = true;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'worker_running' || code === 'resume_in_progress') resumed = true;
        else appendEvent(run.dir, { worker: name, kind: 'driver.rerun-refused', detail: { error: String((error as Error).message), code: code ?? null } });
      }
      continue;
    }
    // Died at a usage limit: resumed after the reset it named, not straight back into it.
    if (limit?.resetsAt !== undefined && limit.resetsAt > Date.now()) {
      appendEvent(run.dir, { worker: name, kind: 'driver.waiting-limit', detail: { resetsAt: new Date(limit.resetsAt).toISOString() } });
      while (Date.now() < limit.resetsAt) await new Promise((r) => setTimeout(r, Math.min(limit.resetsAt! - Date.now(), LIMIT_WAIT_STEP_MS)));
      // Hours may have passed: the worker may have been resumed by the monitor, or killed, since.
      const now = readWorker(run.dir, name);
      if (!now || !shouldResume({ ...input, worker: now, state: now.state, nowMs: Date.now(), limit: undefined })) {
        resumed ||= now?.state === 'pending' || now?.state === 'running';
        continue;
      }
    }
    try {
      await resumeWorker(run, tmux, name, env);
      resumed = true;
    } catch (error) {
      // The monitor got there first: the worker runs again all the same, and the stage waits for it.
      const code = (error as { code?: string }).code;
      if (code === 'worker_running' || code === 'resume_in_progress') resumed = true;
      else appendEvent(run.dir, { worker: name, kind: 'driver.resume-failed', detail: { error: String((error as Error).message) } });
    }
  }
  return resumed;
}

/** Workers of a stage that need starting: new ones, and failed/lost/killed ones (moved aside first). */
async function workersToStart(run: RunRecord, tmux: Tmux, workers: PlannedWorker[]): Promise<PlannedWorker[]> {
  const panes = await runPanes(run, tmux);
  const out: PlannedWorker[] = [];
  for (const w of workers) {
    const rec = readWorker(run.dir, w.name);
    if (!rec) {
      if (existsSync(workerPaths(run.dir, w.name).dir)) await setAside(run, tmux, w.name, undefined);
      out.push(w);
      continue;
    }
    const state: DerivedState = deriveTruth(rec, gatherEvidence(rec, panes)).state;
    // A worker whose host does not answer may still be working there: left alone, like a running one.
    if (state === 'done' || state === 'running' || state === 'pending' || state === 'unreachable') continue;
    await setAside(run, workerTmux(rec, tmux), w.name, rec.paneId);
    out.push(w);
  }
  return out;
}

// A worker that failed keeps its files under attempts/ and its window goes; the new attempt gets the name.
async function setAside(run: RunRecord, tmux: Tmux, name: string, paneId: string | undefined): Promise<void> {
  if (paneId) await tmux.killWindow(paneId).catch(() => undefined);
  const attempts = join(run.dir, 'attempts');
  mkdirSync(attempts, { recursive: true, mode: 0o700 });
  renameSync(workerPaths(run.dir, name).dir, join(attempts, `${name}-${Date.now()}`));
  appendEvent(run.dir, { worker: name, kind: 'worker.restarting' });
}

function readResult(run: RunRecord, name: string): string | undefined {
  try {
    return readFileSync(workerPaths(run.dir, name).result, 'utf8');
  } catch {
    return undefined;
  }
}

// One worker's result as the next stage sees it: a heading with the worker and its item, then its answer;
// a worker without one is named as missing, and nothing it left elsewhere (its screen's last words in its
// failure's reason included) is passed on as findings.
function labelledResult(run: RunRecord, w: PlannedWorker, state: DerivedState | undefined): string {
  const title = w.item ? ` (${w.item.title})` : '';
  const text = readResult(run, w.name);
  const body = state === 'done' && text !== undefined ? text.trim()
    : text !== undefined ? `(this worker ended ${state ?? 'unknown'}; its last message follows)\n\n${text.trim()}`
    : `(no result: this worker ended ${state ?? 'unknown'} without an answer; treat its part as missing)`;
  return `### ${w.name}${title}\n\n${body}\n`;
}

/** Paths people look at after a run. */
export function runOutputs(run: RunRecord): { synthesis?: string } {
  const p = runPaths(run.dir).synthesis;
  return existsSync(p) && statSync(p).isFile() ? { synthesis: p } : {};
}

