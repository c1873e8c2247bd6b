// The one owner of a worker's record: worker.json, result.md and fallback.md change only here. Every
// change is a checked transition of the state machine (DESIGN "Worker and run states"), made under the
// worker's lock and logged in events.jsonl in the same step. Runners report facts; this turns them into
// state. Read commands never call in here.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeFileAtomic, writeJsonAtomic } from '../os/atomic.js';
import { appendEvent } from './events.js';
import { commitRecord, intentOf, readCommitted, settleIntent } from './commit.js';
import { withLock } from '../os/lock.js';
import { runPaths, workerPaths } from '../core/paths.js';
import { START_GRACE_MS } from '../core/timing.js';
import { agentFailure, agentReport, readAnswer, readFallback } from './answer.js';
import { readFacts } from '../runner/facts.js';
import { alive } from '../os/process.js';
import { panesFor, unreachableWhy } from '../sites/seen.js';
import { FINISHED, type WorkerRecord, type WorkerState } from '../core/worker.js';
import { findSessionId } from './session-id.js';
import { lastWords } from '../os/transcript.js';
import { deriveTruth, type Panes, type Truth } from '../core/truth.js';
import { type ExitFact } from '../core/facts.js';
import { listWorkerNames, readWorker } from './records.js';
import { allowed } from '../core/states.js';

/** Why a transition was refused (and logged). */
export class RefusedTransition extends Error {
  constructor(readonly from: WorkerState, readonly to: WorkerState) {
    super(`worker state ${from} -> ${to} is not allowed`);
  }
}

// Writes the record one version on; a change of state together with its event (the commit point).
function commit(prev: WorkerRecord, next: WorkerRecord, by: string, detail: Record<string, unknown> = {}): WorkerRecord {
  const written = { ...next, version: (prev.version ?? 0) + 1 };
  const path = workerPaths(prev.runDir, prev.name).workerJson;
  if (next.state === prev.state) {
    writeJsonAtomic(path, written);
    return written;
  }
  // A rerun's start is a start (the task from its prompt again); a resume's continues a session.
  const kind = next.state === 'running' ? (next.resumes > 0 && next.restart !== 'rerun' ? 'worker.resumed' : 'worker.started')
    : next.state === 'pending' ? (prev.state === 'queued' ? 'worker.dequeued' : next.restart === 'rerun' ? 'worker.rerun' : 'worker.resume') : `worker.${next.state}`;
  return commitRecord(prev.runDir, path, written, { worker: prev.name, kind, detail: { from: prev.state, to: next.state, version: written.version, by, ...detail } });
}

function refuse(rec: WorkerRecord, to: WorkerState, by: string): never {
  appendEvent(rec.runDir, { worker: rec.name, kind: 'worker.refused', detail: { from: rec.state, to, by, version: rec.version } });
  throw new RefusedTransition(rec.state, to);
}

/** Runs `change` on the current record under the worker's lock; `fallback` stands in for a damaged file. */
export function update(runDir: string, name: string, change: (rec: WorkerRecord) => WorkerRecord | undefined, fallback?: WorkerRecord): WorkerRecord | undefined {
  return withLock(workerPaths(runDir, name).lock, () => {
    settleIntent(runDir, workerPaths(runDir, name).workerJson);
    const rec = readWorker(runDir, name) ?? fallback;
    if (!rec) return undefined;
    return change(rec) ?? rec;
  });
}

/** Applies one checked transition (with extra fields) to the current record; refused ones throw. */
export function transition(runDir: string, name: string, to: WorkerState, fields: Partial<WorkerRecord>, by: string, detail?: Record<string, unknown>): WorkerRecord | undefined {
  return update(runDir, name, (rec) => {
    if (!allowed(rec.state, to)) refuse(rec, to, by);
    return commit(rec, { ...rec, ...fields, state: to }, by, detail);
  });
}

/** Records a new worker, pending (its folder exists, nothing runs yet) or queued (waiting for a slot). */
export function createWorker(rec: WorkerRecord): WorkerRecord {
  const state = rec.state === 'queued' ? 'queued' as const : 'pending' as const;
  const written = { ...rec, state, version: 1 };
  return commitRecord(rec.runDir, workerPaths(rec.runDir, rec.name).workerJson, written, { worker: rec.name, kind: 'worker.created', detail: { agent: rec.agent, state, version: 1 } });
}

/** The evidence the truth is derived from, gathered now (files and processes; tmux panes are the caller's). */
export function gatherEvidence(rec: WorkerRecord, panes: Panes, nowMs = Date.now(), exit?: ExitFact) {
  // Which processes live is asked before the facts are read: a runner seen gone has written all it ever
  // will, so facts read after that are final. (The other order called a runner that settled and exited
  // between the two reads "gone", seen once under load.)
  const first = readFacts(rec.runDir, rec.name, rec.resumes);
  const seen = new Map<number, boolean>();
  // A remote worker's runner and agent live on its host: their panes speak for them (the starter is ours).
  const pids = rec.host ? [rec.starterPid] : [first.start?.runnerPid, rec.runnerPid, rec.starterPid];
  for (const pid of pids) if (pid) seen.set(pid, alive(pid));
  const read = readFacts(rec.runDir, rec.name, rec.resumes);
  const facts = exit ? { ...read, exit } : read;
  return {
    facts, panes: panesFor(rec, panes), unreachable: rec.host ? unreachableWhy(rec.runDir, rec.host.name) : undefined, nowMs, alive: (pid: number | undefined) => (pid ? seen.get(pid) ?? (rec.host ? true : alive(pid)) : false),
    killRequested: existsSync(workerPaths(rec.runDir, rec.name).killRequested),
    answered: facts.exit !== undefined && readAnswer(rec) !== undefined,
    agentFailure: facts.exit !== undefined ? agentFailure(rec) : undefined,
    interrupted: facts.exit !== undefined ? interruptedBecause(rec) : undefined,
    exitCodes: rec.exitCodes,
    lastWords: facts.exit && (facts.exit.code !== 0 || facts.exit.signal) ? attemptLastWords(rec, facts) : undefined,
  };
}

// What the failed attempt last printed (the part of the transcript from where it began).
function attemptLastWords(rec: WorkerRecord, facts: { start?: { logOffset?: number }; exit?: { logOffset?: number } }): string | undefined {
  const paths = workerPaths(rec.runDir, rec.name);
  return lastWords(paths.paneLog, facts.start?.logOffset ?? facts.exit?.logOffset ?? 0, rec.mode === 'exec' ? paths.stdout : undefined);
}

// An exec agent's turn that orch-tmux interrupted (the marker says why); an interactive agent lives on after one.
function interruptedBecause(rec: WorkerRecord): string | undefined {
  if (rec.mode !== 'exec') return undefined;
  try {
    return readFileSync(workerPaths(rec.runDir, rec.name).interruptRequested, 'utf8').trim() || 'by orch-tmux';
  } catch {
    return undefined;
  }
}

/**
 * Brings worker.json up to what the evidence shows: pending -> running on the start fact, running ->
 * done|failed|killed|lost on the exit fact (result.md from the declared channel first), or when tmux
 * shows the runner gone. `exit` is an exit fact not yet on disk (the runner settles before it publishes
 * the fact, so a waiter woken by it finds worker.json and result.md final). Returns the record as written.
 */
export function settleWorker(runDir: string, name: string, o: { panes: Panes; by: string; fallback?: WorkerRecord; exit?: ExitFact; attempt?: number }): WorkerRecord | undefined {
  // Nothing to change (the common case for the monitor): no lock, no write, no file event for watchers.
  const seen = readWorker(runDir, name);
  // An intent a crash left (store/commit.ts) is made final by this writer, even when nothing else changes.
  if (seen && !existsSync(intentOf(workerPaths(runDir, name).workerJson)) && (FINISHED.has(seen.state) || deriveTruth(seen, gatherEvidence(seen, o.panes, Date.now(), o.exit)).state === seen.state)) return seen;
  return update(runDir, name, (rec) => {
    // A runner settles only its own attempt: one left over from before a resume changes nothing.
    if (FINISHED.has(rec.state) || (o.attempt !== undefined && o.attempt !== rec.resumes)) return undefined;
    const truth = deriveTruth(rec, gatherEvidence(rec, o.panes, Date.now(), o.exit));
    return apply(rec, truth, o.by);
  }, o.fallback);
}

/**
 * Removes the folders of workers whose creation a crash cut short (no record was committed), as a failed
 * spawn removes its own: once the starter named in the intent is gone, or, with no intent, once the folder
 * is older than a start may take. The monitor calls it; returns the names removed.
 */
export function removeUnmadeWorkers(runDir: string, nowMs = Date.now()): string[] {
  let folders: string[];
  try {
    folders = readdirSync(runPaths(runDir).workers, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
  return folders.filter((name) => {
    const paths = workerPaths(runDir, name);
    if (existsSync(paths.workerJson) || readCommitted(runDir, paths.workerJson) !== undefined) return false;
    let starter: number | undefined;
    try {
      starter = (JSON.parse(readFileSync(intentOf(paths.workerJson), 'utf8')) as WorkerRecord).starterPid;
    } catch {
      starter = undefined;
    }
    const gone = starter !== undefined ? !alive(starter) : nowMs - (statSync(paths.dir, { throwIfNoEntry: false })?.mtimeMs ?? nowMs) > START_GRACE_MS;
    if (gone) rmSync(paths.dir, { recursive: true, force: true });
    return gone;
  });
}

/** True when every worker of the run has finished (the run may end). */
export function allWorkersFinished(runDir: string): boolean {
  return listWorkerNames(runDir).every((n) => {
    const rec = readWorker(runDir, n);
    return rec !== undefined && FINISHED.has(rec.state);
  });
}

// Turns a derived truth into the transitions that reach it (pending may pass through running).
function apply(rec: WorkerRecord, truth: Truth, by: string): WorkerRecord | undefined {
  if (truth.state === rec.state || truth.state === 'unreachable') return undefined;
  let current = rec;
  if (truth.start && current.state === 'pending') {
    current = commit(current, {
      ...current, state: 'running', startedAt: current.resumes > 0 ? current.startedAt ?? truth.start.time : truth.start.time,
      paneId: truth.start.paneId ?? current.paneId, runnerPid: truth.start.runnerPid, agentPid: truth.start.pid || undefined,
      sessionId: truth.start.sessionId ?? current.sessionId,
      endedAt: undefined, exitCode: undefined, signal: undefined, reason: undefined,
    }, by, { pid: truth.start.pid, ...(current.resumes > 0 ? { sessionId: current.sessionId } : {}) });
  }
  if (truth.state === current.state) return current;
  if (!allowed(current.state, truth.state)) refuse(current, truth.state, by);
  if (!FINISHED.has(truth.state)) return commit(current, { ...current, state: truth.state }, by);
  return finish(current, truth, by);
}

// The end of an attempt: the answer saved first (a worker without a saved answer is never done), then
// the record and its event. A fallback is kept in fallback.md, marked, and never counts.
function finish(rec: WorkerRecord, truth: Truth, by: string): WorkerRecord {
  const paths = workerPaths(rec.runDir, rec.name);
  // Only an end reaches here (apply returns before for unreachable).
  let state = truth.state as WorkerState;
  let reason = truth.reason;
  let resultSource: WorkerRecord['resultSource'] = 'none';
  const answer = truth.exit ? readAnswer(rec) : undefined;
  if (answer) {
    try {
      writeFileAtomic(paths.result, answer.text);
      resultSource = answer.source;
    } catch (error) {
      state = 'failed';
      reason = `the result could not be saved (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    }
  } else {
    rmSync(paths.result, { force: true });
    const fallback = readFallback(rec);
    if (fallback) {
      try {
        writeFileAtomic(paths.fallback, fallback.text);
        resultSource = fallback.source;
      } catch {
        /* a fallback is only for people */
      }
    }
  }
  // The agent's own word on its session first (its JSON), then the runner's new one, what was recorded, its printed id.
  const report = truth.exit ? agentReport(rec) : undefined;
  const sessionId = report?.sessionId ?? truth.start?.sessionId ?? rec.sessionId ?? (rec.sessionIdRegex ? findSessionId(rec, new RegExp(rec.sessionIdRegex)) : undefined);
  const said = report ? { ...(report.cost !== undefined ? { cost: report.cost } : {}), ...(report.usage !== undefined ? { usage: report.usage } : {}) } : {};
  return commit(rec, {
    ...rec, state, reason, resultSource, sessionId, agentSaid: state === 'failed' && truth.agentSaid ? true : undefined,
    ...(Object.keys(said).length ? { spent: { ...rec.spent, [rec.resumes]: said } } : {}),
    exitCode: truth.exit?.code ?? rec.exitCode ?? null, signal: truth.exit?.signal ?? rec.signal ?? null,
    endedAt: truth.exit?.time ?? new Date().toISOString(),
  }, by, { exitCode: truth.exit?.code ?? null, signal: truth.exit?.signal ?? null, reason, resultSource, ...said, ...(truth.exit?.orphans ? { orphans: truth.exit.orphans } : {}) });
}

/** How a restart begins: a resume of the recorded session, or a rerun of the task from its prompt. */
export type Restart = { kind: 'resume'; sessionId: string } | { kind: 'rerun' };

/**
 * Makes a finished worker pending again for a restart (attempt n+1); the caller then starts its runner. A
 * rerun starts afresh: a profile that chooses the session id up front gets a new one (in argv too), and it
 * counts in `reruns`, not toward `maxResumes`. `workspacePrint` is a writer's workspace as this attempt begins.
 */
export function markRestarting(runDir: string, name: string, restart: Restart, by: string, workspacePrint?: string): WorkerRecord | undefined {
  const paths = workerPaths(runDir, name);
  return update(runDir, name, (rec) => {
    if (!allowed(rec.state, 'pending')) refuse(rec, 'pending', by);
    // The new attempt starts with no answer of its own: an old result must not pass for a new one.
    for (const f of [paths.killRequested, paths.interruptRequested, paths.result, paths.fallback]) rmSync(f, { force: true });
    const fresh = restart.kind === 'rerun' && rec.newSessionId ? randomUUID() : undefined;
    const session = restart.kind === 'resume' ? { sessionId: restart.sessionId }
      : fresh ? { sessionId: fresh, newSessionId: fresh, argv: rec.argv.map((a) => a.split(rec.newSessionId!).join(fresh)), resumeArgv: rec.resumeArgv?.map((a) => a.split(rec.newSessionId!).join(fresh)) }
      : { sessionId: undefined };
    return commit(rec, {
      ...rec, ...session, state: 'pending', pendingSince: new Date().toISOString(), starterPid: process.pid, reason: undefined, agentSaid: undefined,
      resumes: rec.resumes + 1, reruns: restart.kind === 'rerun' ? (rec.reruns ?? 0) + 1 : rec.reruns, restart: restart.kind, resultSource: undefined,
      workspacePrint: workspacePrint ?? rec.workspacePrint,
    }, by, {
      attempt: rec.resumes + 1, previousState: rec.state, previousExitCode: rec.exitCode ?? null,
      ...(restart.kind === 'resume' ? { sessionId: restart.sessionId } : { because: rec.reason ?? null, ...(fresh ? { sessionId: fresh } : {}) }),
    });
  });
}

/** Notes the pane a dequeued worker's window opened in (its start fact will say so too). */
export function notePane(runDir: string, name: string, paneId: string, by: string): void {
  update(runDir, name, (rec) => (rec.state === 'pending' && !rec.paneId ? commit(rec, { ...rec, paneId, queuedCommand: undefined }, by) : undefined));
}

/** Writes a whole record again (the runner repairing a damaged worker.json from its copy). */
export function repairWorker(rec: WorkerRecord): void {
  withLock(workerPaths(rec.runDir, rec.name).lock, () => {
    if (!readWorker(rec.runDir, rec.name)) writeJsonAtomic(workerPaths(rec.runDir, rec.name).workerJson, rec);
  });
}
