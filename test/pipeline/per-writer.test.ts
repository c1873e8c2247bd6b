// --worktrees=per-writer: each writer works in a worktree and branch of its own from the same start and keeps
// its own patch; the writers are merged onto the run's branch in stage order before the verifier, which sees the
// merged tree. Writers that changed the same lines fail the run naming the file; the user's tree is never touched.
import { execa } from 'execa';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, openGate, test, waitUntil } from '../helpers/tmux-server.js';
import { parseOut } from '../cli/support.js';
import { gitIn, runDirs, treeHash, twoWriters, workerRecord, workerText, type DriveJson } from './support.js';

type RunOut = DriveJson & { reason: string | null };

const patchOf = (dir: string, worker: string) => join(dir, 'workers', worker, 'changes.patch');
const planOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { steps: { title: string; status: string }[] }).steps;

describe('--worktrees=per-writer', () => {
  test('two writers of different files: two patches that each apply on the start, merged for the verifier; the user\'s tree untouched', async ({ server }) => {
    const { top, pattern } = await twoWriters(server, '[[write:a.txt:A\n]]', '[[write:b.txt:B\n]]');
    const before = treeHash(top);
    const r = await server.cli(['run', pattern, '--agent', fakeAgentProfile, '--worktrees=per-writer', '--json'], { cwd: top });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = parseOut<RunOut>(r);
    expect(out.workers.map((w) => [w.name, w.state])).toEqual([['write-a', 'done'], ['write-b', 'done'], ['verify', 'done']]);

    // Each writer worked in its own worktree, on its own branch.
    expect(workerRecord(out.dir, 'write-a').cwd).toBe(join(out.dir, 'worktrees', 'write-a'));
    expect(workerRecord(out.dir, 'write-b').cwd).toBe(join(out.dir, 'worktrees', 'write-b'));
    const branches = (await gitIn(server, top, 'branch', '--list', '--format=%(refname:short)', 'orch/*')).split('\n').sort();
    expect(branches).toEqual([`orch/${out.run}`, `orch/${out.run}.write-a`, `orch/${out.run}.write-b`]);

    // Its own patch, of its own file only; each applies on the tree the run started from (the user's, untouched).
    const a = readFileSync(patchOf(out.dir, 'write-a'), 'utf8');
    const b = readFileSync(patchOf(out.dir, 'write-b'), 'utf8');
    expect(a).toContain('+++ b/a.txt\n@@ -0,0 +1 @@\n+A\n');
    expect(a).not.toContain('b.txt');
    expect(b).toContain('+++ b/b.txt\n@@ -0,0 +1 @@\n+B\n');
    expect(b).not.toContain('a.txt');
    for (const patch of [patchOf(out.dir, 'write-a'), patchOf(out.dir, 'write-b'), out.changes!.patch]) {
      expect((await execa('git', ['apply', '--check', patch], { cwd: top, env: server.env, extendEnv: false, reject: false })).exitCode, patch).toBe(0);
    }

    // The verifier saw both changes together; the run's change is the merge of both.
    expect(workerText(out.dir, 'verify', 'result.md')).toContain('\na.txt: "A\\n"\nb.txt: "B\\n"\nshared.txt: "one\\ntwo\\nthree\\n"');
    expect(out.changes).toMatchObject({ files: 2, added: 2, removed: 0, branch: `orch/${out.run}` });
    const merged = readFileSync(out.changes!.patch, 'utf8');
    expect(merged).toContain('+++ b/a.txt');
    expect(merged).toContain('+++ b/b.txt');
    expect(await gitIn(server, top, 'show', `orch/${out.run}:a.txt`)).toBe('A');
    expect(await gitIn(server, top, 'show', `orch/${out.run}:b.txt`)).toBe('B');

    // The choice is in run.json, so --resume keeps it; the user's tree is as it was.
    expect(JSON.parse(readFileSync(join(out.dir, 'run.json'), 'utf8')).inputs.worktrees).toBe('per-writer');
    expect(treeHash(top)).toBe(before);
    expect(await gitIn(server, top, 'status', '--porcelain')).toBe('');
  });

  test('two writers of the same line: the run fails naming the file, the verifier never starts, the user\'s tree untouched; --resume keeps per-writer', async ({ server }) => {
    const { top, pattern } = await twoWriters(server, '[[write:shared.txt:one\nA\nthree\n]]', '[[write:shared.txt:one\nB\nthree\n]]');
    const before = treeHash(top);
    const r = await server.cli(['run', pattern, '--agent', fakeAgentProfile, '--worktrees=per-writer', '--json'], { cwd: top });
    expect(r.exitCode, String(r.stderr)).toBe(1);
    const out = parseOut<RunOut>(r);
    const reason = `writers write-a and write-b changed the same lines of shared.txt: write-b was not merged; see each change with orch-tmux diff ${out.run} <writer>`;
    expect(out).toMatchObject({ ok: false, reason });
    expect(out.workers.map((w) => [w.name, w.state])).toEqual([['write-a', 'done'], ['write-b', 'done']]);
    expect(existsSync(join(out.dir, 'workers', 'verify'))).toBe(false);
    expect(planOf(out.dir).map((s) => s.status)).toEqual(['completed', 'completed', 'failed']);
    expect(JSON.parse(readFileSync(join(out.dir, 'run.json'), 'utf8'))).toMatchObject({ outcome: 'failed', reason });

    // Both changes are kept as patches; the run's branch has the first, and no merge is left half-done.
    expect(readFileSync(patchOf(out.dir, 'write-a'), 'utf8')).toContain('-two\n+A\n');
    expect(readFileSync(patchOf(out.dir, 'write-b'), 'utf8')).toContain('-two\n+B\n');
    expect(readFileSync(out.changes!.patch, 'utf8')).toContain('-two\n+A\n');
    expect(await gitIn(server, join(out.dir, 'worktree'), 'status', '--porcelain')).toBe('');
    expect(treeHash(top)).toBe(before);
    expect(readFileSync(join(top, 'shared.txt'), 'utf8')).toBe('one\ntwo\nthree\n');
    expect(await gitIn(server, top, 'status', '--porcelain')).toBe('');

    // Carried on from run.json: still one worktree per writer, so the same conflict (one worktree would have none).
    const again = await server.cli(['run', '--resume', out.run], { cwd: top });
    expect(again.exitCode).toBe(1);
    expect(String(again.stderr)).toContain(`run failed: ${reason}\n`);
    expect(String(again.stderr)).toContain('not applied: the run failed');
    expect(treeHash(top)).toBe(before);
  });

  test('the writers of one fan-out stage run side by side, each in its own worktree, and are merged together', async ({ server }) => {
    const { top } = await twoWriters(server, '', '');
    const pattern = join(server.dir, 'fan-out.yaml');
    // Both writers wait at one gate, opened only once both run: one at a time, the second would never start.
    writeFileSync(pattern, [
      'name: fan-out',
      'stages:',
      '  - id: write',
      '    template: implementer',
      '    write: true',
      '    foreach: list',
      '    over: "x,y"',
      '    vars: { task: "[[gate:both]] [[write:{{item.id}}.txt:{{item.id}}\\n]]" }',
      '',
    ].join('\n'));
    const running = server.cli(['run', pattern, '--agent', fakeAgentProfile, '--worktrees=per-writer', '--json'], { cwd: top });
    const state = (name: string) => { try { return workerRecord(runDirs(server)[0]!, name).state; } catch { return undefined; } };
    await waitUntil(() => state('write-x') === 'running' && state('write-y') === 'running', 'both writers running at once', 30_000);
    openGate(server, 'both');
    const r = await running;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = parseOut<RunOut>(r);
    expect(out.workers.map((w) => [w.name, w.state])).toEqual([['write-x', 'done'], ['write-y', 'done']]);
    expect(workerRecord(out.dir, 'write-x').cwd).not.toBe(workerRecord(out.dir, 'write-y').cwd);
    expect(out.changes).toMatchObject({ files: 2, added: 2 });
    expect(await gitIn(server, top, 'show', `orch/${out.run}:x.txt`, `orch/${out.run}:y.txt`)).toBe('x\ny');
  });

  test('--worktrees takes no value, run or per-writer (also as the next argument); anything else exits 2 and makes nothing', async ({ server }) => {
    const { top, pattern } = await twoWriters(server, '[[write:a.txt:A\n]]', '[[write:b.txt:B\n]]');
    const bad = await server.cli(['run', pattern, '--agent', fakeAgentProfile, '--worktrees=each'], { cwd: top });
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toBe('orch-tmux run: Unknown --worktrees="each": give --worktrees (one worktree for the run) or --worktrees=per-writer (a worktree per writer, merged after)');
    expect(runDirs(server)).toEqual([]);
    const inputs = async (args: string[]) => {
      // A rehearsal: the verifier's stand-in answer has no verdict, so the run ends failed (exit 1), not refused.
      const made = await server.cli(['run', ...args, '--agent', fakeAgentProfile, '--dry-run', '--json'], { cwd: top });
      const out = parseOut<RunOut>(made);
      expect([made.exitCode, out.reason]).toEqual([1, expect.stringMatching(/^verify: no verdict/)]);
      return JSON.parse(readFileSync(join(out.dir, 'run.json'), 'utf8')).inputs.worktrees;
    };
    expect(await inputs(['--worktrees', pattern])).toBe(true);
    expect(await inputs(['--worktrees', 'per-writer', pattern])).toBe('per-writer');
  });
});
