import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateHome } from '../core/paths.js';
import type { RunOutcome } from '../core/run.js';
import { crashPoint } from '../os/crash-point.js';

/** One line of index.jsonl: enough to find a run and its tmux server from anywhere. */
export interface IndexEntry {
  id: string;
  dir: string;
  session: string;
  socketPath?: string;
  created: string;
  name?: string;
  pattern?: string;
  /** Set by a later line when the run ends (finished, killed): readers skip it without opening run.json. */
  state?: 'active' | 'finished' | 'killed' | 'failed';
  /** When it ended and how (set with `state`; null again when it is reopened). */
  endedAt?: string | null;
  outcome?: RunOutcome | null;
  /** Set by `prune --files`: the run's folder is gone, and so is the run for every reader. */
  removed?: boolean;
}

/** The path of the index file. */
export function indexPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateHome(env), 'index.jsonl');
}

/** Adds a run to the index, or a change of one (append-only; a later line's fields win). */
export function addToIndex(entry: IndexEntry): void {
  const path = indexPath();
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  appendFileSync(path, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  crashPoint('index.jsonl:appended');
}

/** Forgets a run whose folder was removed (append-only: a line that says so). */
export function removeFromIndex(entry: Pick<IndexEntry, 'id' | 'dir' | 'session' | 'created'>): void {
  addToIndex({ id: entry.id, dir: entry.dir, session: entry.session, created: entry.created, removed: true });
}

/** Every run in the index, newest first, one entry per id (removed runs left out). */
export function readIndex(): IndexEntry[] {
  let text: string;
  try {
    text = readFileSync(indexPath(), 'utf8');
  } catch {
    return [];
  }
  const byId = new Map<string, IndexEntry>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const entry = JSON.parse(line) as IndexEntry;
      if (entry && typeof entry.id === 'string' && typeof entry.dir === 'string') byId.set(entry.id, { ...byId.get(entry.id), ...entry });
    } catch {
      /* torn line */
    }
  }
  return [...byId.values()].filter((e) => !e.removed).sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : b.id.localeCompare(a.id)));
}
