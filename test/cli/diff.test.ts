// `orch-tmux diff`: a writer's own patch (--worktrees=per-writer), the run's merged one, --json with the files;
// a worker that does not write, or a run without --worktrees, has none: exit 2 and one line saying why.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, test } from '../helpers/tmux-server.js';
import { parseOut } from './support.js';
import { twoWriters, type DriveJson } from '../pipeline/support.js';

interface DiffJson {
  run: string;
  worker?: string;
  patch: string;
  files: string[];
  text: string;
}

describe('diff', () => {
  test('prints a writer\'s patch and the run\'s merged one; --json names the files; a verifier is not a writer (exit 2)', async ({ server }) => {
    const { top, pattern } = await twoWriters(server, '[[write:a.txt:A\n]]', '[[write:sub dir/b "q".txt:B\n]]');
    const run = parseOut<DriveJson>(await server.cli(['run', pattern, '--agent', fakeAgentProfile, '--worktrees=per-writer', '--json'], { cwd: top }));
    expect(run.ok).toBe(true);

    const a = await server.cli(['diff', run.run, 'write-a']);
    expect(a.exitCode, String(a.stderr)).toBe(0);
    const patchA = join(run.dir, 'workers', 'write-a', 'changes.patch');
    expect(`${String(a.stdout)}\n`).toBe(readFileSync(patchA, 'utf8'));
    expect(String(a.stdout)).toMatch(/^diff --git a\/a\.txt b\/a\.txt\nnew file mode 100644\n[^]*\+A$/);

    const all = await server.cli(['diff', run.run]);
    expect(all.exitCode, String(all.stderr)).toBe(0);
    expect(`${String(all.stdout)}\n`).toBe(readFileSync(join(run.dir, 'changes.patch'), 'utf8'));

    // --json: the patch file, the files it changes (a quoted name read right, also from a folder deep in a
    // repository, where git apply would leave out paths above it), and its text.
    const inner = join(top, 'inner');
    mkdirSync(inner);
    const b = parseOut<DiffJson>(await server.cli(['diff', run.run, 'write-b', '--json'], { cwd: inner }));
    expect(b).toEqual({ run: run.run, worker: 'write-b', patch: join(run.dir, 'workers', 'write-b', 'changes.patch'), files: ['sub dir/b "q".txt'], text: readFileSync(join(run.dir, 'workers', 'write-b', 'changes.patch'), 'utf8') });
    const merged = parseOut<DiffJson>(await server.cli(['diff', run.run, '--json']));
    expect(merged).toMatchObject({ run: run.run, patch: join(run.dir, 'changes.patch'), files: ['a.txt', 'sub dir/b "q".txt'] });
    expect(merged).not.toHaveProperty('worker');

    const verifier = await server.cli(['diff', run.run, 'verify']);
    expect(verifier.exitCode).toBe(2);
    expect(String(verifier.stderr)).toBe(`orch-tmux diff: Worker verify of run ${run.run} is not a writer (its stage does not write), so it has no change: orch-tmux diff ${run.run} shows the run's`);
    expect(String(verifier.stdout)).toBe('');
    const unknown = await server.cli(['diff', run.run, 'nobody']);
    expect(unknown.exitCode).toBe(2);
    expect(String(unknown.stderr)).toBe(`orch-tmux diff: Unknown worker "nobody" in run ${run.run}: it has verify, write-a, write-b`);
  });

  test('a run without --worktrees has no worktree changes: exit 2 with the reason, on stdout too under --json', async ({ server }) => {
    const { top, pattern } = await twoWriters(server, '[[write:a.txt:A\n]]', '[[write:b.txt:B\n]]');
    const run = parseOut<DriveJson>(await server.cli(['run', pattern, '--agent', fakeAgentProfile, '--json'], { cwd: top }));
    expect(run.ok).toBe(true);
    // The writers wrote the user's tree, as a run without --worktrees does.
    expect(readFileSync(join(top, 'a.txt'), 'utf8')).toBe('A\n');
    const message = `Run ${run.run} has no worktree changes: it ran without --worktrees; look at your tree with git diff`;
    for (const args of [[run.run], [run.run, 'write-a']]) {
      const r = await server.cli(['diff', ...args]);
      expect(r.exitCode).toBe(2);
      expect(String(r.stderr)).toBe(`orch-tmux diff: ${message}`);
      expect(String(r.stdout)).toBe('');
    }
    const json = await server.cli(['diff', run.run, '--json']);
    expect(json.exitCode).toBe(2);
    expect(JSON.parse(String(json.stdout))).toEqual({ error: { code: 'no_worktrees', message, exit: 2 } });
  });
});
