import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { describeIgnored, resolvePolicy, snapshotPolicy } from './policy.js';
import { socketPathOf, Tmux, type TmuxServer } from '../tmux/index.js';
import { writeJsonAtomic } from '../os/atomic.js';
import { appendEvent, type RunEvent } from './events.js';
import { commitRecord, intentOf, readCommitted, settleIntent } from './commit.js';
import { addToIndex, readIndex, type IndexEntry } from './index-file.js';
import { lockHolder, withLock } from '../os/lock.js';
import { checkRunName, checkSessionName, slugOf } from '../core/names.js';
import { boardCommand } from '../os/package.js';
import { runPaths } from '../core/paths.js';
import { runEnded, type RunOutcome, type RunRecord } from '../core/run.js';

export interface CreateRunOptions {
  name?: string;
  cwd?: string;
  session?: string;
  runsRoot: string;
  server: TmuxServer;
  pattern?: string;
  inputs?: Record<string, unknown>;
  agent?: string;
  /** Whose config decides the policy frozen into the run (the caller's environment). */
  env?: NodeJS.ProcessEnv;
  /** Where to say what an untrusted project config was not allowed to loosen. */
  warn?: (line: string) => void;
}

/** A run id that sorts by time and says what it is: 20261121-101503-review-a1b2. */
export function newRunId(label: string, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${stamp}-${slugOf(label)}-${randomBytes(2).toString('hex')}`;
}

/** The directory given with --cwd, checked: it must exist and be a directory. */
export function checkDirectory(dir: string, flag = '--cwd'): string {
  const abs = resolve(dir);
  let ok = false;
  try {
    ok = statSync(abs).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`${flag} ${JSON.stringify(dir)} is not a directory: give an existing directory`);
  return abs;
}

/** Creates the run: tmux session, run directory (0700), run.json, index entry; on any failure nothing is left. */
export async function createRun(o: CreateRunOptions): Promise<RunRecord> {
  const name = o.name === undefined ? undefined : checkRunName(o.name);
  const cwd = checkDirectory(o.cwd ?? process.cwd());
  // The run directory goes into list-panes output (one line per pane, \x1f between fields): no control characters.
  if (/[\x00-\x1f\x7f]/.test(o.runsRoot)) throw new UsageError(`The run directory ${JSON.stringify(o.runsRoot)} contains control characters: use a path without them (--run-dir or ORCH_TMUX_RUNS)`);
  // The policy is read (and a broken config refused) before anything is made, and frozen into the run.
  const policy = resolvePolicy(cwd, o.env ?? process.env);
  const id = newRunId(name ?? o.pattern ?? 'run');
  const session = o.session ? checkSessionName(o.session) : `orch-${id}`;
  const tmux = new Tmux(o.server);
  if (await tmux.hasSession(session)) {
    throw new UsageError(`tmux session ${JSON.stringify(session)} already exists: pick another --session name or kill it`);
  }
  const dir = join(o.runsRoot, id);
  try {
    mkdirSync(o.runsRoot, { recursive: true, mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new UsageError(`The run directory ${JSON.stringify(o.runsRoot)} is not a directory: give --run-dir a directory`);
    throw new UsageError(`The run directory ${JSON.stringify(o.runsRoot)} cannot be made (${code}): give --run-dir a directory you can write`);
  }
  if (!statSync(o.runsRoot).isDirectory()) throw new UsageError(`The run directory ${JSON.stringify(o.runsRoot)} is not a directory: give --run-dir a directory`);
  mkdirSync(dir, { mode: 0o700 });
  let created = false;
  try {
    mkdirSync(runPaths(dir).workers, { mode: 0o700 });
    created = true;
    await openSession(tmux, session, cwd, dir, id);
    const socketPath = await tmux.displayMessage('#{socket_path}', `=${session}:`);
    const run: RunRecord = {
      id, name, dir, cwd, session, socketPath, created: new Date().toISOString(),
      pattern: o.pattern, inputs: o.inputs, agent: o.agent, state: 'active',
    };
    writeJsonAtomic(runPaths(dir).runJson, run);
    snapshotPolicy(dir, policy);
    addToIndex({ id, dir, session, socketPath, created: run.created, name, pattern: o.pattern });
    appendEvent(dir, { kind: 'run.created', detail: { session, cwd } });
    for (const line of describeIgnored(policy.ignored)) (o.warn ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
    return run;
  } catch (error) {
    if (created) await tmux.killSession(session).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Reads run.json from a run directory. */
export function readRun(dir: string): RunRecord {
  const text = readCommitted(dir, runPaths(dir).runJson);
  if (text === undefined) return JSON.parse(readFileSync(runPaths(dir).runJson, 'utf8')) as RunRecord; // throws what is wrong
  return JSON.parse(text) as RunRecord;
}

// Changes run.json and logs the change in one step (store/commit.ts), under the run's lock; `change`
// returns undefined to leave it as it is.
function updateRun(dir: string, change: (run: RunRecord) => RunRecord | undefined, event: (next: RunRecord) => Omit<RunEvent, 'time'>): RunRecord | undefined {
  return withLock(runPaths(dir).lock, () => {
    settleIntent(dir, runPaths(dir).runJson);
    const next = change(readRun(dir));
    return next ? commitRecord(dir, runPaths(dir).runJson, next, event(next)) : undefined;
  });
}

// Records the end of a run once: run.json, the index line (so `ls` and the monitor need not open it), the
// event. `may` is checked under the run's lock, which spawn and resume take too when they reopen a run.
function endRun(dir: string, state: 'finished' | 'killed', by: string, detail: Record<string, unknown> = {}, may: () => boolean = () => true): RunRecord | undefined {
  const ended = updateRun(dir, (run) => {
    if (run.state === state || (runEnded(run.state) && state !== 'killed') || !may()) return undefined;
    const outcome: RunOutcome = state === 'killed' || detail.ok === false ? (detail.outcome === 'over_budget' ? 'over_budget' : 'failed') : 'ok';
    const reason = state === 'killed' ? 'killed by orch-tmux kill' : outcome !== 'ok' ? String(detail.reason ?? 'a worker failed') : undefined;
    return { ...run, state, endedAt: new Date().toISOString(), outcome, reason, ok: undefined };
  }, () => ({ kind: state === 'killed' ? 'run.killed' : 'run.finished', detail: { by, ...detail } }));
  if (!ended) return undefined;
  // The index follows the record (the monitor adds a line it finds missing).
  addToIndex({ ...indexEntryOf(ended), state, endedAt: ended.endedAt, outcome: ended.outcome });
  return ended;
}

/** Ends the run (finished) when every worker has finished and no driver holds it; a no-op otherwise. */
export function endRunIfFinished(dir: string, by: string, allFinished: (dir: string) => boolean, detail?: Record<string, unknown>): RunRecord | undefined {
  try {
    if (lockHolder(runPaths(dir).driverLock) || !allFinished(dir)) return undefined;
    return endRun(dir, 'finished', by, detail, () => !lockHolder(runPaths(dir).driverLock) && allFinished(dir));
  } catch {
    return undefined; // a removed or damaged run directory has nothing left to end
  }
}

/** Makes final what a crash left half-done in the run's own records (run.json, plan.json, policy.json): the monitor calls it on each pass. */
export function settleRunIntents(dir: string): void {
  const p = runPaths(dir);
  const left = [p.runJson, p.plan, p.policy].filter((f) => existsSync(intentOf(f)));
  if (left.length) withLock(p.lock, () => left.forEach((f) => settleIntent(dir, f)));
}

/** Ends the run as killed (`kill <run>`). */
export function markRunKilled(dir: string): RunRecord | undefined {
  return endRun(dir, 'killed', 'kill');
}

/** A new worker in a finished run makes it active again; a resumed one too, in a killed run (`evenKilled`). True when it was reopened. */
export function reopenRun(dir: string, evenKilled = false): boolean {
  const reopened = updateRun(dir, (run) => (run.state === 'finished' || run.state === 'failed' || (evenKilled && run.state === 'killed') ? { ...run, state: 'active', endedAt: undefined, ok: undefined, outcome: undefined, reason: undefined } : undefined), () => ({ kind: 'run.reopened' }));
  if (!reopened) return false;
  addToIndex({ ...indexEntryOf(reopened), state: 'active', endedAt: null, outcome: null });
  return true;
}

/** Starts the board again in a reopened run's first window (it ended with the run); a live board is left alone. */
export async function reviveBoard(run: RunRecord, tmux: Tmux): Promise<void> {
  await tmux.respawnPane(`=${run.session}:orch`, boardCommand(), { kill: false, cwd: run.cwd, env: { ORCH_TMUX_RUN_DIR: run.dir } }).catch(() => undefined);
}

function indexEntryOf(run: RunRecord): IndexEntry {
  return { id: run.id, dir: run.dir, session: run.session, socketPath: run.socketPath, created: run.created, name: run.name, pattern: run.pattern };
}

/** Resolves what the user typed to one indexed run: exact id, else a unique id prefix, else a run-directory path. */
export function resolveRun(ref: string): { entry?: IndexEntry; dir: string } {
  if (!ref || /[\x00-\x1f]/.test(ref)) throw new UsageError(`Expected a run id (see \`orch-tmux ls\`), got ${JSON.stringify(ref)}`, { code: 'bad_run' });
  const index = readIndex();
  const exact = index.find((e) => e.id === ref);
  const matches = exact ? [exact] : index.filter((e) => e.id.startsWith(ref));
  if (matches.length > 1) {
    throw new UsageError(`Run ${JSON.stringify(ref)} is ambiguous: it could be ${matches.slice(0, 5).map((e) => e.id).join(', ')}${matches.length > 5 ? ` (and ${matches.length - 5} more)` : ''}: give more of the id`, { code: 'ambiguous_run' });
  }
  if (matches[0]) return { entry: matches[0], dir: matches[0].dir };
  if (existsSync(join(resolve(ref), 'run.json'))) return { dir: resolve(ref) };
  throw new UsageError(`Unknown run ${JSON.stringify(ref)}: see \`orch-tmux ls\` for run ids`, { code: 'unknown_run' });
}

/** Finds a run by id, unique id prefix, or run-directory path; unknown or ambiguous runs are a usage error. */
export function findRun(ref: string): RunRecord {
  const { dir } = resolveRun(ref);
  try {
    return readRun(dir);
  } catch {
    throw new UsageError(`Run ${JSON.stringify(ref)} has no readable run.json in ${dir}: the run directory was removed or damaged`, { code: 'run_gone' });
  }
}

/** The tmux client for a run: the server it was made on. A server named on the command line (-L, -S or
 * ORCH_TMUX_SOCKET) must be that one: another is refused (`wrong_server`), naming the run's own. */
export function tmuxForRun(run: RunRecord, explicit?: TmuxServer): Tmux {
  const named = explicit && (explicit.socketName || explicit.socketPath) ? socketPathOf(explicit) : undefined;
  if (named !== undefined && run.socketPath && !sameSocket(named, run.socketPath)) {
    throw new UsageError(`Run ${run.id} lives on the tmux server ${run.socketPath}, not ${named}: drop -L/--socket (the run's own server is used), or give -S ${run.socketPath}`, { code: 'wrong_server' });
  }
  return new Tmux({ socketPath: run.socketPath });
}

// Two paths of one socket (a symlinked TMUX_TMPDIR, a relative -S).
function sameSocket(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** Makes sure the run's tmux session exists (after a tmux restart), with its user options set. */
export async function ensureSession(run: RunRecord, tmux: Tmux): Promise<void> {
  if (await tmux.hasSession(run.session)) return;
  await openSession(tmux, run.session, run.cwd, run.dir, run.id);
  appendEvent(run.dir, { kind: 'run.session-recreated', detail: { session: run.session } });
}

// The run's session: a first window `orch` (the live board, then a shell in the run's folder) and the
// user options the monitor discovers runs by.
async function openSession(tmux: Tmux, session: string, cwd: string, dir: string, id: string): Promise<void> {
  await tmux.newSession({ name: session, cwd, windowName: 'orch', width: 220, height: 50, env: { ORCH_TMUX_RUN_DIR: dir }, command: boardCommand() });
  await tmux.run([
    ['set-option', '-t', `=${session}:`, '@orch_run_dir', dir],
    ['set-option', '-t', `=${session}:`, '@orch_run_id', id],
    // The board ends with the run and its last frame stays on screen.
    ['set-option', '-w', '-t', `=${session}:orch`, 'remain-on-exit', 'on'],
  ]);
}
