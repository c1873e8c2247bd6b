// Running one stage of a drive: its workers started (writers one at a time, readers together, verifiers in a
// throw-away copy, read-only stages spread over --hosts), waited for, settled, and restarted by the death
// policy (resume, else rerun) until none can be; a --resume keeps finished workers and sets failed ones aside.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentProfile } from '../agents/profile.js';
import type { Host } from '../core/host.js';
import { workerPaths } from '../core/paths.js';
import { shouldRerun, shouldResume, type DecideInput } from '../core/policy.js';
import { DEFAULT_POLICY, type Policy } from '../core/policy-defaults.js';
import type { RunRecord } from '../core/run.js';
import { LIMIT_WAIT_STEP_MS, QUEUE_POLL_MS } from '../core/timing.js';
import { deriveTruth } from '../core/truth.js';
import type { DerivedState } from '../core/worker.js';
import { workerTmux } from '../sites/remote.js';
import { appendEvent } from '../store/events.js';
import { loadPolicy } from '../store/policy.js';
import { readWorker } from '../store/records.js';
import { gatherEvidence, settleWorker } from '../store/worker.js';
import { runPanes } from '../supervise/host-sync.js';
import { accountOf, launchPrepared, prepareWorker } from '../supervise/launch.js';
import { limitInTranscript } from '../supervise/limits.js';
import { notify } from '../supervise/notify.js';
import { recordQuotaWall, wallAhead } from '../supervise/quota.js';
import { globalRoom } from '../supervise/queue.js';
import { runStatus, type WorkerStatus } from '../supervise/observe.js';
import { checkBudget, remainingUsd, type Budget } from './budget.js';
import { hostRoom, placeWorkers } from '../supervise/placement.js';
import { rerunWorker, resumeWorker, sessionIdOf } from '../supervise/restart.js';
import { waitForWorkers } from '../supervise/wait.js';
import type { Tmux } from '../tmux/index.js';
import type { PatternEnv, PatternInputs } from './inputs.js';
import type { Pattern } from './pattern.js';
import { renderPrompt, sandboxOf, type PlannedWorker, type StageRun } from './stages.js';
import { dropScratch, pathInCopy, scratchCopy, type RunWorktree, type Workspace } from './workspace.js';
import { writerWorktree, type WriterWorktree } from './writers.js';

/** What every stage of one drive shares: the run, its inputs as resolved, where writers work, who listens. */
export interface Drive {
  penv: PatternEnv;
  run: RunRecord;
  tmux: Tmux;
  inputs: PatternInputs;
  pattern: Pattern;
  profiles: { main: AgentProfile; synth: AgentProfile };
  values: Record<string, string>;
  /** The --var values meant for the agents' own placeholders. */
  forAgents: Record<string, string>;
  /** With --worktrees: the run's one worktree (every stage works there, but per-writer writers). */
  wt?: RunWorktree;
  /** With --worktrees=per-writer: the writers' own worktrees so far, in stage order (the order they merge in). */
  writers?: WriterWorktree[];
  /** Top of the user's tree (its git toplevel, else the run's cwd). */
  userTop: string;
  /** The run's folder on a host, made once per drive. */
  hostDir: (h: Host) => Promise<string>;
  /** Every worker the drive has started or kept so far (waits cover them all). */
  all: string[];
  onTick?: (w: WorkerStatus[]) => void;
  /** At most this many of the run's workers live at once: --max-parallel, else the policy's concurrency.perRun. */
  maxParallel?: number;
  /** With --budget-usd: the run's limit, and once passed, why it stops. */
  budget?: Budget;
}

/** The run's policy, or the safe defaults when a config file is broken. */
export function policyOf(run: RunRecord, env: NodeJS.ProcessEnv): Policy {
  try {
    return loadPolicy(run.dir, run.cwd, env);
  } catch {
    return DEFAULT_POLICY;
  }
}

/** Runs one stage to its end: starts what needs starting, waits for every worker so far, restarts the dead as
 * the policy allows. `needs` are the earlier stages' results; `feedback` a verdict's findings sent back. */
export async function runStage(d: Drive, sr: StageRun, needs: Record<string, string>, feedback?: string): Promise<WorkerStatus[]> {
  const { run, tmux, penv, inputs } = d;
  const { stage, workers } = sr;
  d.all.push(...workers.map((w) => w.name));
  const names = workers.map((w) => w.name);
  const pending = await workersToStart(run, tmux, workers);
  // Under --hosts, a stage that only reads (not the synthesis, no writers, no scratch copy) is spread over the hosts.
  const spread = inputs.hosts?.length && !stage.write && !stage.scratch && stage.agent !== 'synth' && !d.wt;
  const where = stage.host ? [stage.host] : spread ? inputs.hosts! : [];
  // Placed as they start (hosts' maxWorkers are caps: a batch is no larger than the hosts' free slots).
  const placed = new Map<string, Host | undefined>();
  const hosts: Hosts | undefined = where.length ? {
    room: () => hostRoom(run.dir, where, penv.env, penv.cwd),
    place: (names) => { for (const [n, h] of placeWorkers(run.dir, names, where, penv.env, penv.cwd)) placed.set(n, h); },
  } : undefined;
  const scratch: Workspace[] = [];
  const start = async (w: PlannedWorker) => {
    // A verifier gets a throw-away copy made now (after the writers) of the tree they wrote: the user's, or
    // the run's worktree (its test caches never reach the branch or changes.patch).
    const copy = stage.scratch && !inputs.dryRun ? await scratchCopy(run, w.name, d.wt?.cwd ?? run.cwd) : undefined;
    if (copy) scratch.push(copy);
    // Per-writer: a writer works in its own worktree, made from the run's branch as the last merge left it.
    const own = stage.write && d.writers && d.wt ? await writerWorktree(run, d.wt, w.name) : undefined;
    const ws = copy ?? own ?? d.wt;
    const prompt = renderPrompt(penv.templates, w, ws ? relocated(d, ws) : d.values, needs, inputs.context, run, feedback);
    const profile = stage.agent === 'synth' ? d.profiles.synth : d.profiles.main;
    if (stage.web && !profile.webSearch) warnOnce(d, `agent ${profile.name} has no web search in its profile (webSearch:), so stage ${stage.id} works without it`);
    const host = placed.get(w.name);
    const record = prepareWorker({
      run, tmux, name: w.name, prompt, profile, cwd: host ? undefined : ws?.cwd ?? run.cwd, sandbox: sandboxOf(stage), webSearch: stage.web,
      rehearsal: inputs.dryRun, allowNested: true, env: penv.env, vars: d.forAgents, host, hostDir: host ? await d.hostDir(host) : undefined, budgetUsd: remainingUsd(d.budget),
    });
    await launchPrepared(tmux, run, record, prompt, penv.env);
  };
  try {
    if (stage.write && !d.writers) {
      // One writer per working tree: a writer still running from before a --resume finishes first.
      const adopted = workers.filter((w) => !pending.includes(w)).map((w) => w.name);
      if (adopted.length && pending.length) await waitForWorkers(run, tmux, adopted);
      for (const w of pending) {
        const seen = await runStatus(run, tmux);
        if (budgetPassed(d, seen)) break;
        await pauseAtWall(d, seen);
        await start(w);
        await waitForWorkers(run, tmux, [w.name], { onTick: tick(d) });
      }
    } else {
      // Readers, and per-writer writers (each in its own tree), start together. The writers' worktrees are made
      // first, one at a time (one git repository). Every start settles before a failure is thrown, so the
      // finally below sees every copy made.
      if (stage.write && d.writers && d.wt) for (const w of pending) await writerWorktree(run, d.wt, w.name);
      await startWithin(d, pending, start, hosts);
    }
    let outcome = await waitForWorkers(run, tmux, d.all, { onTick: tick(d) });
    await settleStage(run, tmux, names);
    // The driver applies the death policy too (resume, else rerun), so a review does not go on without a worker that can be restarted.
    while (!d.budget?.passed && (await restartDead(run, tmux, names, penv.env))) {
      outcome = await waitForWorkers(run, tmux, d.all, { onTick: tick(d) });
      await settleStage(run, tmux, names);
    }
    return outcome.workers.filter((w) => names.includes(w.name));
  } finally {
    for (const ws of scratch) await dropScratch(ws);
  }
}

// Starts workers together, at most --max-parallel of the run's workers live at once (and within
// concurrency.global and the hosts' free slots): the rest start in order as others end. Each round takes
// one look at the run, which the budget, the usage-limit walls and the live count all read. Every start
// settles before a failure is thrown (the caller drops the copies made).
async function startWithin(d: Drive, pending: PlannedWorker[], start: (w: PlannedWorker) => Promise<void>, hosts?: Hosts): Promise<void> {
  const limit = d.maxParallel ?? Number.POSITIVE_INFINITY;
  const queue = [...pending];
  while (queue.length) {
    const seen = await runStatus(d.run, d.tmux);
    // Past the budget, nothing more starts.
    if (budgetPassed(d, seen)) return;
    if (await pauseAtWall(d, seen)) continue;
    const live = liveIn(d, seen);
    // Full by this run's own workers (--max-parallel, the hosts' maxWorkers): one of them ends first.
    const own = Math.min(limit - live.length, hosts?.room() ?? Number.POSITIVE_INFINITY);
    if (own <= 0 && live.length) {
      await waitForWorkers(d.run, d.tmux, live, { any: true, onTick: tick(d) });
      continue;
    }
    // concurrency.global: slots other runs hold free up without a word to this drive, so it looks again.
    const room = Math.min(own, globalRoom(d.run, d.penv.env));
    if (room <= 0) {
      if (live.length) await waitForWorkers(d.run, d.tmux, live, { any: true, timeoutMs: QUEUE_POLL_MS, onTick: tick(d) });
      else await new Promise((r) => setTimeout(r, QUEUE_POLL_MS));
      continue;
    }
    const batch = queue.splice(0, room);
    hosts?.place(batch.map((w) => w.name));
    const started = await Promise.allSettled(batch.map(start));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}

// Nothing new starts into a usage limit a worker of this run met (supervise/quota.ts): the queue waits for the
// reset, and the first to see a wall tells people once per run. True when it waited.
async function pauseAtWall(d: Drive, seen: WorkerStatus[]): Promise<boolean> {
  const agent = d.profiles.main.name;
  const account = accountOf(d.profiles.main, d.penv.env);
  const ended = seen.filter((w) => d.all.includes(w.name) && (w.state === 'failed' || w.state === 'lost'));
  for (const w of ended) {
    const rec = readWorker(d.run.dir, w.name);
    const resetsAt = rec && rec.agent === agent && rec.account === account ? limitInTranscript(rec)?.resetsAt : undefined;
    if (resetsAt === undefined || resetsAt <= Date.now() || !recordQuotaWall(d.run.dir, { agent, account, resetsAt, worker: w.name })) continue;
    await notify(policyOf(d.run, d.penv.env), d.tmux, d.run.session, { event: 'rate_limited', run: d.run.id, worker: w.name, runDir: d.run.dir, time: new Date().toISOString(), detail: { resetsAt: new Date(resetsAt).toISOString(), agent, by: 'driver' } });
  }
  const until = wallAhead(d.run.dir, agent, account);
  if (until === undefined) return false;
  appendEvent(d.run.dir, { kind: 'driver.paused', detail: { agent, until: new Date(until).toISOString() } });
  while (Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(until - Date.now(), LIMIT_WAIT_STEP_MS)));
  return true;
}

// The budget checked against a look taken after the last settling (a wait's last look may have come before
// the usage was recorded), before anything more starts; true when it is passed. What is left of
// --budget-usd then reaches the next worker's {{budgetUsd}}.
function budgetPassed(d: Drive, seen: WorkerStatus[]): boolean {
  checkBudget(d.budget, d.run, d.tmux, seen);
  return Boolean(d.budget?.passed);
}

// What every wait of the drive hears: the listener's progress, and the budget's check.
function tick(d: Drive): (w: WorkerStatus[]) => void {
  return (workers) => {
    d.onTick?.(workers);
    checkBudget(d.budget, d.run, d.tmux, workers);
  };
}

/** Where a stage under --hosts places its workers: the hosts' free slots now, and a host for each of a batch. */
interface Hosts {
  room: () => number;
  place: (names: string[]) => void;
}

// The drive's workers that have started and not ended (an interactive worker idle at its prompt counts).
function liveIn(d: Drive, seen: WorkerStatus[]): string[] {
  const started = new Set(d.all);
  return seen.filter((w) => started.has(w.name) && (w.state === 'pending' || w.state === 'running' || w.state === 'unreachable')).map((w) => w.name);
}

// File variables as a stage working in a copy sees them: paths inside the tree become relative to its cwd.
function relocated(d: Drive, ws: Workspace): Record<string, string> {
  const out = { ...d.values };
  for (const [name, spec] of Object.entries(d.pattern.variables)) if (spec.type === 'file' && out[name]) out[name] = pathInCopy(out[name]!, ws, d.run.cwd, d.userTop);
  return out;
}

// Said once per run (the event log keeps it), not once per worker.
function warnOnce(d: Drive, line: string): void {
  const seen = warned.get(d.run.dir) ?? new Set<string>();
  warned.set(d.run.dir, seen);
  if (seen.has(line)) return;
  seen.add(line);
  d.penv.warn?.(line);
  appendEvent(d.run.dir, { kind: 'driver.warning', detail: { message: line } });
}
const warned = new Map<string, Set<string>>();

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

// A restart already under way elsewhere (the monitor got there first) counts: the stage waits for it.
const restartingElsewhere = (error: unknown) => ['worker_running', 'resume_in_progress'].includes((error as { code?: string }).code ?? '');

/** Restarts the stage's workers that died without a result as the monitor's policy allows (a resume, or a
 * rerun when there is nothing to resume); true when any was. */
async function restartDead(run: RunRecord, tmux: Tmux, names: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  const policy = policyOf(run, env);
  let restarted = false;
  for (const name of names) {
    const rec = readWorker(run.dir, name);
    if (!rec || rec.rehearsal) continue;
    const input: DecideInput = { worker: rec, state: rec.state, memory: { answered: [] }, policy, nowMs: Date.now(), sessionId: sessionIdOf(rec), canResume: Boolean(rec.resumeArgv), limit: limitInTranscript(rec) };
    if (shouldResume(input)) {
      if (!(await limitPassed(run, name, input))) {
        restarted ||= ['pending', 'running'].includes(readWorker(run.dir, name)?.state ?? '');
        continue;
      }
      try {
        await resumeWorker(run, tmux, name, env);
        restarted = true;
      } catch (error) {
        if (restartingElsewhere(error)) restarted = true;
        else appendEvent(run.dir, { worker: name, kind: 'driver.resume-failed', detail: { error: String((error as Error).message) } });
      }
    } else if (shouldRerun(input)) {
      try {
        await rerunWorker(run, tmux, name, env);
        restarted = true;
      } catch (error) {
        if (restartingElsewhere(error)) restarted = true;
        else appendEvent(run.dir, { worker: name, kind: 'driver.rerun-refused', detail: { error: String((error as Error).message), code: (error as { code?: string }).code ?? null } });
      }
    }
  }
  return restarted;
}

// A worker that died at a usage limit is resumed after the reset it named, not straight back into it. False
// when, once the limit passed, it should no longer be resumed (the monitor resumed it, or someone killed it).
async function limitPassed(run: RunRecord, name: string, input: DecideInput): Promise<boolean> {
  const resetsAt = input.limit?.resetsAt;
  if (resetsAt === undefined || resetsAt <= Date.now()) return true;
  appendEvent(run.dir, { worker: name, kind: 'driver.waiting-limit', detail: { resetsAt: new Date(resetsAt).toISOString() } });
  while (Date.now() < resetsAt) await new Promise((r) => setTimeout(r, Math.min(resetsAt - Date.now(), LIMIT_WAIT_STEP_MS)));
  // Hours may have passed.
  const now = readWorker(run.dir, name);
  return Boolean(now && shouldResume({ ...input, worker: now, state: now.state, nowMs: Date.now(), limit: undefined }));
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
