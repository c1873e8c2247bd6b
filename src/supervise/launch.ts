import { crashPoint } from '../os/crash-point.js';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fillArgv, resolveProgram } from '../agents/resolve.js';
import type { AgentProfile } from '../agents/profile.js';
import { UsageError, OrchError } from '../core/errors.js';
import { writeFileAtomic } from '../os/atomic.js';
import { checkWorkerName } from '../core/names.js';
import { workerPaths } from '../core/paths.js';
import { checkDirectory, reopenRun, reviveBoard } from '../store/run.js';
import { NoServerError, TargetNotFoundError, type Tmux } from '../tmux/index.js';
import { EVENTS_CHANNEL, workerChannel, type WorkerRecord } from '../core/worker.js';
import { installHooks, type HookTarget } from '../runner/hooks.js';
import { RunWatcher } from '../os/watch.js';
import { hasPane, type PaneMap } from '../core/panes.js';
import { createWorker, settleWorker } from '../store/worker.js';
import { readFacts } from '../runner/facts.js';
import { prepareRunner } from '../runner/launch-file.js';
import { workspacePrint } from '../os/workspace-print.js';

import { openOnHost, waitForRemoteStart } from './launch-remote.js';
import { readWorker } from '../store/records.js';
import { type Host } from '../core/host.js';
import { type RunRecord } from '../core/run.js';
import { sessionPanes } from '../sites/panes.js';
import { START_TIMEOUT_MS, START_WINDOW_CHECK_MS } from '../core/timing.js';
import { formatDuration } from '../core/format.js';


/** Linux caps one argv item at 128 KiB (MAX_ARG_STRLEN); prompts given as an argument must fit. */
const MAX_ARG_BYTES = 128 * 1024 - 1;

export interface SpawnWorkerOptions {
  run: RunRecord;
  tmux: Tmux;
  name: string;
  prompt: string | Uint8Array;
  profile: AgentProfile;
  cwd?: string;
  vars?: Record<string, string>;
  sandbox?: string;
  /** Turn on the agent's web search (its profile's `webSearch:` flags). */
  webSearch?: boolean;
  /** What is left of the run's --budget-usd: a whole `{{budgetUsd}}` item passes it to the agent (its profile's `budgetUsd:` flags). */
  budgetUsd?: number;
  rehearsal?: boolean;
  allowNested?: boolean;
  /** The caller's environment: checked for PATH and nesting, and handed to the worker. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the agent to start (ms). */
  startTimeoutMs?: number;
  /** Run it on this host, in the run's folder there (from remoteRunDir); this machine when absent. */
  host?: Host;
  hostDir?: string;
}

/** Refuses to spawn from inside a worker unless told to: workers do not spawn workers. */
export function checkNotNested(env: NodeJS.ProcessEnv, allowNested?: boolean): void {
  if (env.ORCH_TMUX_WORKER && !allowNested) {
    throw new UsageError(`Refusing to spawn from inside worker ${env.ORCH_TMUX_WORKER}: workers do not start workers (pass --allow-nested to override)`, { code: 'nested_spawn' });
  }
}

/** Everything checked and filled before any file or window is made; throws UsageError on bad input. */
export function prepareWorker(o: SpawnWorkerOptions): WorkerRecord {
  const env = o.env ?? process.env;
  checkNotNested(env, o.allowNested);
  const name = checkWorkerName(o.name);
  const paths = workerPaths(o.run.dir, name);
  if (existsSync(paths.dir)) throw new UsageError(`Worker ${JSON.stringify(name)} already exists in run ${o.run.id}: pick another name`, { code: 'worker_exists' });
  // On a host, the paths the agent is given are its folder there; its program is found by the host's PATH
  // (`orch-tmux hosts` says which agents it has), and it runs in the host's cwd or its folder there.
  const there = workerPaths(o.hostDir ?? o.run.dir, name);
  const remote = o.host !== undefined;
  const cwd = remote ? o.cwd ?? o.host!.cwd ?? there.dir : checkDirectory(o.cwd ?? o.run.cwd);
  const sandbox = o.sandbox ?? 'read-only';
  // Chosen here and recorded with the worker before its agent starts: killed in its first second, it is still resumable.
  const newSessionId = randomUUID();
  const values: Record<string, string> = {
    ...(o.vars ?? {}),
    promptFile: there.prompt, lastMessageFile: there.lastMessage, workerDir: there.dir, runDir: o.hostDir ?? o.run.dir, cwd,
    sandbox, newSessionId,
  };
  const p = o.profile;
  // Hooks report through our Node program, which a host does not have: a remote worker is judged by its screen.
  const hookSpec = remote ? undefined : p.hooks;
  const hooks = hookSpec ? installHooks(hookSpec, hookTarget(o.run, name)).argv : [];
  let argv = fillArgv(withSandbox(p.command, p, sandbox, o.webSearch, hooks, o.budgetUsd), values, p);
  const resumeArgv = p.resume ? fillArgv(withSandbox(p.resume, p, sandbox, o.webSearch, hooks, o.budgetUsd), { ...values, sessionId: '{{sessionId}}' }, p) : undefined;
  const choosesId = p.command.some((a) => a.includes('{{newSessionId}}'));
  if (!o.rehearsal && !remote) argv = resolveProgram(argv, p, env);
  const size = typeof o.prompt === 'string' ? Buffer.byteLength(o.prompt) : o.prompt.length;
  if (p.prompt === 'arg' && size > MAX_ARG_BYTES) {
    throw new UsageError(`The prompt is ${size} bytes but agent ${p.name} takes it as one argument (limit 128 KiB): shorten it or use a profile with prompt: stdin`);
  }
  return {
    name, run: o.run.id, runDir: o.run.dir, agent: p.name, agentRef: p.source.startsWith('builtin:') ? p.name : p.source, mode: p.mode, argv,
    resumeArgv: resumeArgv && !o.rehearsal && !remote ? resolveProgram(resumeArgv, p, env) : resumeArgv,
    resumePrompt: p.resumePrompt, sessionMissing: p.sessionMissing, prompt: p.prompt, lastMessage: p.lastMessage, json: p.json, sandbox,
    silence: p.silence, exitCodes: p.exitCodes, sessionId: choosesId ? newSessionId : undefined, newSessionId: choosesId ? newSessionId : undefined,
    sessionIdRegex: p.sessionId?.regex, hooks: hookSpec, states: p.states, keys: p.keys, cwd, env: { ...p.env, ...o.host?.env }, socketPath: o.run.socketPath,
    forwardEnv: remote ? [...new Set([...(p.forwardEnv ?? []), ...o.host!.forward])] : undefined,
    account: accountOf(p, env),
    host: o.host, hostDir: o.hostDir,
    rehearsal: o.rehearsal || undefined, state: 'pending', createdAt: new Date().toISOString(), createdMs: performance.timeOrigin + performance.now(), starterPid: process.pid, resumes: 0, version: 0,
    noRerun: p.rerun === false || undefined,
  };
}

/** Which account an agent of this profile spends from in this environment: a short hash of its forwardEnv
 * variables' values (API keys, endpoints), undefined when none is set; a usage limit is met per account. */
export function accountOf(p: Pick<AgentProfile, 'forwardEnv'>, env: NodeJS.ProcessEnv): string | undefined {
  const set = (p.forwardEnv ?? []).filter((k) => env[k]).map((k) => `${k}=${env[k]}`);
  return set.length ? createHash('sha256').update(set.join('\0')).digest('hex').slice(0, 12) : undefined;
}

/** A worker that may change its workspace (workspace-write or danger-full-access). */
export function writes(rec: Pick<WorkerRecord, 'sandbox'>): boolean {
  return rec.sandbox !== undefined && rec.sandbox !== 'read-only';
}

/** Fills and resolves a profile's command as a spawn would, without making anything: a pattern checks every worker this way before its run exists. */
export function checkLaunch(p: AgentProfile, vars: Record<string, string>, sandbox: string, env: NodeJS.ProcessEnv, rehearsal: boolean, webSearch = false): void {
  const stand = { promptFile: '/p', lastMessageFile: '/m', workerDir: '/w', runDir: '/r', cwd: '/c', sandbox, newSessionId: '00000000-0000-4000-8000-000000000000' };
  const argv = fillArgv(withSandbox(p.command, p, sandbox, webSearch), { ...vars, ...stand }, p);
  if (p.resume) fillArgv(withSandbox(p.resume, p, sandbox, webSearch), { ...vars, ...stand, sessionId: 's' }, p);
  if (!rehearsal) resolveProgram(argv, p, env);
}

/** Where one worker's hooks report: its folder, the run's tmux socket, its channel and the server's events channel. */
export function hookTarget(run: RunRecord, name: string): HookTarget {
  return { workerDir: workerPaths(run.dir, name).dir, socket: run.socketPath, workerChannel: workerChannel(run.id, name), eventsChannel: EVENTS_CHANNEL };
}

/** An argv with a whole `{{sandbox}}` item replaced by the profile's own flags for that mode, where it maps
 * them, a whole `{{webSearch}}` item by its web-search flags when wanted (by nothing otherwise), a whole
 * `{{budgetUsd}}` item by its budget flags and the amount left (by nothing without a budget), and a whole
 * `{{hooks}}` item by what installs the worker's hooks. */
export function withSandbox(argv: readonly string[], p: AgentProfile, mode: string, webSearch = false, hooks: string[] = [], budgetUsd?: number): string[] {
  const whole = (name: string) => new RegExp(`^\\{\\{\\s*${name}\\s*\\}\\}$`);
  const budget = budgetUsd !== undefined && p.budgetUsd ? [...p.budgetUsd, String(Number(budgetUsd.toFixed(6)))] : [];
  let out = argv.flatMap((a) => (whole('webSearch').test(a) ? (webSearch ? p.webSearch ?? [] : []) : whole('hooks').test(a) ? hooks : whole('budgetUsd').test(a) ? budget : [a]));
  if (!p.sandbox || !out.some((a) => whole('sandbox').test(a))) return out;
  const flags = p.sandbox[mode as keyof typeof p.sandbox];
  if (!flags) throw new UsageError(`Agent ${p.name} has no flags for --sandbox ${mode}: use ${Object.keys(p.sandbox).join(', ')}, or add ${mode} to its profile's sandbox map`);
  out = out.flatMap((a) => (whole('sandbox').test(a) ? flags : [a]));
  return out;
}

// The tmux server's environment is the one it started with, not the caller's; the caller's goes to the
// agent through a 0600 file the runner deletes on reading (launch-file.ts), minus tmux's own variables and
// TERM (the agent's terminal is its pane, whose TERM the runner keeps).
const NOT_FORWARDED = /^(TMUX|TMUX_PANE|TERM|ORCH_TMUX_WORKER|_)$/;
// On another machine the login there says who and where the user is, and its PATH where its programs are
// (hosts.yaml `env:` may set one): only the rest (keys, settings) goes.
const NOT_FORWARDED_TO_HOST = /^(PATH|HOME|USER|LOGNAME|SHELL|PWD|OLDPWD|TMPDIR|TMUX_TMPDIR|MAIL|DISPLAY|SSH_\w+|XDG_\w+)$/;

/** The caller's environment for the window's runner, so the agent sees the PATH and keys the caller has; on
 * another host only the variables `allowed` names (the profile's forwardEnv and the host's forward: ssh's
 * SendEnv convention), so the tokens of the caller's shell stay home. */
export function forwardedEnv(env: NodeJS.ProcessEnv, host?: Host, allowed: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || NOT_FORWARDED.test(k) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) continue;
    if (host && (NOT_FORWARDED_TO_HOST.test(k) || !allowed.includes(k))) continue;
    out[k] = v;
  }
  return out;
}

/** Starts one worker: prompt.md and worker.json on disk, a window running the runner, returns once the agent runs. */
export async function spawnWorker(o: SpawnWorkerOptions): Promise<WorkerRecord> {
  const record = prepareWorker(o);
  return launchPrepared(o.tmux, o.run, record, o.prompt, o.env ?? process.env, o.startTimeoutMs);
}

/** Writes the prepared worker's files and opens its window (or, `queued`, records it waiting for a slot with
 * its runner command prepared: supervise/queue.ts); on failure removes what it made. */
export async function launchPrepared(tmux: Tmux, run: RunRecord, record: WorkerRecord, prompt: string | Uint8Array, env: NodeJS.ProcessEnv, startTimeoutMs = START_TIMEOUT_MS, queued = false): Promise<WorkerRecord> {
  const paths = workerPaths(run.dir, record.name);
  let created: { paneId: string } | undefined;
  try {
    mkdirSync(paths.dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`Worker ${JSON.stringify(record.name)} already exists in run ${run.id}: pick another name`, { code: 'worker_exists' });
    throw error;
  }
  try {
    writeFileAtomic(paths.prompt, prompt);
    // Made here with 0600 so the transcript and the agent's message are never world-readable.
    writeFileSync(paths.paneLog, '', { mode: 0o600, flag: 'a' });
    writeFileSync(paths.lastMessage, '', { mode: 0o600, flag: 'a' });
    // The worker's hook settings (claude's --settings file) and its hooks.jsonl, private like the rest.
    if (record.hooks) writeFileSync(paths.hooks, '', { mode: 0o600, flag: 'a' });
    if (record.hooks) for (const [file, text] of Object.entries(installHooks(record.hooks, hookTarget(run, record.name)).files)) writeFileAtomic(file, text);
    // A writer's workspace as its first attempt begins: a rerun needs it unchanged (resume.ts).
    if (writes(record) && !record.host && !record.rehearsal) record.workspacePrint = await workspacePrint(record.cwd);
    if (queued) {
      const waiting = createWorker({ ...record, state: 'queued', queuedCommand: prepareRunner(record, { attempt: 0, env: forwardedEnv(env, record.host, record.forwardEnv) }) });
      if (reopenRun(run.dir)) await reviveBoard(run, tmux);
      return waiting;
    }
    createWorker(record);
    if (reopenRun(run.dir)) await reviveBoard(run, tmux);
    const command = prepareRunner(record, { attempt: 0, env: forwardedEnv(env, record.host, record.forwardEnv) });
    created = record.host ? await openOnHost(run, record, command, 0) : await tmux.newWindow({
      target: run.session,
      name: record.name,
      cwd: record.cwd,
      env: { ORCH_TMUX_WORKER: `${run.id}/${record.name}` },
      command,
    });
    crashPoint('tmux:window-opened');
  } catch (error) {
    rmSync(paths.dir, { recursive: true, force: true });
    if (error instanceof TargetNotFoundError || error instanceof NoServerError) {
      throw new UsageError(`Run ${run.id} has no tmux session (${run.session}) any more: start a new run, or \`orch-tmux run --resume ${run.id}\` for a pattern run`, { code: 'run_gone' });
    }
    throw error;
  }
  if (record.host) return waitForRemoteStart(run, record.name, startTimeoutMs, created?.paneId);
  return waitForStart(tmux, run, record.name, startTimeoutMs, created?.paneId);
}

// Workers started together share a pane listing in flight instead of one tmux process each (a process
// start holds the event loop ~10 ms under load; 32 workers woken by each other's files made hundreds).
// Only a listing asked for at or after `since` is shared: an older one may predate the caller's window.
type Listing = { since: number; panes: Promise<PaneMap | 'gone'> };
const listings = new WeakMap<Tmux, Map<string, Listing>>();
function sharedPanes(tmux: Tmux, session: string, since: number): Promise<PaneMap | 'gone'> {
  let mine = listings.get(tmux);
  if (!mine) listings.set(tmux, (mine = new Map()));
  const current = mine.get(session);
  if (current && current.since >= since) return current.panes;
  const listing: Listing = { since: Date.now(), panes: sessionPanes(tmux, session) };
  mine.set(session, listing);
  void listing.panes.finally(() => { if (mine.get(session) === listing) mine.delete(session); }).catch(() => undefined);
  return listing.panes;
}

/** Waits (woken by wait-for, checked on disk) until the runner reports the agent started, or ended already. */
export async function waitForStart(tmux: Tmux, run: RunRecord, name: string, timeoutMs: number, paneId?: string): Promise<WorkerRecord> {
  const deadline = Date.now() + timeoutMs;
  const watcher = new RunWatcher([run.dir]);
  try {
    return await startWatched(watcher, tmux, run, name, deadline, timeoutMs, paneId);
  } finally {
    watcher.close();
  }
}

async function startWatched(watcher: RunWatcher, tmux: Tmux, run: RunRecord, name: string, deadline: number, timeoutMs: number, paneId?: string): Promise<WorkerRecord> {
  const opened = Date.now();
  let looked = opened;
  for (;;) {
    watcher.reset();
    const rec = readWorker(run.dir, name);
    const facts = rec ? readFacts(run.dir, name, rec.resumes) : {};
    if (rec && (facts.start || facts.exit || rec.state !== 'pending')) {
      // The spawner settles what the runner reported, so worker.json says running when spawn returns.
      return settleWorker(run.dir, name, { panes: await sharedPanes(tmux, run.session, opened), by: 'spawn' }) ?? rec;
    }
    // A runner that died before setting remain-on-exit takes its window with it: say so instead of waiting.
    // Looked for once a second at most (other workers' files wake this loop far more often).
    if (paneId && Date.now() - looked >= START_WINDOW_CHECK_MS) {
      looked = Date.now();
      if (!hasPane(await sharedPanes(tmux, run.session, opened), paneId)) throw new OrchError(`Worker ${name}'s window closed before its agent started: see ${workerPaths(run.dir, name).paneLog}`);
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new OrchError(`Worker ${name} did not start within ${formatDuration(timeoutMs)}: look at its window with \`orch-tmux log ${run.id} ${name}\``);
    await watcher.changed(Math.min(left, 1000));
  }
}
