// One monitor pass over every live run: one list-panes per tmux server, a capture only where activity
// moved or a state needs confirming, the policy's actions, events, a status.json snapshot, notices.
import { workerTmux } from '../sites/remote.js';
import { syncHosts } from './host-sync.js';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeJsonAtomic } from '../os/atomic.js';
import { appendEvent } from '../store/events.js';
import { addToIndex, readIndex, type IndexEntry } from '../store/index-file.js';
import { endRunIfFinished, readRun, settleRunIntents } from '../store/run.js';
import { NoServerError, socketPathOf, Tmux, type TmuxServer } from '../tmux/index.js';
import { clearInterrupted, killWorker, markInterrupted } from './kill.js';
import { FINISHED, type WorkerRecord, type DerivedState } from '../core/worker.js';
import { rerunWorker, resumeWorker, sessionIdOf } from './restart.js';
import { sendMessage } from './send.js';
import { PANE_FIELDS, paneInfo, paneMap, type PaneInfo, type PaneMap } from '../core/panes.js';
import { allWorkersFinished, gatherEvidence, removeUnmadeWorkers, settleWorker } from '../store/worker.js';
import { deriveTruth } from '../core/truth.js';
import type { Classification } from '../core/classify.js';
import { captureScreen } from './screen.js';
import { judge } from '../core/evidence.js';
import { limitInTranscript } from './limits.js';
import { recordQuotaWall, wallAhead } from './quota.js';
import { startQueued } from './queue.js';
import { newestHookLine } from '../runner/hooks.js';
import { runPaths } from '../core/paths.js';
import { DEFAULT_POLICY, loadPolicy, workerPolicy } from '../store/policy.js';
import { frozenPolicy } from '../store/policy-snapshot.js';
import { parseDuration } from '../core/format.js';
import { notify, tellClients } from './notify.js';
import { decide, shouldResume, silenceStart, type Action, type WorkerMemory } from '../core/policy.js';
import { listWorkerNames, readWorker } from '../store/records.js';
import { runEnded, type RunRecord } from '../core/run.js';
import { type Policy } from '../core/policy-defaults.js';
import { ACTIVITY_RESOLUTION_MS, MONITOR_KILL_GRACE_MS } from '../core/timing.js';
import { formatDuration } from '../core/format.js';

/** What the monitor knows about one run between passes (monitor.json in the run directory). */
interface RunMemory {
  workers: Record<string, WorkerMemory>;
}

/** One worker as a pass saw it. */
export interface WorkerObservation {
  name: string;
  state: DerivedState;
  screen?: string;
  /** rate_limited: when the agent said the limit resets. */
  resetsAt?: string;
  reason?: string;
  silentSeconds?: number;
  captured: boolean;
  /** Where the state came from for a worker with hooks: its newest hook line, or the screen. */
  from?: 'hook' | 'screen' | 'none';
  actions: string[];
}

/** One run as a pass saw it. */
export interface RunObservation {
  run: string;
  dir: string;
  workers: WorkerObservation[];
}

/** What a pass did, for --json and for the benchmark (tmux calls counted). */
export interface PassReport {
  time: string;
  runs: RunObservation[];
  actions: number;
  tmuxCalls: number;
  /** Ended runs whose tmux session this pass closed (their `sessions.keepAfterEnd` had passed). */
  sessionsClosed: string[];
}

const LIST_FIELDS = [...PANE_FIELDS, 'session_name', '@orch_run_dir'] as const;

/** Finds live runs: sessions carrying @orch_run_dir on each known server, plus active runs in the index. */
async function discover(explicit: TmuxServer, env: NodeJS.ProcessEnv, count: () => void): Promise<{ tmux: Tmux; runs: RunRecord[]; ended: IndexEntry[]; sessions: Set<string>; panes: PaneMap }[]> {
  const servers = new Map<string, TmuxServer>();
  if (explicit.socketName || explicit.socketPath) servers.set('explicit', explicit);
  else for (const e of readIndex()) if (e.socketPath) servers.set(e.socketPath, { socketPath: e.socketPath });
  const out = [];
  for (const server of servers.values()) {
    const tmux = new Tmux(server);
    let rows: Record<(typeof LIST_FIELDS)[number], string>[] = [];
    const listedAt = Date.now();
    try {
      count();
      rows = await tmux.listPanes(LIST_FIELDS);
    } catch (error) {
      if (!(error instanceof NoServerError)) throw error;
    }
    const dirs = new Set(rows.map((r) => r['@orch_run_dir']).filter(Boolean));
    // Runs whose session is gone (killed, tmux restarted) are found through the index, whichever way the socket was given.
    const socketPath = socketPathOf(server, env);
    const index = readIndex();
    for (const e of index) if (socketPath && e.socketPath && resolve(e.socketPath) === socketPath) dirs.add(e.dir);
    // An ended run is left alone without opening any of its files: the index says it ended.
    const ended = new Set(index.filter((e) => runEnded(e.state)).map((e) => e.dir));
    const runs: RunRecord[] = [];
    for (const dir of dirs) {
      if (ended.has(dir)) continue;
      try {
        settleRunIntents(dir);
        const run = readRun(dir);
        if (runEnded(run.state)) addToIndex({ id: run.id, dir: run.dir, session: run.session, socketPath: run.socketPath, created: run.created, state: run.state, endedAt: run.endedAt });
        else runs.push(run);
      } catch {
        /* run directory removed: nothing to supervise */
      }
    }
    const sessions = new Set(rows.map((r) => r.session_name));
    // Ended runs of this server whose session is still open: closed once their policy's time has passed.
    const endedOpen = index.filter((e) => ended.has(e.dir) && sessions.has(e.session) && (dirs.has(e.dir) || (socketPath && e.socketPath && resolve(e.socketPath) === socketPath)));
    out.push({ tmux, runs, ended: endedOpen, sessions, panes: paneMap(rows.map((r) => [r.pane_id, paneInfo(r)]), listedAt) });
  }
  return out;
}

// An ended run's session (its board's last frame, its dead panes) is closed once the run's frozen
// `sessions.keepAfterEnd` has passed since it ended; its files stay (`orch-tmux prune --files` removes them).
async function closeEndedSession(tmux: Tmux, e: IndexEntry, nowMs: number, count: () => void): Promise<boolean> {
  let endedAt = e.endedAt ?? undefined;
  let keep = DEFAULT_POLICY.sessions.keepAfterEnd;
  try {
    endedAt ??= readRun(e.dir).endedAt;
    keep = frozenPolicy(e.dir)?.sessions.keepAfterEnd ?? keep;
  } catch {
    /* its folder is gone or damaged: the defaults decide */
  }
  const keepMs = parseDuration(keep) ?? Infinity;
  if (endedAt === undefined || !(nowMs - Date.parse(endedAt) >= keepMs)) return false;
  count();
  await tmux.killSession(e.session).catch(() => undefined);
  try {
    appendEvent(e.dir, { kind: 'run.session-closed', detail: { by: 'monitor', session: e.session, keepAfterEnd: keep } });
  } catch {
    /* its folder is gone: the session was all there was */
  }
  return true;
}

function readMemory(run: RunRecord): RunMemory {
  try {
    return JSON.parse(readFileSync(runPaths(run.dir).monitorState, 'utf8')) as RunMemory;
  } catch {
    return { workers: {} };
  }
}

/** Runs one pass; `env` is handed to resumed workers. */
export async function monitorPass(o: { server: TmuxServer; env: NodeJS.ProcessEnv; nowMs?: number }): Promise<PassReport> {
  let tmuxCalls = 0;
  const count = () => void tmuxCalls++;
  const report: PassReport = { time: new Date().toISOString(), runs: [], actions: 0, tmuxCalls: 0, sessionsClosed: [] };
  for (const { tmux, runs, ended, sessions, panes } of await discover(o.server, o.env, count)) {
    for (const e of ended) if (await closeEndedSession(tmux, e, o.nowMs ?? Date.now(), count)) report.sessionsClosed.push(e.id);
    for (const run of runs) {
      // A session missing from the listing is gone, unless the run was made after the listing was asked for.
      const gone = !sessions.has(run.session) && !(Date.parse(run.created) >= (panes.listedAt ?? 0));
      const obs = await superviseRun(run, tmux, gone ? 'gone' : panes, o.env, o.nowMs ?? Date.now(), count);
      report.actions += obs.workers.reduce((n, w) => n + w.actions.length, 0);
      report.runs.push(obs);
    }
  }
  report.tmuxCalls = tmuxCalls;
  return report;
}

// What one run's supervision in a pass shares.
interface RunPass {
  run: RunRecord;
  tmux: Tmux;
  panes: PaneMap | 'gone';
  env: NodeJS.ProcessEnv;
  nowMs: number;
  count: () => void;
  policy: Policy;
  /** What attached clients are told, once at the end of the pass. */
  messages: string[];
}

async function superviseRun(run: RunRecord, tmux: Tmux, panes: PaneMap | 'gone', env: NodeJS.ProcessEnv, nowMs: number, count: () => void): Promise<RunObservation> {
  for (const name of removeUnmadeWorkers(run.dir, nowMs)) appendEvent(run.dir, { kind: 'run.unmade-worker-removed', detail: { name, by: 'monitor' } });
  await startQueued(run, tmux, env, 'monitor');
  const pass: RunPass = { run, tmux, panes, env, nowMs, count, policy: runPolicy(run, env), messages: [] };
  // Remote workers' facts home and their hosts' panes noted, before any of them is judged.
  await syncHosts(run);
  const memory = readMemory(run);
  const observations: WorkerObservation[] = [];
  // Each screen is captured right before its worker's actions (an earlier worker's kill or resume may take
  // seconds: a screen captured before it could be stale by the time keys are sent).
  for (const name of listWorkerNames(run.dir)) {
    if (!readWorker(run.dir, name)) continue;
    const mem: WorkerMemory = memory.workers[name] ?? { answered: [] };
    memory.workers[name] = mem;
    const obs = await superviseWorker(pass, name, mem);
    if (obs) observations.push(obs);
  }
  await endIfSettled(pass, observations);
  await tellClients(tmux, run.session, pass.messages);
  try {
    writeJsonAtomic(runPaths(run.dir).monitorState, memory, 0o600, false);
    writeJsonAtomic(runPaths(run.dir).status, { time: new Date(nowMs).toISOString(), run: run.id, session: run.session, workers: observations }, 0o600, false);
  } catch {
    /* a full disk must not stop the supervision of other runs */
  }
  return { run: run.id, dir: run.dir, workers: observations };
}

// A broken config file must not stop supervision: the run gets the safe defaults, and the reason is said.
function runPolicy(run: RunRecord, env: NodeJS.ProcessEnv): Policy {
  try {
    return loadPolicy(run.dir, run.cwd, env);
  } catch (error) {
    appendEvent(run.dir, { kind: 'monitor.config-error', detail: { error: String((error as Error).message) } });
    process.stderr.write(`orch-tmux monitor: ${String((error as Error).message)} (using the safe defaults)\n`);
    return DEFAULT_POLICY;
  }
}

// One worker: settled from the evidence, its screen read when it runs, and the policy's actions carried out.
async function superviseWorker(pass: RunPass, name: string, mem: WorkerMemory): Promise<WorkerObservation | undefined> {
  const { run, panes, nowMs } = pass;
  // The monitor is a writer: it settles what the evidence shows (a runner killed -9, a vanished pane).
  let rec: WorkerRecord | undefined;
  try {
    rec = settleWorker(run.dir, name, { panes, by: 'monitor' }) ?? readWorker(run.dir, name);
  } catch {
    rec = readWorker(run.dir, name); // a full disk, or the folder moved aside: supervise from what is on disk
  }
  if (!rec) return undefined;
  const truth = deriveTruth(rec, gatherEvidence(rec, panes, nowMs));
  const obs: WorkerObservation = { name, state: truth.state, captured: false, actions: [] };
  // Its host answers again: a later loss of it is news again.
  if (mem.reported === 'unreachable' && truth.state !== 'unreachable') mem.reported = undefined;
  const policy = workerPolicy(pass.policy, rec);
  const screen = truth.state === 'running' && truth.pane && !truth.pane.dead ? await readScreen(pass, rec, truth.pane, mem, policy, obs) : undefined;
  // A worker that died at a usage limit is resumed after the reset, not into the same limit, nor into a later
  // one another worker of its agent met (the run's wall).
  const dead = truth.state === 'failed' || truth.state === 'lost';
  const own = dead ? limitInTranscript(rec) : undefined;
  const wall = dead ? wallAhead(pass.run.dir, rec.agent, rec.account, nowMs) : undefined;
  const limit = wall !== undefined && !(own?.resetsAt !== undefined && own.resetsAt >= wall) ? { resetsAt: wall } : own;
  const input = {
    worker: rec, state: truth.state, screen, memory: mem, policy, nowMs, activityMs: truth.pane?.activity,
    sessionId: sessionIdOf(rec), canResume: Boolean(rec.resumeArgv) && !rec.rehearsal, limit,
  };
  // Waiting for its limit to reset before a resume: the run is not over.
  if (limit?.resetsAt !== undefined && nowMs < limit.resetsAt && shouldResume(input)) obs.resetsAt = new Date(limit.resetsAt).toISOString();
  for (const action of decide(input)) {
    obs.actions.push(await act(action, run, pass.tmux, rec, mem, policy, pass.env, pass.count, pass.messages));
  }
  return obs;
}

// A running worker's screen as the policy sees it (hooks first where the agent has them), noted in its memory
// and its observation.
async function readScreen(pass: RunPass, rec: WorkerRecord, pane: PaneInfo, mem: WorkerMemory, policy: Policy, obs: WorkerObservation): Promise<Classification | undefined> {
  const seen = await look(workerTmux(rec, pass.tmux), rec, pane, mem, policy, pass.nowMs, pass.count);
  // With hooks, the agent's own newest line decides; the screen only where it shows news (evidence.ts).
  const judged = rec.hooks ? judge(newestHookLine(rec), seen?.screen, pass.nowMs) : undefined;
  let screen = judged ? judged.verdict : seen?.screen;
  // A limit is read once: the same line seen again keeps its first reset time ("in 2 hours" does not move).
  if (screen?.rateLimited) {
    const line = screen.limitLine ?? '';
    if (mem.limit?.line === line) screen = { ...screen, ...(mem.limit.resetsAt !== undefined ? { resetsAt: mem.limit.resetsAt } : {}) };
    else mem.limit = { line, ...(screen.resetsAt !== undefined ? { resetsAt: screen.resetsAt } : {}) };
  } else if (seen?.captured) mem.limit = undefined;
  if (judged) obs.from = judged.from;
  obs.captured = seen?.captured ?? false;
  mem.activity = pane.activity;
  if (!screen) return undefined;
  // A worker at a limit reads as rate_limited (not working, never stalled) until it goes on.
  obs.screen = screen.rateLimited && screen.state !== 'waiting_approval' ? 'rate_limited' : screen.state;
  if (screen.resetsAt !== undefined) obs.resetsAt = new Date(screen.resetsAt).toISOString();
  obs.reason = screen.reason;
  obs.silentSeconds = Math.round(screen.silentForMs / 1000);
  if (screen.state !== mem.screen) appendEvent(pass.run.dir, { worker: rec.name, kind: 'monitor.observed', detail: { state: screen.state, reason: screen.reason } });
  // Past the question: the same text asked again later is a new question (codex asks again for a repeated command).
  if (screen.state !== 'waiting_approval') {
    mem.answered = [];
    mem.notified = undefined;
  }
  mem.screen = screen.state;
  mem.reason = screen.reason;
  return screen;
}

// Every worker was seen finished (and so reported) this pass and none was resumed: the run ends here, once.
// A worker that ended during this pass (after an interrupt) is seen next pass, so its end is acted on first.
async function endIfSettled(pass: RunPass, observations: WorkerObservation[]): Promise<void> {
  const { run } = pass;
  const settled = observations.length > 0 && observations.every((w) => FINISHED.has(w.state) && !w.resetsAt && !w.actions.some((a) => a.startsWith('resume') || a.startsWith('rerun')));
  if (!settled) return;
  const failed = observations.find((w) => w.state !== 'done');
  const failedWhy = failed && readWorker(run.dir, failed.name)?.reason;
  const why = failed ? `worker ${failed.name} ${failed.state}${failedWhy ? `: ${failedWhy}` : ''}` : undefined;
  if (!endRunIfFinished(run.dir, 'monitor', allWorkersFinished, { ok: !failed, reason: why })) return;
  await notify(pass.policy, pass.tmux, run.session, { event: 'run_finished', run: run.id, runDir: run.dir, time: new Date().toISOString(), detail: { workers: observations.map((w) => ({ name: w.name, state: w.state })) } }, pass.messages);
}

// Captures the pane only when its activity moved, or its last state needs confirming (approval, silence, unknown).
async function look(tmux: Tmux, rec: WorkerRecord, pane: PaneInfo, mem: WorkerMemory, policy: Policy, nowMs: number, count: () => void): Promise<{ screen: Classification; captured: boolean } | undefined> {
  const silentMs = nowMs - pane.activity;
  // #{window_activity} has one-second resolution: output later in the same second as our last look leaves
  // it unchanged, so an activity second that had not ended when we last looked counts as moved.
  const moved = mem.activity !== pane.activity || mem.lookedAt === undefined || pane.activity + ACTIVITY_RESOLUTION_MS > mem.lookedAt;
  // Silence matters only where it can turn a screen into stalled: an agent idle at its prompt stays waiting_input.
  const confirm = mem.screen === undefined || mem.screen === 'waiting_approval' || mem.screen === 'unknown' || mem.screen === 'stalled' || (silentMs >= policy.silence.pokeAfter * 1000 && mem.screen !== 'waiting_input');
  const limit = mem.limit ? { rateLimited: true, limitLine: mem.limit.line, ...(mem.limit.resetsAt !== undefined ? { resetsAt: mem.limit.resetsAt } : {}) } : {};
  if (!moved && !confirm) return { screen: { state: mem.screen!, reason: mem.reason ?? 'unchanged', ...limit, silentForMs: silentMs }, captured: false };
  count();
  mem.lookedAt = nowMs;
  const seen = await captureScreen(tmux, rec, pane, policy, nowMs);
  return seen && { screen: seen.screen, captured: true };
}

// Carries out one action and records it; returns a short label for the report.
async function act(action: Action, run: RunRecord, tmux: Tmux, rec: WorkerRecord, mem: WorkerMemory, policy: Policy, env: NodeJS.ProcessEnv, count: () => void, messages: string[]): Promise<string> {
  // Keys go to the worker's window (on its host for a remote worker); kill, resume and notices use the run's tmux.
  const keysTmux = workerTmux(rec, tmux);
  const event = (kind: string, detail: Record<string, unknown> = {}) => appendEvent(run.dir, { worker: rec.name, kind, detail: { by: 'monitor', ...detail } });
  const tell = (ev: string, detail: Record<string, unknown> = {}) => notify(policy, tmux, run.session, { event: ev, run: run.id, worker: rec.name, runDir: run.dir, time: new Date().toISOString(), detail }, messages);
  const pane = rec.paneId!;
  switch (action.kind) {
    case 'approve': {
      const keys = rec.keys?.approve ?? ['y'];
      mem.answered.push(action.fingerprint);
      count();
      await keysTmux.sendKeys(pane, keys);
      event('monitor.approved', { fingerprint: action.fingerprint, keys, prompt: action.prompt.slice(0, 500) });
      await tell('approved', { prompt: action.prompt.slice(0, 500) });
      return 'approve';
    }
    case 'deny': {
      const keys = rec.keys?.deny ?? ['Escape'];
      mem.answered.push(action.fingerprint);
      count();
      await keysTmux.sendKeys(pane, keys);
      event('monitor.denied', { fingerprint: action.fingerprint, keys, why: action.why, prompt: action.prompt.slice(0, 500) });
      return 'deny';
    }
    case 'notify': {
      if (action.event === 'waiting_approval' || action.event === 'waiting_gate') mem.notified = action.detail.fingerprint as string;
      if (action.event === 'rate_limited') mem.limitTold = action.detail.resetsAt ? Date.parse(action.detail.resetsAt as string) : 0;
      // A wall the run was told of already (another worker of this agent met it) is not told again.
      const wall = action.event === 'rate_limited' && mem.limitTold ? { agent: rec.agent, account: rec.account, resetsAt: mem.limitTold, worker: rec.name } : undefined;
      if (wall && !recordQuotaWall(run.dir, wall)) {
        event('monitor.notified', { event: action.event, already: 'run.quota-wall' });
        return `notify:${action.event}:told`;
      }
      await tell(action.event, action.detail);
      event('monitor.notified', { event: action.event });
      if (['done', 'failed', 'killed', 'lost', 'unreachable'].includes(action.event)) mem.reported = action.event;
      return `notify:${action.event}`;
    }
    case 'poke': {
      mem.pokedAt = silenceStart(mem, mem.activity ?? 0);
      count();
      if (policy.silence.poke) await sendMessage(keysTmux, pane, policy.silence.poke);
      else await keysTmux.sendKeys(pane, ['Enter']);
      mem.pokeSentMs = Date.now();
      event('monitor.poked', { message: policy.silence.poke || 'Enter' });
      return 'poke';
    }
    case 'nudge': {
      mem.nudgedFor = action.resetsAt;
      mem.limit = undefined; // the same words printed again after this are a new limit, read afresh
      count();
      await sendMessage(keysTmux, pane, policy.limits.nudge, { submitKeys: rec.keys?.submit });
      event('monitor.nudged', { resetsAt: new Date(action.resetsAt).toISOString(), message: policy.limits.nudge });
      await tell('resumed', { after: 'rate_limited', resetsAt: new Date(action.resetsAt).toISOString() });
      return 'nudge';
    }
    case 'interrupt': {
      mem.interruptedAt = silenceStart(mem, mem.activity ?? 0);
      count();
      markInterrupted(run.dir, rec.name, `by the monitor after ${formatDuration(Date.now() - mem.interruptedAt)} of silence`);
      try {
        await keysTmux.sendKeys(pane, rec.keys?.interrupt ?? ['C-c']);
      } catch (error) {
        clearInterrupted(run.dir, rec.name); // the key never went: the turn was not interrupted
        throw error;
      }
      event('worker.stalled', { action: 'interrupted' });
      return 'interrupt';
    }
    case 'kill': {
      mem.killed = true;
      const state = await killWorker(run, tmux, rec.name, MONITOR_KILL_GRACE_MS);
      event('monitor.killed', { why: action.why, state });
      return 'kill';
    }
    case 'resume': {
      try {
        const r = await resumeWorker(run, tmux, rec.name, env);
        mem.reported = undefined;
        await tell('resumed', { sessionId: r.sessionId, attempt: r.attempt });
        return `resume:${r.attempt}`;
      } catch (error) {
        event('monitor.resume-failed', { error: String((error as Error).message) });
        return 'resume-failed';
      }
    }
    case 'rerun': {
      try {
        const r = await rerunWorker(run, tmux, rec.name, env);
        mem.reported = undefined;
        await tell('rerun', { attempt: r.attempt, because: rec.reason ?? null });
        return `rerun:${r.attempt}`;
      } catch (error) {
        // A writer whose workspace changed is never rerun; said once for this attempt.
        if ((error as { code?: string }).code === 'workspace_changed') mem.rerunRefused = rec.resumes;
        event('monitor.rerun-refused', { error: String((error as Error).message), code: (error as { code?: string }).code ?? null });
        return 'rerun-refused';
      }
    }
  }
}
