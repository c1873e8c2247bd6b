// The program inside each worker window: starts the agent, tees its output, records the outcome on disk,
// then signals tmux wait-for channels. It is the only writer of a worker's outcome while it lives.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, existsSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { basename, dirname } from 'node:path';
import { constants } from 'node:os';
import { writeFileAtomic } from '../runs/atomic.js';
import { appendEvent } from '../runs/events.js';
import { workerPaths } from '../runs/paths.js';
import { Tmux, shellQuoteForTmux } from '../tmux/index.js';
import { readWorker, runChannel, updateWorker, workerChannel, type WorkerRecord, type WorkerState } from './record.js';
import { readTail, transcriptTail } from './transcript.js';
import { takeEnvFile } from './env-file.js';

// tmux has no per-session window options, so each worker's window gets the format that shows its state.
const STATUS_FORMAT = '#I:#W[#{@orch_state}]#F';
const DEFAULT_RESUME_PROMPT = 'You were interrupted. Continue the task from where you left off, then give your final answer.';
const MARK_PANE_TAIL = '<!-- orch-tmux: the agent left no last message; this is the tail of its terminal transcript -->';

/** Runs one worker to its end; returns the exit code the window should show. */
export async function runWorker(workerDir: string, resume = false): Promise<number> {
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const runDir = dirname(dirname(workerDir));
  const name = basename(workerDir);
  const paths = workerPaths(runDir, name);
  takeEnvFile(paths.envFile);
  const rec = readWorker(runDir, name);
  if (!rec) {
    process.stderr.write(`orch-tmux runner: no readable worker.json in ${workerDir}\n`);
    return 70;
  }
  const tmux = new Tmux({ socketPath: rec.socketPath });
  const pane = process.env.TMUX_PANE;
  if (pane) {
    await tmux
      .run([
        ['set-option', '-w', '-t', pane, 'remain-on-exit', 'on'],
        ['set-option', '-w', '-t', pane, '@orch_state', 'running'],
        ['set-option', '-w', '-t', pane, 'window-status-format', STATUS_FORMAT],
        ['set-option', '-w', '-t', pane, 'window-status-current-format', STATUS_FORMAT],
        ['pipe-pane', '-t', pane, `exec cat >> ${shellQuoteForTmux(paths.paneLog)}`],
      ])
      .catch((error) => process.stderr.write(`orch-tmux runner: ${String(error)}\n`));
  }
  if (rec.rehearsal) return rehearse(rec, tmux, pane);

  let argv = rec.argv;
  let stdin: 'inherit' | 'pipe' | number = 'inherit';
  let stdinText: string | undefined;
  if (resume) {
    if (!rec.resumeArgv || !rec.sessionId) {
      process.stderr.write('orch-tmux runner: cannot resume: the profile has no resume command or no session id was recorded\n');
      return 70;
    }
    argv = rec.resumeArgv.map((a) => a.split('{{sessionId}}').join(rec.sessionId!));
    if (rec.mode === 'exec') {
      stdin = 'pipe';
      stdinText = rec.resumePrompt ?? DEFAULT_RESUME_PROMPT;
    }
  } else if (rec.prompt === 'stdin') {
    stdin = openSync(paths.prompt, 'r');
  } else if (rec.prompt === 'arg') {
    argv = [...argv, readFileSync(paths.prompt, 'utf8')];
  }

  // codex leaves an existing -o file untouched when a turn fails: a stale message must not pass for a new one.
  if (rec.lastMessage === 'file') writeFileSync(paths.lastMessage, '', { mode: 0o600 });
  const pipeOutput = rec.mode === 'exec';
  const env = { ...process.env, ...rec.env, ORCH_TMUX_WORKER: `${rec.run}/${rec.name}` };
  // The runner's own copy of worker.json: written whole each time, so a damaged file is repaired.
  let current: WorkerRecord = rec;
  const record = (change: Partial<WorkerRecord>) => safely(() => {
    current = updateWorker(runDir, name, change, current) ?? current;
  });
  const sessionRegex = rec.sessionIdRegex ? new RegExp(rec.sessionIdRegex) : undefined;
  let sessionId = resume ? rec.sessionId : undefined;
  let scanned = '';
  const scan = (chunk: Buffer) => {
    if (!sessionRegex || sessionId || scanned.length > 65536) return;
    scanned += chunk.toString('utf8');
    const m = sessionRegex.exec(scanned);
    if (m) {
      sessionId = m[1] ?? m[0];
      record({ sessionId });
    }
  };
  let child: ChildProcess;
  try {
    child = spawn(argv[0]!, argv.slice(1), {
      cwd: rec.cwd,
      env,
      stdio: [stdin, pipeOutput ? 'pipe' : 'inherit', pipeOutput ? 'pipe' : 'inherit'],
    });
  } catch (error) {
    return finish(rec, tmux, { code: 127, signal: null, reason: `could not start ${argv[0]}: ${String(error)}` });
  }
  // Everything that listens to the child is attached now, before any await: a fast agent may be done
  // (output flushed, 'end' and 'exit' emitted) by the time the next await returns.
  const started = new Promise<Error | undefined>((res) => {
    child.once('spawn', () => res(undefined));
    child.once('error', (error) => res(error));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('exit', (code, signal) => res({ code, signal })));
  let drained: Promise<unknown> = Promise.resolve();
  if (pipeOutput) {
    const stdoutFile = createWriteStream(paths.stdout, { flags: resume ? 'a' : 'w', mode: 0o600 });
    child.stdout!.on('data', (d: Buffer) => { process.stdout.write(d); stdoutFile.write(d); scan(d); });
    child.stderr!.on('data', (d: Buffer) => { process.stderr.write(d); scan(d); });
    drained = Promise.all([
      finished(child.stdout!).catch(() => undefined).then(() => new Promise<void>((res) => stdoutFile.end(res))),
      finished(child.stderr!).catch(() => undefined),
    ]);
  }
  let hangup = false;
  process.on('SIGINT', () => undefined); // C-c in the pane reaches the agent too (same process group)
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  process.on('SIGHUP', () => {
    hangup = true;
    child.kill('SIGHUP');
    setTimeout(() => child.kill('SIGKILL'), 2000).unref();
  });

  const failedToStart = await started;
  if (typeof stdin === 'number') {
    try { closeSync(stdin); } catch { /* already closed */ }
  }
  if (failedToStart) return finish(rec, tmux, { code: 127, signal: null, reason: `could not start ${argv[0]}: ${failedToStart.message}` });
  if (stdinText !== undefined) child.stdin!.end(stdinText);

  const now = new Date().toISOString();
  record({
    state: 'running', paneId: pane ?? rec.paneId, runnerPid: process.pid, agentPid: child.pid,
    startedAt: resume ? rec.startedAt ?? now : now, endedAt: undefined, exitCode: undefined, signal: undefined, reason: undefined,
    resumes: resume ? rec.resumes + 1 : rec.resumes,
  });
  safely(() => appendEvent(runDir, { worker: name, kind: resume ? 'worker.resumed' : 'worker.started', detail: { pid: child.pid, argv0: argv[0], sessionId: resume ? rec.sessionId : undefined } }));
  await tmux.signal(workerChannel(rec.run, name)).catch(() => undefined);

  await drained;
  const exit = await exited;
  if (!sessionId && sessionRegex) sessionId = findSessionId(paths.paneLog, sessionRegex);
  return finish(current, tmux, { ...exit, hangup, sessionId });
}

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  hangup?: boolean;
  sessionId?: string;
  reason?: string;
}

// Records the outcome: result.md first, then worker.json, then the event, then the wake-up signals.
async function finish(rec: WorkerRecord, tmux: Tmux, o: Outcome): Promise<number> {
  const paths = workerPaths(rec.runDir, rec.name);
  const killed = existsSync(paths.killRequested);
  const state: WorkerState = o.hangup || o.signal === 'SIGHUP' ? 'lost' : killed ? 'killed' : o.code === 0 ? 'done' : 'failed';
  let result = collectResult(rec);
  if ((!result || result.source === 'pane-tail') && !o.hangup && process.env.TMUX_PANE) {
    await syncTranscript(paths.paneLog);
    result = collectResult(rec);
  }
  if (result) safely(() => writeFileAtomic(paths.result, result.text));
  const reason = o.reason ?? (o.signal ? `agent ended by ${o.signal}` : o.code === 0 ? undefined : `agent exited with code ${o.code}`);
  safely(() => updateWorker(rec.runDir, rec.name, {
    state, exitCode: o.code, signal: o.signal, endedAt: new Date().toISOString(), reason,
    resultSource: result?.source ?? 'none', ...(o.sessionId ? { sessionId: o.sessionId } : {}),
  }, rec));
  safely(() => appendEvent(rec.runDir, { worker: rec.name, kind: `worker.${state}`, detail: { exitCode: o.code, signal: o.signal, reason, resultSource: result?.source ?? 'none' } }));
  await announce(tmux, rec, state);
  if (o.reason) process.stderr.write(`orch-tmux: ${o.reason}\n`);
  return o.code ?? 128 + (o.signal ? constants.signals[o.signal] ?? 0 : 0);
}

// pane.log lags the pane (tmux pipes output through `cat`), so the agent's last bytes may not be in it yet
// when the agent exits. Write an invisible marker (an OSC that tmux ignores and strip-ansi removes) and wait,
// bounded, until the log shows it: the pty keeps order, so everything written before it is there too.
async function syncTranscript(paneLog: string, timeoutMs = 1500): Promise<void> {
  const marker = `orch-sync-${randomBytes(6).toString('hex')}`;
  process.stdout.write(`\x1b]7770;${marker}\x07`);
  const deadline = Date.now() + timeoutMs;
  while (!readTail(paneLog, 4096).includes(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

/** The worker's last message from the profile's source, falling back to stdout, then the marked pane tail. */
export function collectResult(rec: WorkerRecord): { text: string; source: NonNullable<WorkerRecord['resultSource']> } | undefined {
  const paths = workerPaths(rec.runDir, rec.name);
  const nonEmpty = (path: string) => {
    try {
      return statSync(path).size > 0 ? readFileSync(path, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  };
  if (rec.lastMessage === 'file') {
    const text = nonEmpty(paths.lastMessage);
    if (text !== undefined) return { text, source: 'file' };
  }
  if (rec.lastMessage !== 'pane') {
    const text = nonEmpty(paths.stdout);
    if (text !== undefined && text.trim() !== '') return { text, source: 'stdout' };
  }
  const tail = transcriptTail(paths.paneLog, 60);
  if (tail.length === 0) return undefined;
  return { text: `${MARK_PANE_TAIL}\n${tail.join('\n')}\n`, source: 'pane-tail' };
}

/** Looks for the session id in the pane transcript (interactive agents, or a crash before it was seen). */
export function findSessionId(paneLog: string, regex: RegExp): string | undefined {
  const text = transcriptTail(paneLog, 100000).join('\n');
  const m = regex.exec(text);
  return m ? m[1] ?? m[0] : undefined;
}

// A rehearsal (--dry-run) shows what would run and writes a result saying so; no agent starts.
async function rehearse(rec: WorkerRecord, tmux: Tmux, pane: string | undefined): Promise<number> {
  const paths = workerPaths(rec.runDir, rec.name);
  const prompt = readFileSync(paths.prompt);
  const command = rec.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  const delivery = rec.prompt === 'stdin' ? 'on stdin from prompt.md' : rec.prompt === 'arg' ? 'as the last argument' : rec.prompt === 'file' ? 'as a file argument' : 'typed later with orch-tmux send';
  updateWorker(rec.runDir, rec.name, { state: 'running', paneId: pane, runnerPid: process.pid, startedAt: new Date().toISOString() });
  safely(() => appendEvent(rec.runDir, { worker: rec.name, kind: 'worker.started', detail: { rehearsal: true } }));
  await tmux.signal(workerChannel(rec.run, rec.name)).catch(() => undefined);
  process.stdout.write(`REHEARSAL (--dry-run): no agent runs. Worker ${rec.name} would run, in ${rec.cwd}:\n\n  ${command}\n\nwith this prompt ${delivery}:\n\n`);
  process.stdout.write(prompt);
  process.stdout.write('\n\n--- end of prompt ---\n');
  const sha = createHash('sha256').update(prompt).digest('hex');
  const head = prompt.toString('utf8').split('\n');
  const text = [
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
  ].join('\n');
  writeFileAtomic(paths.result, text);
  updateWorker(rec.runDir, rec.name, { state: 'done', exitCode: 0, signal: null, endedAt: new Date().toISOString(), resultSource: 'rehearsal' });
  safely(() => appendEvent(rec.runDir, { worker: rec.name, kind: 'worker.done', detail: { rehearsal: true } }));
  await announce(tmux, rec, 'done');
  return 0;
}

// Wakes waiters on the worker's and the run's channels, then shows the state in the status bar
// (`3:risks[done]`): the window keeps its name, a window option carries the state.
async function announce(tmux: Tmux, rec: WorkerRecord, state: WorkerState): Promise<void> {
  await tmux.run([['wait-for', '-S', workerChannel(rec.run, rec.name)], ['wait-for', '-S', runChannel(rec.run)]]).catch(() => undefined);
  const pane = process.env.TMUX_PANE;
  if (pane) await tmux.run([['set-option', '-w', '-t', pane, '@orch_state', state]]).catch(() => undefined);
}

// A record that cannot be written (full disk, removed run dir) must not stop the outcome from being signalled.
function safely(write: () => unknown): void {
  try {
    write();
  } catch (error) {
    process.stderr.write(`orch-tmux runner: could not record: ${String((error as Error).message ?? error)}\n`);
  }
}
