// --worktrees=per-writer: each writer gets a branch and a worktree of its own, made from the run's branch as
// the last merge left it (the starting point until writers are merged), so the writers of consecutive stages
// work side by side from the same tree. Each writer's change is committed on its branch and kept as its own
// patch, then merged onto the run's branch in stage order; a conflict names its files and is undone.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { workerPaths } from '../core/paths.js';
import type { RunRecord } from '../core/run.js';
import { writeFileAtomic } from '../os/atomic.js';
import { commitAll, copyIncluded, git, identity, tryGit, writePatch, type Changes, type RunWorktree, type Workspace } from './workspace.js';

/** One writer's worktree as recorded in `<run>/worktrees/<writer>.json`, so --resume finds the same one. */
export interface WriterWorktree extends Workspace {
  name: string;
  branch: string;
  /** The commit it started from: the run's branch when the writer was made. */
  start: string;
}

/** Two or more writers changed the same lines: the writer that could not be merged, and where. */
export interface WriterConflict {
  writer: string;
  /** The conflicting files, relative to the top of the tree. */
  files: string[];
  /** Writers merged before it whose change touches those files. */
  with: string[];
}

const recordOf = (runDir: string, name: string) => join(runDir, 'worktrees', `${name}.json`);

/** A writer's worktree, or undefined for a worker that has none (not a writer, or not per-writer). */
export function readWriterWorktree(runDir: string, name: string): WriterWorktree | undefined {
  try {
    return JSON.parse(readFileSync(recordOf(runDir, name), 'utf8')) as WriterWorktree;
  } catch {
    return undefined;
  }
}

/** The writer's own worktree `<run>/worktrees/<writer>` on branch `orch/<run-id>.<writer>`, made once from the
 * run's branch as it is now, plus the files `.worktreeinclude` lists; later calls (and --resume) get the same one. */
export async function writerWorktree(run: RunRecord, wt: RunWorktree, name: string): Promise<WriterWorktree> {
  const known = readWriterWorktree(run.dir, name);
  if (known) return known;
  const root = join(run.dir, 'worktrees', name);
  const branch = `${wt.branch}.${name}`;
  let start: string;
  if (existsSync(join(root, '.git'))) {
    // Made before the driver stopped, not yet recorded: nothing has run in it, so its HEAD is where it started.
    start = (await git(root, ['rev-parse', 'HEAD'])).trim();
  } else {
    start = (await git(wt.root, ['rev-parse', 'HEAD'])).trim();
    mkdirSync(dirname(root), { recursive: true, mode: 0o700 });
    await git(wt.source, ['worktree', 'add', '-q', '-b', branch, root, start]);
  }
  await copyIncluded(wt.source, root);
  const writer: WriterWorktree = { name, root, cwd: join(root, relative(wt.root, wt.cwd)), source: wt.source, branch, start };
  writeFileAtomic(recordOf(run.dir, name), `${JSON.stringify(writer, null, 2)}\n`);
  return writer;
}

/** Commits what one writer changed on its branch and writes `workers/<writer>/changes.patch` against where it started. */
export async function collectWriter(run: RunRecord, w: WriterWorktree): Promise<Changes> {
  await commitAll(w.root, `orch-tmux: changes of writer ${w.name} of run ${run.id}`);
  return writePatch(w.root, w.start, workerPaths(run.dir, w.name).changes, w.branch);
}

/** Merges the writers' branches onto the run's branch in the order given (stage order), skipping those already
 * merged; stops at the first conflict, which is undone (the run's branch keeps the writers merged before it). */
export async function mergeWriters(run: RunRecord, wt: RunWorktree, writers: WriterWorktree[]): Promise<{ merged: string[]; conflict?: WriterConflict }> {
  const merged: string[] = [];
  // A merge a stopped driver left half-done is undone first; it is made again below.
  if ((await tryGit(wt.root, ['rev-parse', '-q', '--verify', 'MERGE_HEAD'])).exitCode === 0) await git(wt.root, ['merge', '--abort']);
  for (const [i, w] of writers.entries()) {
    if ((await tryGit(wt.root, ['merge-base', '--is-ancestor', w.branch, 'HEAD'])).exitCode === 0) continue;
    const r = await tryGit(wt.root, [...(await identity(wt.root)), 'merge', '-q', '--no-ff', '--no-edit', '-m', `orch-tmux: merge writer ${w.name} of run ${run.id}`, w.branch]);
    if (r.exitCode === 0) {
      merged.push(w.name);
      continue;
    }
    const files = (await git(wt.root, ['diff', '--name-only', '-z', '--diff-filter=U'])).split('\0').filter(Boolean);
    await tryGit(wt.root, ['merge', '--abort']);
    if (!files.length) throw new Error(`git merge of writer ${w.name} failed: ${r.stderr.trim() || r.stdout.trim()}`);
    const touched = async (e: WriterWorktree) => (await git(wt.root, ['diff', '--name-only', e.start, e.branch, '--', ...files], { GIT_LITERAL_PATHSPECS: '1' })).trim() !== '';
    const earlier: string[] = [];
    for (const e of writers.slice(0, i)) if (await touched(e)) earlier.push(e.name);
    return { merged, conflict: { writer: w.name, files, with: earlier } };
  }
  return { merged };
}

/** The run's reason for a conflict: the writers and the files, and how to see each change. */
export function conflictReason(run: RunRecord, c: WriterConflict): string {
  const names = [...c.with, c.writer];
  const who = names.length > 1 ? `writers ${names.slice(0, -1).join(', ')} and ${c.writer}` : `writer ${c.writer} and the run's branch`;
  return `${who} changed the same lines of ${c.files.join(', ')}: ${c.writer} was not merged; see each change with orch-tmux diff ${run.id} <writer>`;
}

