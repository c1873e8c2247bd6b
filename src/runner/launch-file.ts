// What the window's runner (scripts/orch-runner, POSIX sh) needs for one attempt of a worker, written by
// the process that opens the window: the agent's argv one item per line, where its stdin comes from,
// which files to keep, the tmux socket and channels, and the caller's environment in a 0600 file the
// runner deletes on reading. Lines are `key=value`; in a value a backslash is written `\\` and a newline
// `\n` (the runner undoes both with printf %b), so every byte but NUL passes and nothing is ever eval'd.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { whichProgram } from '../agents/resolve.js';
import { runnerScript, settleScript } from '../os/package.js';
import { writeFileAtomic } from '../os/atomic.js';
import { encodeValue, writeEnvFile } from './codec.js';
import { quoteForShell } from '../core/shell-quote.js';
import { runPaths, workerPaths } from '../core/paths.js';
import { shellQuoteForTmux } from '../tmux/index.js';
import { runChannel, workerChannel, type WorkerRecord } from '../core/worker.js';

const DEFAULT_RESUME_PROMPT = 'You were interrupted. Continue the task from where you left off, then give your final answer.';

/** The shell that runs worker windows: ORCH_TMUX_SH (words, e.g. `bash --posix`), else /bin/sh. */
export function runnerShell(env: NodeJS.ProcessEnv = process.env): string[] {
  const words = (env.ORCH_TMUX_SH ?? '').trim().split(/\s+/).filter(Boolean);
  return words.length ? words : ['/bin/sh'];
}

/** How an attempt starts: the first start, or a resume of the recorded session. */
export interface AttemptStart {
  attempt: number;
  resume?: boolean;
  /** The caller's environment (forwarded to the agent, never through argv). */
  env: Record<string, string>;
  /** Where `tmux` is found (the caller's PATH). */
  path?: string;
}

/** Writes the attempt's launch and environment files; returns the window's command (argv, no shell). */
export function prepareRunner(rec: WorkerRecord, start: AttemptStart): string[] {
  // Files are written here; the paths in them are where the runner reads them: here, or on the worker's
  // host (the same layout under the run's folder there), where the caller ships them.
  const paths = workerPaths(rec.runDir, rec.name);
  const there = workerPaths(rec.hostDir ?? rec.runDir, rec.name);
  const remote = rec.host !== undefined;
  const lines: Buffer[] = [];
  const put = (key: string, value: string | Uint8Array | number | undefined) => {
    if (value !== undefined) lines.push(Buffer.concat([Buffer.from(`${key}=`), encodeValue(typeof value === 'number' ? String(value) : value), Buffer.from('\n')]));
  };
  const shell = remote ? ['/bin/sh'] : runnerShell(start.env);
  const promptArg = () => (rec.prompt === 'arg' ? [readFileSync(paths.prompt)] : []);
  put('dir', there.dir);
  put('attempt', start.attempt);
  // On a host: its own tmux from its PATH, its default server (the window's $TMUX), no settle step (no Node
  // there: whoever brings the facts home records the end, hosts/sync.ts).
  put('tmux', remote ? 'tmux' : whichProgram('tmux', { PATH: start.path ?? start.env.PATH ?? process.env.PATH }) ?? 'tmux');
  if (!remote) put('socket', rec.socketPath);
  put('wchan', workerChannel(rec.run, rec.name));
  put('rchan', runChannel(rec.run));
  put('pipe', `exec cat >> ${shellQuoteForTmux(there.paneLog)}`);
  if (!remote) put('node', process.execPath);
  if (!remote) put('settle', settleScript);
  // The run's settle queue entry for this worker and the lock its live settle step holds (workers/settler.ts).
  if (!remote) put('queue', join(runPaths(rec.runDir).settleQueue, rec.name));
  if (!remote) put('settlelock', runPaths(rec.runDir).settleLock);
  put('sh', shell[0]);
  if (shell.length > 1) put('shflag', shell.slice(1).join(' '));
  // On a host the runner measures its own pane.log (the copy here may be shorter).
  if (!remote) put('logoffset', sizeOf(paths.paneLog));
  // Made here with 0600 so the agent's output is never world-readable.
  if (rec.mode === 'exec') writeFileSync(paths.stdout, '', { mode: 0o600, flag: 'a' });
  if (rec.mode === 'exec') put('stdout', there.stdout);
  put('answer', rec.lastMessage === 'pane' ? 'pane' : rec.lastMessage === 'file' ? there.lastMessage : there.stdout);
  // codex leaves an existing -o file untouched when a turn fails: a stale message must not pass for a new one.
  if (rec.lastMessage === 'file') put('truncate', there.lastMessage);
  if (rec.rehearsal) {
    writeRehearsal(rec);
    put('rehearsal', there.rehearsalScreen);
  } else if (start.resume) {
    const sessionId = rec.sessionId ?? '';
    for (const a of rec.resumeArgv ?? []) put('arg', a.split('{{sessionId}}').join(sessionId));
    put('resume', 1);
    if (rec.mode === 'exec') {
      writeFileAtomic(paths.resumePrompt, rec.resumePrompt ?? DEFAULT_RESUME_PROMPT);
      put('stdin', there.resumePrompt);
    }
    // A session the agent never saved (killed in its first second): the task starts again under a new id.
    if (rec.sessionMissing && rec.newSessionId) {
      const id = randomUUID();
      put('missing', rec.sessionMissing);
      put('oldsession', sessionId);
      put('retrysession', id);
      for (const a of [...rec.argv.map((x) => x.split(rec.newSessionId!).join(id)), ...promptArg()]) put('retry', a);
      if (rec.prompt === 'stdin') put('retrystdin', there.prompt);
    }
  } else {
    for (const a of [...rec.argv, ...promptArg()]) put('arg', a);
    if (rec.prompt === 'stdin') put('stdin', there.prompt);
  }
  const env = { ...start.env, ...(rec.env ?? {}), ORCH_TMUX_WORKER: `${rec.run}/${rec.name}` };
  writeEnvFile(paths.envFile, env);
  put('env', there.envFile);
  // The agent's environment is the caller's (the file above) and the pane's TERM; on a host the login's PATH,
  // HOME and the like too. Never the tmux server's (scripts/orch-runner, _orch_clean_env).
  if (remote) put('keep', 'login');
  // The record as the window starts: the settle step's stand-in for a worker.json someone damaged.
  put('record', JSON.stringify(rec));
  const file = paths.launch(start.attempt);
  writeFileAtomic(file, Buffer.concat(lines), 0o600, false);
  // A host gets the runner in the worker's folder (shipped with the files).
  return remote ? [...shell, join(there.dir, 'orch-runner'), there.launch(start.attempt)] : [...shell, runnerScript, file];
}

// A rehearsal (--dry-run) shows what would run and leaves a stand-in answer saying so; no agent starts.
function writeRehearsal(rec: WorkerRecord): void {
  const paths = workerPaths(rec.runDir, rec.name);
  const prompt = readFileSync(paths.prompt);
  const command = quoteForShell(rec.argv);
  const delivery = rec.prompt === 'stdin' ? 'on stdin from prompt.md' : rec.prompt === 'arg' ? 'as the last argument' : rec.prompt === 'file' ? 'as a file argument' : 'typed later with orch-tmux send';
  const screen = Buffer.concat([
    Buffer.from(`REHEARSAL (--dry-run): no agent runs. Worker ${rec.name} would run, in ${rec.cwd}:\n\n  ${command}\n\nwith this prompt ${delivery}:\n\n`),
    prompt,
    Buffer.from('\n\n--- end of prompt ---\n'),
  ]);
  writeFileAtomic(paths.rehearsalScreen, screen, 0o600);
  const sha = createHash('sha256').update(prompt).digest('hex');
  const head = prompt.toString('utf8').split('\n');
  writeFileAtomic(paths.rehearsal, [
    `# Rehearsal result: ${rec.name}`,
    '',
    'This is a rehearsal (--dry-run): no agent ran and nothing was reviewed.',
    '',
    `- agent: ${rec.agent}`,
    `- command: \`${command}\``,
    `- prompt: ${prompt.length} bytes, sha256 ${sha}, delivered ${delivery}`,
    `- prompt file: ${paths.prompt}`,
    '',
    'First lines of the prompt:',
    '',
    ...head.slice(0, 12).map((l) => `> ${l}`),
    ...(head.length > 12 ? [`> ... (${head.length - 12} more lines)`] : []),
    '',
  ].join('\n'));
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
