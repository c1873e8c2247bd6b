// A worker's answer comes only from the channel its profile declares; anything else kept for a person
// (stdout when the profile says file, the transcript tail) is a fallback and never counts as a result.
import { readFileSync, statSync } from 'node:fs';
import { workerPaths } from '../core/paths.js';
import type { AnswerSource, FallbackSource, JsonPaths, WorkerRecord } from '../core/worker.js';
import { readFacts } from '../runner/facts.js';
import { transcriptTail } from '../os/transcript.js';
import { readReport, reportedFailure, type AgentReport } from '../core/structured.js';

const MARK_FALLBACK = '<!-- orch-tmux: the agent gave no answer on its declared channel; this is what it left elsewhere, kept for a person. It is not a result. -->';

function nonEmpty(path: string): string | undefined {
  try {
    if (statSync(path).size === 0) return undefined;
    const text = readFileSync(path, 'utf8');
    return text.trim() === '' ? undefined : text;
  } catch {
    return undefined;
  }
}

// The transcript tail of the current attempt only: a resumed worker's pane.log still holds the earlier ones.
function paneTail(rec: WorkerRecord): string | undefined {
  const facts = readFacts(rec.runDir, rec.name, rec.resumes);
  const from = facts.start?.logOffset ?? facts.exit?.logOffset ?? 0;
  const tail = transcriptTail(workerPaths(rec.runDir, rec.name).paneLog, 60, from);
  return tail.length ? `${tail.join('\n')}\n` : undefined;
}

/** The agent's own answer on its declared channel, or undefined when it gave none. */
export function readAnswer(rec: WorkerRecord): { text: string; source: AnswerSource } | undefined {
  const paths = workerPaths(rec.runDir, rec.name);
  if (rec.rehearsal) {
    const text = nonEmpty(paths.rehearsal);
    return text === undefined ? undefined : { text, source: 'rehearsal' };
  }
  const text = rec.lastMessage === 'file' ? nonEmpty(paths.lastMessage)
    : rec.lastMessage === 'stdout' ? nonEmpty(paths.stdout)
    : rec.lastMessage === 'pane' ? paneTail(rec)
    : agentReport(rec)?.result;
  return text === undefined || text.trim() === '' ? undefined : { text, source: rec.lastMessage };
}

/** The agent's own account of its turn, for profiles whose answer is JSON; undefined for the others. */
export function agentReport(rec: WorkerRecord): AgentReport | undefined {
  if ((rec.lastMessage !== 'json' && rec.lastMessage !== 'jsonl') || !rec.json) return undefined;
  return readReportFile(workerPaths(rec.runDir, rec.name).stdout, rec.lastMessage, rec.json);
}

/** Why the agent itself says its turn failed (an error result, refused tool calls), or undefined. */
export function agentFailure(rec: WorkerRecord): string | undefined {
  const report = agentReport(rec);
  return report ? reportedFailure(report, rec.sandbox) : undefined;
}

/** What the agent left off its declared channel, marked, for a person to read. */
export function readFallback(rec: WorkerRecord): { text: string; source: FallbackSource } | undefined {
  if (rec.rehearsal) return undefined;
  const stdout = rec.lastMessage === 'file' || rec.lastMessage === 'json' || rec.lastMessage === 'jsonl' ? nonEmpty(workerPaths(rec.runDir, rec.name).stdout) : undefined;
  if (stdout !== undefined) return { text: `${MARK_FALLBACK}\n${stdout}`, source: 'fallback:stdout' };
  const tail = rec.lastMessage !== 'pane' ? paneTail(rec) : undefined;
  return tail === undefined ? undefined : { text: `${MARK_FALLBACK}\n${tail}`, source: 'fallback:pane' };
}

/** The report in a worker's stdout file; empty when the file is missing. */
export function readReportFile(path: string, kind: 'json' | 'jsonl', paths: JsonPaths): AgentReport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  return readReport(text, kind, paths);
}
