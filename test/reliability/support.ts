// Shared pieces of the reliability suite: nasty payloads with canaries, the scan that proves none ran,
// the scan for processes left behind, small CLI helpers, and the tally printed as the summary line.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { execa, type Result } from 'execa';
import { cleanEnv, cliPath, repoRoot, type TestServer } from '../helpers/tmux-server.js';

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** The fake agent's default final message for these prompt bytes (defaultMessage in fake-agent.mjs). */
export function fakeMessage(prompt: Buffer): string {
  return `fake-agent done\nsha256: ${sha256(prompt)}\nbytes: ${prompt.length}`;
}

export const reliabilityDir = resolve(import.meta.dirname);
export const notifyRecorder = join(reliabilityDir, 'fixtures', 'notify-record.mjs');

// ---------------------------------------------------------------------------------------------------
// Payloads

/** One nasty string: what it is, the text, and which channels can carry it. */
export interface Payload {
  id: string;
  what: string;
  text: string;
  /** C0 control characters other than tab and newline (ESC, CR, BEL ...). */
  control: boolean;
  /** Longer than one argv item may be (128 KiB): files and stdin only. */
  huge: boolean;
}

/**
 * Shell and tmux metacharacter payloads; each tries `cmd` (a `touch` of a canary) its own way. `cmd` is
 * given the payload's index so a canary that appears names the payload that fired.
 */
const TEMPLATES: [string, (cmd: string, file: string) => string][] = [
  ['command substitution', (c) => `$(${c})`],
  ['backticks', (c) => `\`${c}\``],
  ['semicolon', (c) => `; ${c}`],
  ['semicolons around', (c) => `x;${c};`],
  ['pipe', (c) => `| ${c}`],
  ['and-list', (c) => `&& ${c}`],
  ['or-list and background', (c) => `|| ${c} &`],
  ['newlines', (c) => `\n${c}\n`],
  ['single-quote breakout', (c) => `'; ${c}; echo '`],
  ['double-quote breakout', (c) => `"; ${c}; echo "`],
  ['quoted substitution', (c) => `"$(${c})"`],
  ['single-quoted substitution', (c) => `'$(${c})'`],
  ['escaped quote breakout', (c) => `\\"; ${c} #`],
  ['tmux #() job', (c) => `#(${c})`],
  ['tmux ##() escaped job', (c) => `##(${c})`],
  ['tmux formats', () => '#{pane_id} #{session_name} #{socket_path} #{pid} #S #W #P #D'],
  ['tmux conditional with jobs', (c) => `#{?pane_dead,#(${c}),#(${c})}`],
  ['tmux style and job', (c) => `#[fg=red]#(${c})#[default]`],
  ['tmux E: expansion', (c) => `#{E:#(${c})}`],
  ['IFS splitting', (c) => `\${IFS}${c.replace(/ /g, '${IFS}')}`],
  ['shell expansions', () => '$((1+1)) ${HOME} $HOME ~ !! !$ $\'\\x41\' $0 $$'],
  ['redirection', (_c, f) => `> ${f}`],
  ['process substitution', (c) => `<(${c}) >(${c})`],
  ['leading dashes', (c) => `-rf --help -- ; ${c}`],
  ['option-looking', (c) => `--${c}`],
  ['lone dash', () => '-'],
  ['percent formats', () => '%1 %% %s %n %x #% %# %%%'],
  ['tmux escaped semicolons', (c) => `\\; ${c} \\;`],
  ['trailing backslash-semicolon', () => 'x\\;'],
  ['lone semicolon', () => ';'],
  ['template tags', () => '{{role}} {{> worker-preamble}} {{#if doc_text}} {{/if}} {{lens}} {{promptFile}} {{@x}}'],
  ['markdown fence breakout', (c) => `\`\`\`\`\`\n${c}\n\`\`\`\`\``],
  ['globs', () => '*?[a-z]{a,b} ~root /etc/*'],
  ['tabs and form feeds', (c) => `\t${c}\t\v\f`],
  ['unicode and bidi', (c) => `ü ö 日本語 🎉 \u202e${c}\u202c \u200b e\u0301`],
  ['terminal escapes', (c) => `\x1b[31m$(${c})\x1b[0m\x1b]0;#(${c})\x07`],
  ['bracketed-paste end', (c) => `\x1b[201~\r${c}\r`],
  ['carriage returns', (c) => `\r${c}\r\n`],
  ['9 KiB line (over one send-keys chunk)', (c) => `${'A'.repeat(9000)}$(${c})`],
  ['200 KiB (over the argv item limit)', (c) => `${'B'.repeat(200_000)}\n$(${c})`],
];

/** The payloads, each trying to create `<canaryDir>/pwned-<tag>-<index>`. */
export function payloads(canaryDir: string, tag: string): Payload[] {
  return TEMPLATES.map(([what, make], i) => {
    const file = join(canaryDir, `pwned-${tag}-${i}`);
    const text = make(`touch ${file}`, file);
    return {
      id: String(i).padStart(2, '0'), what, text,
      control: /[\x00-\x08\x0b-\x1f\x7f]/.test(text),
      huge: Buffer.byteLength(text) > 128 * 1024 - 1,
    };
  });
}

/** Prompt files that are not UTF-8 (and one with NUL bytes): they must still arrive byte for byte. */
export function binaryPrompts(canaryDir: string, tag: string): { id: string; what: string; bytes: Buffer }[] {
  const cmd = (i: number) => Buffer.from(`$(touch ${join(canaryDir, `pwned-${tag}-b${i}`)})`);
  return [
    { id: 'b0', what: 'invalid UTF-8 sequences', bytes: Buffer.concat([Buffer.from([0xff, 0xfe, 0x80, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc]), cmd(0)]) },
    { id: 'b1', what: 'latin-1 text', bytes: Buffer.concat([Buffer.from('caf\xe9 na\xefve \xa9 ', 'latin1'), cmd(1)]) },
    { id: 'b2', what: 'NUL bytes', bytes: Buffer.concat([Buffer.from('before\x00after\x00'), cmd(2), Buffer.from([0])]) },
    { id: 'b3', what: 'UTF-16LE with BOM', bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`utf16 \`touch ${join(canaryDir, `pwned-${tag}-b3`)}\``, 'utf16le')]) },
    { id: 'b4', what: 'lone surrogate bytes (CESU)', bytes: Buffer.concat([Buffer.from([0xed, 0xa0, 0x80, 0xed, 0xbf, 0xbf]), cmd(4)]) },
    { id: 'b5', what: 'CRLF, ESC and bracketed-paste bytes', bytes: Buffer.concat([Buffer.from('a\r\nb\x1b[201~\r\x03\x04'), cmd(5)]) },
  ];
}

/** Names a file or folder can have (no `/`, no NUL) that a shell or tmux would act on; relative canaries. */
export function nastyFileNames(tag: string): { id: string; name: string }[] {
  const c = (i: number) => `touch pwned-${tag}-f${i}`;
  return [
    { id: 'f0', name: `$(${c(0)})` },
    { id: 'f1', name: `\`${c(1)}\`` },
    { id: 'f2', name: `#(${c(2)})` },
    { id: 'f3', name: `'; ${c(3)}; '` },
    { id: 'f4', name: `"; ${c(4)}; "` },
    { id: 'f5', name: `-rf --help; ${c(5)} |` },
    { id: 'f6', name: '#{pane_id} #S ##' },
    { id: 'f7', name: `ü 日本 \x1b[31m ${'x'.repeat(8)} && ${c(7)}` },
    { id: 'f8', name: `50% %% %s #[fg=red] \\ ${c(8)};` },
    { id: 'f9', name: `new\nline; ${c(9)}` },
  ];
}

// ---------------------------------------------------------------------------------------------------
// Canary and leftover-process scans

/** Every `pwned-<tag>...` file in the places an injected command could have run from; none may exist. */
export function canaryHits(tag: string, roots: string[]): string[] {
  const hits: string[] = [];
  const re = new RegExp(`^pwned-${tag}`);
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (re.test(e.name)) hits.push(path);
      if (e.isDirectory() && !e.isSymbolicLink() && depth > 0) walk(path, depth - 1);
    }
  };
  for (const root of roots) walk(root, 12);
  // Shallow looks where a shell with an unexpected cwd would write.
  for (const dir of [repoRoot, tmpdir(), homedir(), '/']) walk(dir, 0);
  return [...new Set(hits)];
}

/** A fresh canary folder and tag for one test. */
export function canary(server: TestServer): { dir: string; tag: string; hits: () => string[] } {
  const tag = randomBytes(4).toString('hex');
  const dir = join(server.dir, 'canary');
  mkdirSync(dir, { recursive: true });
  return { dir, tag, hits: () => canaryHits(tag, [server.dir]) };
}

/** Live processes (not this one, not tmux servers) whose argv mentions `text`: runners, agents, CLIs. */
export function processesMentioning(text: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (!cmd.includes(text)) continue;
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      const state = /\) (\w)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
      if (comm.startsWith('tmux') || state === 'Z') continue;
      out.push({ pid, cmd: cmd.slice(0, 200) });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// CLI helpers

/** stderr is exactly one non-empty line (execa strips the final newline). */
export function oneLine(text: unknown): boolean {
  return /^[^\n]+\n?$/.test(String(text));
}

/** With tmux still up: waits (bounded) until no runner, agent or CLI of this test is left; returns those left. */
export async function settled(server: TestServer, timeoutMs = 8_000): Promise<{ pid: number; cmd: string }[]> {
  const deadline = Date.now() + timeoutMs;
  while (processesMentioning(server.dir).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return processesMentioning(server.dir);
}

/** Kills the test's tmux server, then waits for every process that mentions the test's folder to end; returns those left. */
export async function shutdown(server: TestServer): Promise<{ pid: number; cmd: string }[]> {
  await execa('tmux', ['-L', server.name, 'kill-server'], { reject: false, env: cleanEnv(), extendEnv: false });
  const deadline = Date.now() + 10_000;
  while (processesMentioning(server.dir).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return processesMentioning(server.dir);
}

/** Runs async jobs with at most `limit` at a time (keeps 2-core CI from thrashing). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, job: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await job(items[i]!, i);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** A short description of a CLI result for assertion messages. */
export function described(r: Pick<Result, "exitCode" | "stdout" | "stderr"> | { exitCode: number | undefined; stdout: unknown; stderr: unknown }): string {
  return `exit ${r.exitCode}\nstdout: ${String(r.stdout).slice(0, 600)}\nstderr: ${String(r.stderr).slice(0, 600)}`;
}

/** Parses events.jsonl strictly: every line must be one whole JSON object. */
export function eventLines(runDir: string): { lines: string[]; events: Record<string, unknown>[]; bad: string[] } {
  const path = join(runDir, 'events.jsonl');
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const lines = text.split('\n').filter((l) => l !== '');
  const events: Record<string, unknown>[] = [];
  const bad: string[] = [];
  for (const line of lines) {
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      bad.push(line);
    }
  }
  return { lines, events, bad };
}

/** Counts events of a kind (optionally for one worker). */
export function countEvents(runDir: string, kind: string, worker?: string): number {
  return eventLines(runDir).events.filter((e) => e.kind === kind && (worker === undefined || e.worker === worker)).length;
}

/** Freezes a policy into the run with `orch-tmux policy <runDir> --from FILE` (JSON is YAML too). */
export async function writePolicy(server: TestServer, runDir: string, policy: Record<string, unknown>): Promise<void> {
  const file = join(server.dir, `policy-${randomBytes(4).toString('hex')}.yaml`);
  writeFileSync(file, `${JSON.stringify(policy, null, 2)}\n`, { mode: 0o600 });
  const r = await server.cli(['policy', runDir, '--from', file]);
  if (r.exitCode !== 0) throw new Error(`policy --from failed: ${String(r.stderr)}`);
}

/** Reads the notify recorder's file: one {argv, stdin} per call. */
export function notifyRecords(file: string): { argv: string[]; stdin: string }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { argv: string[]; stdin: string });
}

// ---------------------------------------------------------------------------------------------------
// The summary line: each test file adds what it tried; the last file to finish prints the total.

export type TallyKey = 'injection' | 'faults' | 'badInputs';
const counts: Record<TallyKey, number> = { injection: 0, faults: 0, badInputs: 0 };

/** Counts cases that were really tried. */
export function tally(key: TallyKey, n = 1): void {
  counts[key] += n;
}

function line(c: Record<TallyKey, number>): string {
  return `reliability: ${c.injection} injection cases, ${c.faults} faults, ${c.badInputs} bad inputs`;
}

/** Call from afterAll: records this file's counts; prints the suite total once every file has reported. */
export function reportTally(file: string): void {
  const name = basename(file);
  const shared = process.env.ORCH_TEST_REGISTRY ? join(process.env.ORCH_TEST_REGISTRY, 'reliability') : join(tmpdir(), `orch-reliability-${process.ppid}`);
  mkdirSync(shared, { recursive: true });
  writeFileSync(join(shared, `${name}.json`), JSON.stringify(counts));
  console.log(`${line(counts)} (${name})`);
  const expected = readdirSync(reliabilityDir).filter((f) => f.endsWith('.test.ts'));
  const reported = readdirSync(shared).filter((f) => f.endsWith('.test.ts.json'));
  if (!expected.every((f) => reported.includes(`${f}.json`))) return;
  try {
    closeSync(openSync(join(shared, 'printed'), 'wx'));
  } catch {
    return; // another file printed it
  }
  const total: Record<TallyKey, number> = { injection: 0, faults: 0, badInputs: 0 };
  for (const f of reported) {
    const c = JSON.parse(readFileSync(join(shared, f), 'utf8')) as Record<TallyKey, number>;
    for (const k of Object.keys(total) as TallyKey[]) total[k] += c[k] ?? 0;
  }
  console.log(line(total));
}

// ---------------------------------------------------------------------------------------------------
// Runs and workers

/** What `new --json` prints. */
export interface Run {
  id: string;
  session: string;
  dir: string;
  socketPath: string;
}

/** Creates a run with `new --json` (extra flags, extra environment); fails the test when it cannot. */
export async function newRun(server: TestServer, extra: string[] = [], env: Record<string, string | undefined> = {}): Promise<Run> {
  const r = await server.cli(['new', '--json', ...extra], { env: { ...server.env, ...env } });
  if (r.exitCode !== 0) throw new Error(`orch-tmux new failed: ${described(r)}`);
  return JSON.parse(String(r.stdout)) as Run;
}

/** A worker's folder and files. */
export function workerFile(run: { dir: string }, name: string, file: string): string {
  return join(run.dir, 'workers', name, file);
}

/** worker.json as on disk. */
export function workerJson(run: { dir: string }, name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(workerFile(run, name, 'worker.json'), 'utf8')) as Record<string, unknown>;
}

/** `status <run> --json`. */
export async function statusJson(server: TestServer, runId: string): Promise<{ workers: { name: string; state: string; exitCode: number | null; signal: string | null; reason?: string; result: string | null }[] } & Record<string, unknown>> {
  const r = await server.cli(['status', runId, '--json']);
  if (r.exitCode !== 0) throw new Error(`orch-tmux status failed: ${described(r)}`);
  return JSON.parse(String(r.stdout));
}

/** The state of each worker, by name, from `status --json`. */
export async function statesOf(server: TestServer, runId: string): Promise<Record<string, string>> {
  const s = await statusJson(server, runId);
  return Object.fromEntries(s.workers.map((w) => [w.name, w.state]));
}

/** `wait --json` for the whole run; returns the workers that did not end `done` (name, state, reason). */
export async function notDone(server: TestServer, runId: string, timeoutS = 120): Promise<{ name: string; state: string; reason?: string }[]> {
  const r = await server.cli(['wait', runId, '--timeout', String(timeoutS), '--json']);
  if (!String(r.stdout)) return [{ name: '(wait)', state: `exit ${r.exitCode}`, reason: String(r.stderr) }];
  const out = JSON.parse(String(r.stdout)) as { workers: { name: string; state: string; reason?: string }[] };
  return out.workers.filter((w) => w.state !== 'done').map((w) => ({ name: w.name, state: w.state, reason: w.reason }));
}

/**
 * Runs a batch of hostile cases through one channel: the first through the real CLI (a process, argv
 * parsing and all), the rest through main() in this process (the same code after argv, no Node start-up).
 * Results come back in order, shaped like execa's (exitCode, stdout, stderr).
 */
export async function batch(server: TestServer, cases: string[][], o: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<{ exitCode: number | undefined; stdout: unknown; stderr: unknown }[]> {
  const out: { exitCode: number | undefined; stdout: unknown; stderr: unknown }[] = [];
  for (const [i, args] of cases.entries()) {
    out.push(i === 0 ? await server.cli(args, { env: o.env ?? server.env, ...(o.cwd ? { cwd: o.cwd } : {}) }) : await server.inProcess(args, o));
  }
  return out;
}

/** Starts the CLI in the background like `server.cli`, keeping the handle (pid, kill). */
export function cliBackground(server: TestServer, args: string[]) {
  return execa(process.execPath, [cliPath, ...args], { env: server.env, extendEnv: false, reject: false, cwd: join(server.dir, 'work') });
}
