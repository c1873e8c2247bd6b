// Shared steps for review and pattern tests: read a run directory, its events and workers, and the test server's sessions.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { expect } from 'vitest';
import { repoRoot, type TestServer } from '../helpers/tmux-server.js';

/** One line of events.jsonl. */
export interface RunEvent {
  time: string;
  worker?: string;
  kind: string;
  detail?: Record<string, unknown>;
}

/** One worker in `review --json` / `run --json`. */
export interface JsonWorker {
  name: string;
  state: string;
  exitCode: number | null;
  startedAt?: string;
  endedAt?: string;
  result: string | null;
}

/** What `review --json` and `run --json` print when the run is driven in the foreground. */
export interface DriveJson {
  run: string;
  session: string;
  dir: string;
  ok: boolean;
  outputs: Record<string, string>;
  synthesis: string | null;
  /** With --worktrees: the branch and changes.patch; null otherwise. */
  changes: { patch: string; branch: string; files: number; added: number; removed: number } | null;
  attach: string;
  workers: JsonWorker[];
}

/** Writes a file in the test's work folder (the CLI's cwd); returns its absolute path. */
export function writeWork(server: TestServer, name: string, content: string | Uint8Array): string {
  const path = join(server.dir, 'work', name);
  writeFileSync(path, content);
  return path;
}

/** Parses a command's --json stdout, with stderr in the message when it is not JSON. */
export function parseOut<T>(r: { stdout: unknown; stderr: unknown; exitCode?: number }): T {
  try {
    return JSON.parse(String(r.stdout)) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.exitCode}): stdout=${String(r.stdout).slice(0, 400)} stderr=${String(r.stderr).slice(0, 800)}`);
  }
}

/** Runs the CLI and expects exit 0 with JSON on stdout. */
export async function cliJson<T = DriveJson>(server: TestServer, args: string[], options: Parameters<TestServer['cli']>[1] = {}): Promise<T> {
  const r = await server.cli([...args, '--json'], options);
  expect(r.exitCode, `${args.join(' ')}: ${String(r.stderr)}`).toBe(0);
  return parseOut<T>(r);
}

/** A file of one worker's folder, as text. */
export function workerText(runDir: string, name: string, file: 'prompt.md' | 'result.md'): string {
  return readFileSync(join(runDir, 'workers', name, file), 'utf8');
}

/** worker.json of one worker. */
export function workerRecord(runDir: string, name: string): Record<string, unknown> & { argv: string[]; state: string; startedAt: string; endedAt: string } {
  return JSON.parse(readFileSync(join(runDir, 'workers', name, 'worker.json'), 'utf8'));
}

/** Names of the worker folders of a run, sorted. */
export function workerNames(runDir: string): string[] {
  return readdirSync(join(runDir, 'workers')).sort();
}

/** events.jsonl, parsed. */
export function readEvents(runDir: string): RunEvent[] {
  const path = join(runDir, 'events.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunEvent);
}

/** sha256 of a file's bytes, hex. */
export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The fake agent's default answer to a prompt: proves which exact prompt bytes it received. */
export function fakeAnswerFor(promptPath: string): string {
  const bytes = readFileSync(promptPath);
  const verdict = bytes.toString('latin1').includes('is exactly `VERDICT: PASS` or `VERDICT: FAIL`') ? 'VERDICT: PASS\n' : '';
  return `${verdict}fake-agent done\nsha256: ${createHash('sha256').update(bytes).digest('hex')}\nbytes: ${bytes.length}`;
}

/** Names of the sessions on the test's tmux server. */
export async function sessionNames(server: TestServer): Promise<string[]> {
  const r = await execa('tmux', ['-L', server.name, 'list-sessions', '-F', '#{session_name}'], { env: server.env, extendEnv: false, reject: false });
  return String(r.stdout).split('\n').filter(Boolean).sort();
}

/** Run directories under the test's ORCH_TMUX_RUNS (none when the folder was never made). */
export function runDirs(server: TestServer): string[] {
  const root = join(server.dir, 'runs');
  return existsSync(root) ? readdirSync(root).map((d) => join(root, d)) : [];
}

/** The built-in lenses (templates/lenses.yaml), as the reviewer prompt shows them. */
export function builtinLenses(): Record<string, { title: string; description: string }> {
  return parseYaml(readFileSync(join(repoRoot, 'templates', 'lenses.yaml'), 'utf8')) as Record<string, { title: string; description: string }>;
}

/**
 * An agent profile like test/fixtures/agents/fake.yaml whose argv shows the sandbox it was given: the fake
 * agent keeps its session files in `--state-dir <workerDir>/sandbox-<sandbox>`, so worker.json's argv
 * records the sandbox and the folder on disk proves the agent really ran with that argv.
 */
export function writeSandboxProfile(server: TestServer): string {
  const path = join(server.dir, 'sandboxed.yaml');
  writeFileSync(path, [
    'name: sandboxed',
    'mode: exec',
    'command: [fake-agent, --state-dir, "{{workerDir}}/sandbox-{{sandbox}}", --last-message, "{{lastMessageFile}}", "-"]',
    'prompt: stdin',
    'lastMessage: file',
    '',
  ].join('\n'));
  return path;
}

/** git in a test's folder, with a test identity and the hermetic environment; stdout. */
export async function gitIn(server: TestServer, cwd: string, ...args: string[]): Promise<string> {
  const r = await execa('git', args, { cwd, env: { ...server.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' }, extendEnv: false });
  return String(r.stdout);
}

/**
 * A git repository in the test's work folder (shared.txt committed) and a pattern file beside it: two writer
 * stages (write-a, write-b) whose fake agent writes what `a` and `b` say (`[[write:FILE:TEXT]]`), then a
 * verifier (scratch) whose answer shows a.txt, b.txt and shared.txt as it finds them.
 */
export async function twoWriters(server: TestServer, a: string, b: string): Promise<{ top: string; pattern: string }> {
  const top = join(server.dir, 'work');
  await gitIn(server, top, 'init', '-q', '-b', 'main');
  writeFileSync(join(top, 'shared.txt'), 'one\ntwo\nthree\n');
  await gitIn(server, top, 'add', '-A');
  await gitIn(server, top, 'commit', '-q', '-m', 'start');
  const pattern = join(server.dir, 'two-writers.yaml');
  const task = (directive: string) => JSON.stringify(`Edit the tree. ${directive}`);
  writeFileSync(pattern, [
    'name: two-writers',
    'description: Two writers side by side, then a verifier of what they made together.',
    'stages:',
    '  - id: write-a',
    '    template: implementer',
    '    write: true',
    `    vars: { task: ${task(a)} }`,
    '  - id: write-b',
    '    template: implementer',
    '    write: true',
    `    vars: { task: ${task(b)} }`,
    '  - id: verify',
    '    template: verifier',
    '    scratch: true',
    '    needs: [write-a, write-b]',
    "    verdict: { pass: '^VERDICT:\\s*PASS\\b', fail: '^VERDICT:\\s*FAIL\\b' }",
    '    vars: { task: "Check both changes. [[show:a.txt]] [[show:b.txt]] [[show:shared.txt]]" }',
    '',
  ].join('\n'));
  return { top, pattern };
}

/** Every file of a tree but .git, hashed together with its name: equal before and after means untouched. */
export function treeHash(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((x, y) => x.name.localeCompare(y.name))) {
      if (e.name === '.git') continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else hash.update(`${p}\0`).update(readFileSync(p));
    }
  };
  walk(root);
  return hash.digest('hex');
}
