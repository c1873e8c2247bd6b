// The agent's session id (what resume needs), found in what it printed when it was not recorded live.
import { workerPaths } from '../core/paths.js';
import type { WorkerRecord } from '../core/worker.js';
import { readTail, transcriptTail } from '../os/transcript.js';
import { readHookLines } from '../runner/hooks.js';
import { readFacts } from '../runner/facts.js';
import { hookSessionId } from '../core/hooks.js';

/** The first match of the profile's session-id regex in the worker's stdout, else in its transcript. */
export function findSessionId(rec: Pick<WorkerRecord, 'runDir' | 'name'>, regex: RegExp): string | undefined {
  const paths = workerPaths(rec.runDir, rec.name);
  for (const text of [readTail(paths.stdout, 65536), transcriptTail(paths.paneLog, 100000).join('\n')]) {
    const m = regex.exec(text);
    if (m) return m[1] ?? m[0];
  }
  return undefined;
}

/** The session id a resume needs: recorded, else found in what the agent printed. */
export function sessionIdOf(rec: WorkerRecord): string | undefined {
  // A start under a new session (a resume that found none) names it before the record does.
  const started = readFacts(rec.runDir, rec.name, rec.resumes).start?.sessionId;
  if (started) return started;
  if (rec.sessionId) return rec.sessionId;
  // The agent's SessionStart hook says it outright, where the profile has hooks.
  const hooked = rec.hooks ? hookSessionId(readHookLines(rec)) : undefined;
  if (hooked) return hooked;
  return rec.sessionIdRegex ? findSessionId(rec, new RegExp(rec.sessionIdRegex)) : undefined;
}
