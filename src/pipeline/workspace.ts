// Where a pattern's writers and verifiers work when it is not the user's tree: one git worktree per run
// (--worktrees) made from the working tree as it is, uncommitted changes included, and throw-away copies
// for verifiers. The user's tree is never written; the change comes back as a branch and a patch.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describeEnd, runProgram, type ProgramResult } from '../os/run-program.js';
import { writeFileAtomic } from '../os/atomic.js';
import { runPaths } from '../core/paths.js';
import { type RunRecord } from '../core/run.js';
import { GIT_QUICK_TIMEOUT_MS, GIT_TIMEOUT_MS } from '../core/timing.js';

/** A tree a stage works in: its root, and the folder inside it that matches the run's cwd. */
export interface Workspace {
  /** Top of the copy (a worktree or a plain copy). */
  root: string;
  /** The run's cwd inside it. */
  cwd: string;
  /** Top of the user's tree: the git toplevel, or the run's cwd outside git. */
  source: string;
}

/** The run's worktree as recorded in `<run>/worktree.json`, so --resume uses the same one. */
export interface RunWorktree extends Workspace {
  branch: string;
  /** The commit the worktree started from: HEAD plus every uncommitted and untracked (not ignored) file. */
  base: string;
}

/** What a worktree run changed, as `changes.patch` against its starting point. */
export interface Changes {
  patch: string;
  branch: string;
  files: number;
  added: number;
  removed: number;
}

// The user's git hooks and commit signing never run on our commits and checkouts (a pinentry would hang the run).
const QUIET = ['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false'];

/** Runs git in `cwd` (argv, no shell; the user's hooks and signing off) and returns whatever it did. */
export async function tryGit(cwd: string, args: string[], env?: Record<string, string>): Promise<ProgramResult> {
  return runProgram('env', [...Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`), 'git', ...QUIET, '-C', cwd, ...args], { timeoutMs: GIT_TIMEOUT_MS });
}

/** Runs git in `cwd` and returns its stdout; a failure throws with git's own words. */
export async function git(cwd: string, args: string[], env?: Record<string, string>): Promise<string> {
  const r = await tryGit(cwd, args, env);
  if (r.exitCode !== 0) throw new Error(`git ${args[0]} failed: ${r.stderr.trim() || describeEnd('git', r)}`);
  return r.stdout;
}

/** The git toplevel of `cwd` and the cwd's path inside it, or undefined outside a git checkout. */
export async function gitTop(cwd: string): Promise<{ top: string; prefix: string } | undefined> {
  const r = await runProgram('git', ['-C', cwd, 'rev-parse', '--show-toplevel', '--show-prefix'], { timeoutMs: GIT_QUICK_TIMEOUT_MS });
  if (r.exitCode !== 0) return undefined;
  const [top, prefix = ''] = r.stdout.split('\n');
  return { top: top!, prefix };
}

/** git options for commits made here: the tool's identity when the user has none configured. */
export async function identity(top: string): Promise<string[]> {
  const r = await runProgram('git', ['-C', top, 'config', 'user.email'], { timeoutMs: GIT_QUICK_TIMEOUT_MS });
  return r.exitCode === 0 ? [] : ['-c', 'user.name=orch-tmux', '-c', 'user.email=orch-tmux@localhost'];
}

/** A commit of the working tree as it is now (HEAD + staged + unstaged + untracked, .gitignore honoured), made
 * with a private index: the user's index, tree and branches are untouched. */
async function snapshot(top: string, indexFile: string, message: string, runDir: string): Promise<{ commit: string; parent?: string }> {
  const env = { GIT_INDEX_FILE: indexFile };
  const head = await runProgram('git', ['-C', top, 'rev-parse', '--verify', '-q', 'HEAD^{commit}'], { timeoutMs: GIT_QUICK_TIMEOUT_MS });
  const parent = head.exitCode === 0 ? head.stdout.trim() : undefined;
  rmSync(indexFile, { force: true });
  if (parent) await git(top, ['read-tree', parent], env);
  // Runs kept inside the tree (--run-dir) are not part of it.
  const runs = runsInside(top, runDir);
  await git(top, ['add', '-A', '--', '.', ...(runs ? [`:(exclude,top,literal)${relative(top, runs)}`] : [])], env);
  const tree = (await git(top, ['write-tree'], env)).trim();
  rmSync(indexFile, { force: true });
  const commit = (await git(top, [...(await identity(top)), 'commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message])).trim();
  return { commit, parent };
}

/** Copies the untracked files `.worktreeinclude` lists (gitignore syntax: `.env`, `node_modules/`) into a new tree. */
export async function copyIncluded(top: string, dest: string): Promise<string[]> {
  const list = join(top, '.worktreeinclude');
  if (!existsSync(list)) return [];
  const out = await git(top, ['ls-files', '-z', '--others', '--ignored', `--exclude-from=${list}`]);
  const files = out.split('\0').filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(dest, f)), { recursive: true });
    cpSync(join(top, f), join(dest, f), { verbatimSymlinks: true, preserveTimestamps: true });
  }
  return files;
}

function worktreeRecord(run: RunRecord): string {
  return join(run.dir, 'worktree.json');
}

/** The run's worktree on branch `orch/<run-id>`, made once from the current working tree (uncommitted changes
 * included) plus the files `.worktreeinclude` lists; later calls (and --resume) get the same one. */
export async function runWorktree(run: RunRecord): Promise<RunWorktree> {
  if (existsSync(worktreeRecord(run))) return JSON.parse(readFileSync(worktreeRecord(run), 'utf8')) as RunWorktree;
  const where = await gitTop(run.cwd);
  if (!where) throw new Error(`${run.cwd} is not in a git checkout: --worktrees needs one`);
  const root = join(run.dir, 'worktree');
  const branch = `orch/${run.id}`;
  let base: string;
  if (existsSync(join(root, '.git'))) {
    // Made before the driver stopped, not yet recorded: its branch still points at the starting point.
    base = (await git(root, ['rev-parse', 'HEAD'])).trim();
  } else {
    ({ commit: base } = await snapshot(where.top, join(run.dir, 'snapshot.index'), `orch-tmux: starting point of run ${run.id} (the working tree, uncommitted changes included)`, run.dir));
    await git(where.top, ['worktree', 'add', '-q', '-b', branch, root, base]);
  }
  const wt: RunWorktree = { root, cwd: join(root, where.prefix), source: where.top, branch, base };
  await copyIncluded(where.top, root);
  writeFileAtomic(worktreeRecord(run), `${JSON.stringify(wt, null, 2)}\n`);
  return wt;
}

/** Removes a run's worktree (`--worktrees`), and each writer's (`--worktrees=per-writer`, recorded in
 * `<run>/worktrees/<writer>.json`), from its repository's worktree list; the branches, the change, stay.
 * Returns the run's branch, or undefined for a run without one. */
export async function removeRunWorktree(runDir: string): Promise<string | undefined> {
  const record = join(runDir, 'worktree.json');
  if (!existsSync(record)) return undefined;
  const wt = JSON.parse(readFileSync(record, 'utf8')) as RunWorktree;
  const writers = join(runDir, 'worktrees');
  const trees = existsSync(writers) ? readdirSync(writers).filter((f) => f.endsWith('.json')).map((f) => (JSON.parse(readFileSync(join(writers, f), 'utf8')) as Workspace).root) : [];
  for (const root of [wt.root, ...trees]) {
    await git(wt.source, ['worktree', 'remove', '--force', root]).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
  await git(wt.source, ['worktree', 'prune']).catch(() => undefined);
  return wt.branch;
}

/** A throw-away copy of a tree as it is now (the user's, or the run's worktree), for a verifier that must
 * write (tests, builds): a detached git worktree plus `.worktreeinclude` files, or a plain copy outside git. */
export async function scratchCopy(run: RunRecord, name: string, from = run.cwd): Promise<Workspace> {
  const root = join(run.dir, 'scratch', name);
  const where = await gitTop(from);
  // One left by a driver that stopped mid-stage: gone, worktree entry and all.
  if (where) await dropScratch({ root, cwd: root, source: where.top });
  rmSync(root, { recursive: true, force: true });
  mkdirSync(dirname(root), { recursive: true, mode: 0o700 });
  if (!where) {
    copyTree(from, root, runsInside(from, run.dir) ?? run.dir);
    return { root, cwd: root, source: from };
  }
  const snap = await snapshot(where.top, join(run.dir, `scratch-${name}.index`), `orch-tmux: scratch copy for ${name} of run ${run.id}`, run.dir);
  // At the user's HEAD with the working tree's files: `git status` and `git diff` there show what they show to the user.
  await git(where.top, ['worktree', 'add', '-q', '--detach', root, snap.parent ?? snap.commit]);
  if (snap.parent) {
    await git(root, ['read-tree', '-u', '--reset', snap.commit]);
    await git(root, ['reset', '-q']);
  }
  await copyIncluded(where.top, root);
  return { root, cwd: join(root, where.prefix), source: where.top };
}

/** Removes a scratch copy (and its worktree entry in the user's repository). */
export async function dropScratch(ws: Workspace): Promise<void> {
  if (existsSync(join(ws.root, '.git'))) await git(ws.source, ['worktree', 'remove', '--force', ws.root]).catch(() => undefined);
  rmSync(ws.root, { recursive: true, force: true });
}

// The runs folder (or, when that is the tree's top itself, this run's folder) when it lies inside `top`.
function runsInside(top: string, runDir: string): string | undefined {
  const inside = (p: string) => { const r = relative(top, p); return r !== '' && !r.startsWith('..') && !r.startsWith('/'); };
  return inside(dirname(runDir)) ? dirname(runDir) : inside(runDir) ? runDir : undefined;
}

// A plain copy of a folder, leaving out `skip` (the runs folder, when it lies inside the tree).
function copyTree(src: string, dest: string, skip: string): void {
  mkdirSync(dest, { recursive: true });
  for (const entry of readdirSync(src)) {
    const from = join(src, entry);
    if (from === skip) continue;
    if (skip.startsWith(`${from}/`)) copyTree(from, join(dest, entry), skip);
    else cpSync(from, join(dest, entry), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  }
}

/** Commits what the writers changed on the run's branch and writes `<run>/changes.patch` against the starting point. */
export async function collectChanges(run: RunRecord, wt: RunWorktree): Promise<Changes> {
  await commitAll(wt.root, `orch-tmux: changes of run ${run.id}`);
  return writePatch(wt.root, wt.base, runPaths(run.dir).changes, wt.branch);
}

/** Commits everything changed in a worktree (new files included, ignored ones not), when anything did. */
export async function commitAll(root: string, message: string): Promise<void> {
  await git(root, ['add', '-A', '--', '.']);
  const staged = await runProgram('git', ['-C', root, 'diff', '--cached', '--quiet'], { timeoutMs: GIT_TIMEOUT_MS });
  if (staged.exitCode === 1) await git(root, [...(await identity(root)), 'commit', '-q', '--no-verify', '-m', message]);
}

/** Writes the change from `from` to HEAD of a worktree as a patch file at `path`, and counts it. */
export async function writePatch(root: string, from: string, path: string, branch: string): Promise<Changes> {
  writeFileAtomic(path, await git(root, ['diff', '--binary', from, 'HEAD']));
  let files = 0, added = 0, removed = 0;
  for (const line of (await git(root, ['diff', '--numstat', from, 'HEAD'])).split('\n').filter(Boolean)) {
    const [a, r] = line.split('\t');
    files++;
    added += Number(a) || 0;
    removed += Number(r) || 0;
  }
  return { patch: path, branch, files, added, removed };
}

/** The files a patch changes (the new name of a renamed one), read by git itself (quoted names, binaries). */
export async function patchFiles(path: string): Promise<string[]> {
  if (!readFileSync(path, 'utf8').trim()) return [];
  // Outside any repository (GIT_DIR names none): inside one, git apply would leave out paths above its cwd.
  const r = await runProgram('env', ['GIT_DIR=/nonexistent', 'git', 'apply', '--numstat', '-z', path], { timeoutMs: GIT_QUICK_TIMEOUT_MS });
  if (r.exitCode !== 0) throw new Error(`git apply --numstat failed on ${path}: ${r.stderr.trim() || describeEnd('git', r)}`);
  // `added TAB removed TAB path NUL`, or for a rename `added TAB removed TAB NUL old NUL new NUL`.
  const parts = r.stdout.split('\0');
  const files: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const [, , name] = parts[i]!.split('\t');
    if (name === undefined) continue;
    if (name !== '') files.push(name);
    else {
      files.push(parts[i + 2]!);
      i += 2;
    }
  }
  return files;
}

/** What a worktree run's change is and, only for a change that passed, how to bring it into the user's tree;
 * an empty change or one that failed says what happened instead (`failure`: the run's reason). */
export function applyHint(c: Changes, source: string, failure?: string): string {
  if (c.files === 0) return `the writers changed nothing: there is no change to apply${failure ? ` (${failure})` : ''}\n`;
  const summary = `${c.files} file${c.files === 1 ? '' : 's'} changed, +${c.added} -${c.removed} (branch ${c.branch})\n`;
  if (failure) return `${summary}not applied: the run failed (${failure}); the change is on branch ${c.branch} and in ${c.patch} to look at\n`;
  return `${summary}apply it:  git -C ${source} apply ${c.patch}\n`
    + `or merge:  git -C ${source} merge ${c.branch}   (once your own uncommitted changes are committed)\n`;
}

/** A file variable's value as a stage working in a copy should see it: relative to its cwd when the file is in
 * the user's tree (`userTop`) and in the copy too (an ignored file may not be), else the absolute path. */
export function pathInCopy(abs: string, ws: Workspace, runCwd: string, userTop: string): string {
  const inTree = relative(userTop, abs);
  const rel = relative(runCwd, abs) || '.';
  return inTree.startsWith('..') || inTree.startsWith('/') || !existsSync(join(ws.cwd, rel)) ? abs : rel;
}
