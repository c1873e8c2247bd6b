// Pure: a worker's record (worker.json) and the states it moves through, as types and the few facts about
// them every layer shares.
import type { StatePatterns } from './classify.js';
import type { HookSpec } from './hooks.js';
import type { Host } from './host.js';

/** Where a worker is in its life; `queued` waits for a free slot under a concurrency limit (no window yet);
 * `lost` means the run dir says running but tmux has no such pane. */
export type WorkerState = 'queued' | 'pending' | 'running' | 'done' | 'failed' | 'killed' | 'lost';

/** A state as status derives it: a recorded one, or `unreachable` (never recorded): its host does not answer, so nothing is known. */
export type DerivedState = WorkerState | 'unreachable';

/** States after which a worker does nothing more on its own. */
export const FINISHED: ReadonlySet<DerivedState> = new Set(['done', 'failed', 'killed', 'lost']);

/** The keys a worker's agent takes, frozen at spawn. */
export interface AgentKeys {
  approve: string[];
  deny: string[];
  interrupt: string[];
  submit: string[];
}

/**
 * worker.json: everything the runner needs to start the agent, what the monitor, send, keys, kill and
 * resume need from the profile (copied at spawn, so editing or moving the profile changes nothing for a
 * live worker), and what became of it. Written only by the store (store.ts).
 */
export interface WorkerRecord {
  name: string;
  run: string;
  runDir: string;
  agent: string;
  /** Where the profile came from (a built-in name or its file), for people. */
  agentRef?: string;
  mode: 'exec' | 'interactive';
  /** The agent's argv with placeholders filled and the program made absolute. */
  argv: string[];
  /** argv for resuming, with {{sessionId}} still to fill. */
  resumeArgv?: string[];
  resumePrompt?: string;
  /** What the agent prints when it has no session to resume (then the task starts again, under a new id). */
  sessionMissing?: string;
  /** The id `{{newSessionId}}` put into argv at spawn (a restart swaps it for a new one). */
  newSessionId?: string;
  prompt: 'stdin' | 'arg' | 'file' | 'none';
  lastMessage: LastMessage;
  /** Paths into the agent's JSON output, for `lastMessage: json | jsonl`. */
  json?: JsonPaths;
  sessionIdRegex?: string;
  /** The sandbox mode it was given (read-only, workspace-write, danger-full-access). */
  sandbox?: string;
  /** The profile's silence defaults (seconds), under the user's policy. */
  silence?: Partial<Record<'pokeAfter' | 'interruptAfter' | 'killAfter', number>>;
  /** What the agent's exit codes mean. */
  exitCodes?: Record<string, string>;
  /** The profile's lifecycle hooks, frozen at spawn: its state then comes from hooks.jsonl first. */
  hooks?: HookSpec;
  /** Screen patterns and keys from the profile, frozen at spawn. */
  states: StatePatterns;
  keys: AgentKeys;
  cwd: string;
  /** Extra environment from the profile (never the caller's secrets). */
  env: Record<string, string>;
  /** The caller's variables its agent may get on a host (the profile's forwardEnv and the host's forward), frozen at spawn. */
  forwardEnv?: string[];
  /** Which account the agent spends from, where it can be told: a hash of its profile's forwardEnv values
   * (API keys, endpoints) in the caller's environment, never the values. Workers meet usage limits per account. */
  account?: string;
  socketPath: string;
  /** The host it runs on (frozen at spawn), and the run's folder there; absent for this machine. */
  host?: Host;
  hostDir?: string;
  rehearsal?: boolean;
  paneId?: string;
  windowId?: string;
  state: WorkerState;
  exitCode?: number | null;
  signal?: string | null;
  reason?: string;
  createdAt: string;
  /** createdAt in milliseconds with a fraction: workers made in the same millisecond keep their order. */
  createdMs?: number;
  /** When it last became pending (a resume); createdAt otherwise. */
  pendingSince?: string;
  /** A queued worker's runner command, prepared at spawn (its launch and environment files are written then). */
  queuedCommand?: string[];
  /** The process that made it pending (spawn, resume); if it dies with no live pane, nobody will start it. */
  starterPid?: number;
  startedAt?: string;
  endedAt?: string;
  /** What the agent said each attempt cost (its JSON's `cost` and `usage` paths), by attempt (0 = first start). */
  spent?: Record<string, { cost?: number; usage?: unknown }>;
  sessionId?: string;
  runnerPid?: number;
  agentPid?: number;
  /** Where result.md came from (the declared channel), or the fallback kept in fallback.md, or none. */
  resultSource?: AnswerSource | FallbackSource | 'none';
  /** How many times it was restarted (resumed or rerun); also the number of the current attempt (its facts files). */
  resumes: number;
  /** How many of those restarts were reruns (the task again from prompt.md, nothing to resume); absent: none. */
  reruns?: number;
  /** How the current attempt started, when it is a restart. */
  restart?: 'resume' | 'rerun';
  /** The profile said its work is not safe to repeat (`rerun: false`): never rerun. */
  noRerun?: boolean;
  /** The failure came from the agent's own word (an error result, refused tools, an explained exit code): never rerun. */
  agentSaid?: boolean;
  /** A writer's workspace as the current attempt began (workers/workspace-print.ts): a rerun needs it unchanged. */
  workspacePrint?: string;
  /** Bumped by every change the store makes. */
  version: number;
}

/** True when the worker's answer counts: it came from the declared channel (or a rehearsal). */
export function hasResult(rec: Pick<WorkerRecord, 'resultSource'>): boolean {
  return rec.resultSource !== undefined && rec.resultSource !== 'none' && !rec.resultSource.startsWith('fallback:');
}

/** The tmux wait-for channel signalled when this worker starts or ends. */
export function workerChannel(runId: string, worker: string): string {
  return `orch-${runId}-${worker}`;
}

/** The tmux wait-for channel every hook of every run on a server signals (`monitor --watch` waits on it). */
export const EVENTS_CHANNEL = 'orch-events';

/** The tmux wait-for channel signalled when any worker of the run ends. */
export function runChannel(runId: string): string {
  return `orch-${runId}`;
}

/** Where a result came from: the declared channel, or a rehearsal's stand-in. */
export type AnswerSource = 'file' | 'stdout' | 'pane' | 'json' | 'jsonl' | 'rehearsal';

/** Where a fallback came from: kept for people, never a result. */
export type FallbackSource = 'fallback:stdout' | 'fallback:pane';

/** Where a worker's answer comes from: a file the agent writes, its stdout, its pane, or its JSON on stdout. */
export type LastMessage = 'file' | 'stdout' | 'pane' | 'json' | 'jsonl';

/**
 * Paths (`.a.b`, `.list[0]`) into the agent's JSON: `result` (the answer, required), `sessionId`, `error`
 * (true when the agent says the turn failed), `errorText` (why: one path, or several of which the first
 * non-empty text counts), `denied` (tool calls it was refused),
 * `usage`, `cost`. For jsonl, `sessionId` is read from the first line that has it, the rest from the last
 * line that has `result` or `error`.
 */
export interface JsonPaths {
  result: string;
  sessionId?: string;
  error?: string;
  errorText?: string | string[];
  denied?: string;
  usage?: string;
  cost?: string;
}
