// A writer's workspace in one line, taken as an attempt begins: a rerun starts the task again only on the
// tree it started from, never on top of a half-made change. In git: the tree of `git stash create` (the
// working tree's tracked files; HEAD's tree when nothing changed) plus every untracked, not-ignored file
// with its size and mtime; outside git: every file's path, size and mtime.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runProgram } from './run-program.js';
import { GIT_QUICK_TIMEOUT_MS } from '../core/timing.js';

/** Outside git, a tree of more files than this is not walked: its print says so (and never matches). */
const MAX_FILES_WALKED = 50_000;

async function git(cwd: string, args: string[]): Promise<string | undefined> {
  const r = await runProgram('git', ['-C', cwd, ...args], { timeoutMs: GIT_QUICK_TIMEOUT_MS });
  return r.exitCode === 0 ? r.stdout : undefined;
}

function statLine(dir: string, rel: string): string {
  try {
    const st = lstatSync(join(dir, rel));
    return `${rel}\0${st.size}\0${st.mtimeMs}`;
  } catch {
    return `${rel}\0gone`;
  }
}

// Every file under `dir` (not .git), as `path size mtime` lines; undefined past the limit.
function walk(dir: string): string[] | undefined {
  const out: string[] = [];
  const stack = [''];
  while (stack.length) {
    const rel = stack.pop()!;
    let entries;
    try {
      entries = readdirSync(join(dir, rel), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== '.git') stack.push(p);
      } else {
        out.push(statLine(dir, p));
        if (out.length > MAX_FILES_WALKED) return undefined;
      }
    }
  }
  return out.sort();
}

/** The workspace at `cwd` as one hash; equal prints mean nothing changed in between. */
export async function workspacePrint(cwd: string): Promise<string> {
  const hash = createHash('sha256');
  const top = await git(cwd, ['rev-parse', '--show-toplevel']);
  if (top !== undefined) {
    const stash = (await git(cwd, ['stash', 'create']))?.trim();
    const tree = (await git(cwd, ['rev-parse', `${stash || 'HEAD'}^{tree}`]))?.trim() ?? 'no-head';
    const untracked = ((await git(cwd, ['ls-files', '-z', '--others', '--exclude-standard', '--full-name', ':/'])) ?? '').split('\0').filter(Boolean);
    const root = top.trim();
    hash.update(`git\0${tree}\0${untracked.sort().map((f) => statLine(root, f)).join('\n')}`);
  } else {
    const files = walk(cwd);
    hash.update(files ? `files\0${files.join('\n')}` : `too many files\0${Date.now()}`);
  }
  return hash.digest('hex');
}
