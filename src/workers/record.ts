import { readdirSync, readFileSync } from 'node:fs';
import { writeJsonAtomic } from '../runs/atomic.js';
import { runPaths, workerPaths } from '../runs/paths.js';

/** Where a worker is in its life; `lost` means the run dir says running but tmux has no such pane. */
export type WorkerState = 'pending' | 'running' | 'done' | 'failed' | 'killed' | 'lost';

/** States after which a worker does nothing more on its own. */
export const FINISHED: ReadonlySet<WorkerState> = new Set(['done', 'failed', 'killed', 'lost']);

/** worker.json: everything the runner needs to start the agent, and what became of it. */
export interface WorkerRecord {
  name: string;
  run: string;
  runDir: string;
  agent: string;
  /** How to load the profile again: a built-in name or the profile file's path. */
  agentRef?: string;
  mode: 'exec' | 'interactive';
  /** The agent's argv with placeholders filled and the program made absolute. */
  argv: string[];
  /** argv for resuming, with {{sessionId}} still to fill. */
  resumeArgv?: string[];
  resumePrompt?: string;
  prompt: 'stdin' | 'arg' | 'file' | 'none';
  lastMessage: 'file' | 'stdout' | 'pane';
  sessionIdRegex?: string;
  cwd: string;
  /** Extra environment from the profile (never the caller's secrets). */
  env: Record<string, string>;
  socketPath: string;
  rehearsal?: boolean;
  paneId?: string;
  windowId?: string;
  state: WorkerState;
  exitCode?: number | null;
  signal?: string | null;
  reason?: string;
  createdAt: string;
  /** When it last became pending (a resume); createdAt otherwise. */
  pendingSince?: string;
  /** The process that made it pending (spawn, resume); if it dies with no live pane, nobody will start it. */
  starterPid?: number;
  startedAt?: string;
  endedAt?: string;
  sessionId?: string;
  runnerPid?: number;
  agentPid?: number;
  resultSource?: 'file' | 'stdout' | 'pane-tail' | 'rehearsal' | 'none';
  resumes: number;
}

/** Reads worker.json; undefined when missing or unreadable (a damaged file is reported by the caller). */
export function readWorker(runDir: string, name: string): WorkerRecord | undefined {
  try {
    return JSON.parse(readFileSync(workerPaths(runDir, name).workerJson, 'utf8')) as WorkerRecord;
  } catch {
    return undefined;
  }
}

/** Writes worker.json atomically (0600). */
export function writeWorker(record: WorkerRecord): void {
  writeJsonAtomic(workerPaths(record.runDir, record.name).workerJson, record);
}

/** Reads, changes and writes worker.json in one step; a damaged file is rebuilt from `fallback` when given. */
export function updateWorker(runDir: string, name: string, change: Partial<WorkerRecord>, fallback?: WorkerRecord): WorkerRecord | undefined {
  const current = readWorker(runDir, name) ?? fallback;
  if (!current) return undefined;
  const next = { ...current, ...change };
  writeWorker(next);
  return next;
}

/** Names of the run's workers, in the order their folders sort. */
export function listWorkerNames(runDir: string): string[] {
  try {
    return readdirSync(runPaths(runDir).workers, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/** The tmux wait-for channel signalled when this worker starts or ends. */
export function workerChannel(runId: string, worker: string): string {
  return `orch-${runId}-${worker}`;
}

/** The tmux wait-for channel signalled when any worker of the run ends. */
export function runChannel(runId: string): string {
  return `orch-${runId}`;
}
