// The program inside each worker window: starts the agent, tees its output, and reports facts (the agent
// started; the agent ended with code C or signal S at time T) in files, then signals tmux wait-for
// channels. The store (store.ts) turns facts into state; the runner settles its own worker right after
// signalling, and any reader that comes first derives the same answer from the facts.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, createWriteStream, existsSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { basename, dirname } from 'node:path';
import { constants } from 'node:os';
import { writeFileAtomic } from '../runs/atomic.js';
import { workerPaths } from '../runs/paths.js';
import { Tmux, shellQuoteForTmux } from '../tmux/index.js';
import { readAnswer } from './answer.js';
import { takeEnvFile } from './env-file.js';
import { writeExitFact, writeStartFact, type ExitFact } from './facts.js';
import { readWorker, runChannel, workerChannel, type WorkerRecord } from './record.js';
import { recordSessionId, repairWorker, settleWorker } from './store.js';
import { readTail } from './transcript.js';
import { endProcesses, leftInGroup } from './orphans.js';
import { readReportFile, sessionIdIn } from './structured.js';

// tmux has no per-session window options, so each worker's window gets the format that shows its state.
const STATUS_FORMAT = '#I:#W[#{@orch_state}]#F';
const DEFAULT_RESUME_PROMPT = 'You were interrupted. Continue the task from where you left off, then give your final answer.';
/** How long the agent's output may keep flowing after it exited (an orphaned child holding the pipe). */
const DRAIN_MS = 2000;

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
  const attempt = rec.resumes;
  const pipeOutput = rec.mode === 'exec';
  const env = { ...process.env, ...rec.env, ORCH_TMUX_WORKER: `${rec.run}/${rec.name}` };
  // The runner's own copy of the record stands in for a worker.json someone damaged.
  const current: WorkerRecord = rec;
  const sessionRegex = rec.sessionIdRegex ? new RegExp(rec.sessionIdRegex) : undefined;
  let sessionId = resume ? rec.sessionId : undefined;
  const noteSessionId = (id: string) => {
    sessionId = id;
    if (id !== current.sessionId) safely(() => recordSessionId(runDir, name, id, current));
  };
  // JSON output (`lastMessage: jsonl`) names the session in its first lines: recorded as it streams.
  let partial = '';
  const scanJson = (chunk: Buffer) => {
    if (!rec.json?.sessionId || sessionId) return;
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop()!.slice(0, 1 << 20);
    for (const line of lines) {
      const id = sessionIdIn(line, rec.json);
      if (id) return noteSessionId(id);
    }
  };
  let scanned = '';
  const scan = (chunk: Buffer) => {
    if (rec.json) scanJson(chunk);
    if (!sessionRegex || sessionId || scanned.length > 65536) return;
    scanned += chunk.toString('utf8');
    const m = sessionRegex.exec(scanned);
    // Recorded at once, so a worker killed in its first second is still resumable.
    if (m) noteSessionId(m[1] ?? m[0]);
  };
  // Where this attempt's part of pane.log begins (the pane channel's answer is read from there on).
  const logOffset = sizeOf(paths.paneLog);
  let child: ChildProcess | undefined;
  let hangup = false;
  process.on('SIGINT', () => undefined); // C-c in the pane reaches the agent too (same process group)
  process.on('SIGTERM', () => child?.kill('SIGTERM'));
  process.on('SIGHUP', () => {
    hangup = true;
    child?.kill('SIGHUP');
    setTimeout(() => child?.kill('SIGKILL'), 2000).unref();
  });
  // What the agent printed last (for `sessionMissing`), kept small; each run of the agent starts afresh.
  let heard = '';
  const hear = (d: Buffer) => { heard = (heard + d.toString('utf8')).slice(-65536); };

  // One run of the agent: started, fed, waited for, its output drained (bounded) and its leftovers ended.
  const runOnce = async (argv: string[], stdin: 'inherit' | 'pipe' | number, stdinText: string | undefined): Promise<Omit<ExitFact, 'time'>> => {
    heard = '';
    scanned = '';
    partial = '';
    try {
      child = spawn(argv[0]!, argv.slice(1), {
        cwd: rec.cwd,
        env,
        stdio: [stdin, pipeOutput ? 'pipe' : 'inherit', pipeOutput ? 'pipe' : 'inherit'],
      });
    } catch (error) {
      return { code: 127, signal: null, hangup: false, logOffset, error: `could not start ${argv[0]}: ${String(error)}` };
    }
    const agent = child;
    // Everything that listens to the child is attached now, before any await: a fast agent may be done
    // (output flushed, 'end' and 'exit' emitted) by the time the next await returns.
    const started = new Promise<Error | undefined>((res) => {
      agent.once('spawn', () => res(undefined));
      agent.once('error', (error) => res(error));
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => agent.once('exit', (code, signal) => res({ code, signal })));
    let drained: Promise<unknown> = Promise.resolve();
    if (pipeOutput) {
      const stdoutFile = createWriteStream(paths.stdout, { flags: 'w', mode: 0o600 });
      agent.stdout!.on('data', (d: Buffer) => { process.stdout.write(d); stdoutFile.write(d); scan(d); hear(d); });
      agent.stderr!.on('data', (d: Buffer) => { process.stderr.write(d); if (!rec.json) scan(d); hear(d); });
      drained = Promise.all([
        finished(agent.stdout!).catch(() => undefined).then(() => new Promise<void>((res) => stdoutFile.end(res))),
        finished(agent.stderr!).catch(() => undefined),
      ]);
    }

    const failedToStart = await started;
    if (typeof stdin === 'number') {
      try { closeSync(stdin); } catch { /* already closed */ }
    }
    if (failedToStart) return { code: 127, signal: null, hangup: false, logOffset, error: `could not start ${argv[0]}: ${failedToStart.message}` };
    if (stdinText !== undefined) agent.stdin!.end(stdinText);

    safely(() => writeStartFact(runDir, name, attempt, { pid: agent.pid!, runnerPid: process.pid, paneId: pane, time: new Date().toISOString(), logOffset }));
    safely(() => settleWorker(runDir, name, { panes: 'unknown', by: 'runner', fallback: current, attempt }));
    await tmux.signal(workerChannel(rec.run, name)).catch(() => undefined);

    const exit = await exited;
    // An agent's child that outlives it (a self re-launched CLI) may hold the pipes open: wait, bounded.
    const drainedInTime = await Promise.race([drained.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), DRAIN_MS).unref())]);
    if (!drainedInTime) {
      agent.stdout?.destroy();
      agent.stderr?.destroy();
      process.stderr.write(`orch-tmux runner: the agent's output was still open ${DRAIN_MS} ms after it exited (a child of it lives on)\n`);
    }
    // Whatever the agent left running in the window's process group goes with it, and is named in the record.
    const left = leftInGroup();
    if (left.length) {
      process.stderr.write(`orch-tmux runner: ending what the agent left running: ${left.map((p) => `${p.pid} ${p.name}`).join(', ')}\n`);
      await endProcesses(left);
    }
    // An agent that names its session only in its final JSON object (`lastMessage: json`).
    if (rec.json?.sessionId && rec.lastMessage === 'json') {
      const id = readReportFile(paths.stdout, 'json', rec.json).sessionId;
      if (id) noteSessionId(id);
    }
    const orphans = left.length ? left.map((p) => `${p.pid}:${p.name}`).join(',') : undefined;
    return { code: exit.code, signal: exit.signal, hangup: hangup || exit.signal === 'SIGHUP', orphans };
  };

  let outcome = await runOnce(argv, stdin, stdinText);
  // An agent killed before it saved its session cannot resume it (claude 2.1.328: "No conversation found
  // with session ID", gemini 0.61: "Error resuming session"): nothing of the task was kept, so the task
  // starts again. Under a new id, recorded first: gemini refuses an id whose empty session file exists.
  // Only a resume that failed (an answer that quotes the text is no such failure), and not one being killed.
  const missing = resume && !outcome.error && !outcome.hangup && outcome.code !== 0 && rec.sessionMissing && new RegExp(rec.sessionMissing).test(heard);
  if (missing && !existsSync(paths.killRequested)) {
    // The id baked into argv at spawn is swapped for a new one; an agent that names its own id is scanned afresh.
    const id = rec.newSessionId ? randomUUID() : undefined;
    process.stderr.write(`orch-tmux runner: the agent kept no session ${rec.sessionId}: starting the task again${id ? ` as session ${id}` : ''}\n`);
    if (id) noteSessionId(id);
    else sessionId = undefined;
    const again = id ? rec.argv.map((a) => a.split(rec.newSessionId!).join(id)) : rec.argv;
    const fresh = rec.prompt === 'arg' ? [...again, readFileSync(paths.prompt, 'utf8')] : again;
    const first = outcome;
    outcome = await runOnce(fresh, rec.prompt === 'stdin' ? openSync(paths.prompt, 'r') : 'inherit', undefined);
    const orphans = [first.orphans, outcome.orphans].filter(Boolean).join(',');
    if (orphans) outcome = { ...outcome, orphans };
  }
  return end(current, tmux, attempt, outcome);
}

// Reports the end: the transcript caught up when the answer may come from it, the worker settled through
// the store (result.md, worker.json, the event), then the exit fact and the wake-up signals, so whoever
// wakes finds the record final. If the store cannot write (a full disk), the fact still tells the truth.
async function end(rec: WorkerRecord, tmux: Tmux, attempt: number, o: Omit<ExitFact, 'time'>): Promise<number> {
  const paths = workerPaths(rec.runDir, rec.name);
  if (!o.hangup && process.env.TMUX_PANE && (rec.lastMessage === 'pane' || !readAnswer(rec))) await syncTranscript(paths.paneLog);
  const exit: ExitFact = { ...o, time: new Date().toISOString() };
  if (!readWorker(rec.runDir, rec.name)) safely(() => repairWorker(rec));
  let settled: WorkerRecord | undefined;
  safely(() => (settled = settleWorker(rec.runDir, rec.name, { panes: 'unknown', by: 'runner', fallback: rec, exit, attempt })));
  safely(() => writeExitFact(rec.runDir, rec.name, attempt, exit));
  await announce(tmux, rec);
  const pane = process.env.TMUX_PANE;
  if (pane) await tmux.run([['set-option', '-w', '-t', pane, '@orch_state', settled?.state ?? 'ended']]).catch(() => undefined);
  if (o.error) process.stderr.write(`orch-tmux: ${o.error}\n`);
  return o.code ?? 128 + (o.signal ? constants.signals[o.signal as NodeJS.Signals] ?? 0 : 0);
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

// A rehearsal (--dry-run) shows what would run and writes a stand-in answer saying so; no agent starts.
async function rehearse(rec: WorkerRecord, tmux: Tmux, pane: string | undefined): Promise<number> {
  const paths = workerPaths(rec.runDir, rec.name);
  const prompt = readFileSync(paths.prompt);
  const command = rec.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  const delivery = rec.prompt === 'stdin' ? 'on stdin from prompt.md' : rec.prompt === 'arg' ? 'as the last argument' : rec.prompt === 'file' ? 'as a file argument' : 'typed later with orch-tmux send';
  // No agent: pid 0 says so.
  safely(() => writeStartFact(rec.runDir, rec.name, rec.resumes, { pid: 0, runnerPid: process.pid, paneId: pane, time: new Date().toISOString() }));
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
  writeFileAtomic(paths.rehearsal, text);
  return end(rec, tmux, rec.resumes, { code: 0, signal: null, hangup: false });
}

// Wakes waiters on the worker's and the run's channels (one tmux client).
async function announce(tmux: Tmux, rec: WorkerRecord): Promise<void> {
  await tmux.run([['wait-for', '-S', workerChannel(rec.run, rec.name)], ['wait-for', '-S', runChannel(rec.run)]]).catch(() => undefined);
}

// A record that cannot be written (full disk, removed run dir) must not stop the outcome from being signalled.
function safely(write: () => unknown): void {
  try {
    write();
  } catch (error) {
    process.stderr.write(`orch-tmux runner: could not record: ${String((error as Error).message ?? error)}\n`);
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
