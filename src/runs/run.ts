import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { Tmux, type TmuxServer } from '../tmux/index.js';
import { writeJsonAtomic } from './atomic.js';
import { appendEvent } from './events.js';
import { addToIndex, readIndex } from './index-file.js';
import { checkRunName, checkSessionName, slugOf } from './names.js';
import { runPaths } from './paths.js';

/** run.json: what a run is and where its tmux session lives. */
export interface RunRecord {
  id: string;
  name?: string;
  dir: string;
  cwd: string;
  session: string;
  socketPath: string;
  created: string;
  pattern?: string;
  inputs?: Record<string, unknown>;
  agent?: string;
  state: 'active' | 'finished' | 'failed';
}

export interface CreateRunOptions {
  name?: string;
  cwd?: string;
  session?: string;
  runsRoot: string;
  server: TmuxServer;
  pattern?: string;
  inputs?: Record<string, unknown>;
  agent?: string;
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
    addToIndex({ id, dir, session, socketPath, created: run.created, name, pattern: o.pattern });
    appendEvent(dir, { kind: 'run.created', detail: { session, cwd } });
    return run;
  } catch (error) {
    if (created) await tmux.killSession(session).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Reads run.json from a run directory. */
export function readRun(dir: string): RunRecord {
  return JSON.parse(readFileSync(runPaths(dir).runJson, 'utf8')) as RunRecord;
}

/** Saves run.json. */
export function saveRun(run: RunRecord): void {
  writeJsonAtomic(runPaths(run.dir).runJson, run);
}

/** Finds a run by id, unique id prefix, or run-directory path; unknown runs are a usage error. */
export function findRun(ref: string): RunRecord {
  if (!ref || /[\x00-\x1f]/.test(ref)) throw new UsageError(`Expected a run id (see \`orch-tmux ls\`), got ${JSON.stringify(ref)}`);
  const index = readIndex();
  const exact = index.find((e) => e.id === ref);
  const prefixed = exact ? [exact] : index.filter((e) => e.id.startsWith(ref) || e.id.endsWith(ref));
  if (prefixed.length > 1) {
    throw new UsageError(`Run ${JSON.stringify(ref)} is ambiguous (${prefixed.slice(0, 3).map((e) => e.id).join(', ')}...): give more of the id`);
  }
  const dir = prefixed[0]?.dir ?? (existsSync(join(resolve(ref), 'run.json')) ? resolve(ref) : undefined);
  if (!dir) throw new UsageError(`Unknown run ${JSON.stringify(ref)}: see \`orch-tmux ls\` for run ids`);
  try {
    return readRun(dir);
  } catch {
    throw new UsageError(`Run ${JSON.stringify(ref)} has no readable run.json in ${dir}: the run directory was removed or damaged`);
  }
}

/** The tmux client for a run: the server given on the command line, else the one the run was made on. */
export function tmuxForRun(run: RunRecord, explicit?: TmuxServer): Tmux {
  if (explicit && (explicit.socketName || explicit.socketPath)) return new Tmux(explicit);
  return new Tmux({ socketPath: run.socketPath });
}

/** Makes sure the run's tmux session exists (after a tmux restart), with its user options set. */
export async function ensureSession(run: RunRecord, tmux: Tmux): Promise<void> {
  if (await tmux.hasSession(run.session)) return;
  await openSession(tmux, run.session, run.cwd, run.dir, run.id);
  appendEvent(run.dir, { kind: 'run.session-recreated', detail: { session: run.session } });
}

// The run's session: a first window `orch` (a shell in the run's directory) and the user options the
// monitor discovers runs by.
async function openSession(tmux: Tmux, session: string, cwd: string, dir: string, id: string): Promise<void> {
  await tmux.newSession({ name: session, cwd, windowName: 'orch', width: 220, height: 50 });
  await tmux.run([
    ['set-option', '-t', `=${session}:`, '@orch_run_dir', dir],
    ['set-option', '-t', `=${session}:`, '@orch_run_id', id],
  ]);
}
