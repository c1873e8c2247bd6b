// Writers and verifiers off the user's tree: `run review-fix --worktrees` works in one worktree made from the
// working tree (uncommitted changes included) and brings the change back as a branch and changes.patch; a
// verifier that writes (a test cache) gets a throw-away copy and never touches the user's tree.
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect } from 'vitest';
import { test, type TestServer } from '../helpers/tmux-server.js';
import { parseOut } from '../cli/support.js';

// A stand-in agent that obeys its sandbox flag as a real one would: `ro` refuses every write.
// The implementer fixes app.txt; the verifier "runs the tests": writes a cache, then checks the fix.
const AGENT = `
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
let prompt = '';
process.stdin.on('data', (d) => (prompt += d)).on('end', () => {
  const role = /^ROLE: (\\w+)/m.exec(prompt)?.[1];
  const writable = process.argv[2] === 'rw';
  if (role === 'reviewer') return console.log('app.txt:3: "bug" should read "fixed"');
  if (role === 'implementer') {
    if (!writable) { console.log('refused: read-only'); process.exit(1); }
    writeFileSync('app.txt', readFileSync('app.txt', 'utf8').replace('bug', 'fixed'));
    return console.log('fixed app.txt:3');
  }
  if (role === 'verifier') {
    if (!writable) return console.log('VERDICT: FAIL\\ncannot write the test cache (read-only)');
    mkdirSync('.cache', { recursive: true });
    writeFileSync('.cache/tests.json', '{"ran":1}');
    writeFileSync('test-report.txt', 'ran 1 test');
    const fixed = readFileSync('app.txt', 'utf8').includes('fixed');
    return console.log(\`VERDICT: \${fixed ? 'PASS' : 'FAIL'}\\ncwd=\${process.cwd()}\\nenv=\${existsSync('.env') ? readFileSync('.env', 'utf8').trim() : 'missing'}\`);
  }
  console.log('summary');
});
`;

const PROFILE = 'name: sandboxed\nmode: exec\ncommand: [node, ./agent.mjs, "{{sandbox}}"]\nprompt: stdin\nlastMessage: stdout\nsandbox: { read-only: [ro], workspace-write: [rw] }\n';

async function git(cwd: string, env: TestServer['env'], ...args: string[]): Promise<string> {
  const r = await execa('git', args, { cwd, env: { ...env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' }, extendEnv: false });
  return String(r.stdout);
}

// Every file under the tree except .git, with its bytes: the user's tree before and after must be equal.
function treeBytes(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (e === '.git') continue;
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(root, p)] = readFileSync(p).toString('base64');
    }
  };
  walk(root);
  return out;
}

// A repository with a committed app.txt, an uncommitted edit beside the bug, an untracked note and an ignored .env.
async function repo(server: TestServer): Promise<{ top: string; cwd: string }> {
  const top = join(server.dir, 'work');
  const cwd = join(top, 'pkg');
  await git(top, server.env, 'init', '-q', '-b', 'main');
  await execa('mkdir', ['-p', cwd]);
  writeFileSync(join(cwd, 'app.txt'), 'one\ntwo\nbug\nfour\n');
  writeFileSync(join(top, '.gitignore'), '.env\n.cache/\n');
  await git(top, server.env, 'add', '-A');
  await git(top, server.env, 'commit', '-q', '-m', 'start');
  writeFileSync(join(cwd, 'app.txt'), 'one\ntwo (local edit)\nbug\nfour\n');
  writeFileSync(join(cwd, 'notes.md'), 'untracked\n');
  writeFileSync(join(cwd, '.env'), 'SECRET=from-env-file\n');
  writeFileSync(join(top, '.worktreeinclude'), '.env\n');
  writeFileSync(join(cwd, 'agent.mjs'), AGENT);
  writeFileSync(join(cwd, 'agent.yaml'), PROFILE);
  return { top, cwd };
}

interface RunOut {
  dir: string;
  ok: boolean;
  outputs: Record<string, string>;
  changes: { patch: string; branch: string; files: number; added: number; removed: number } | null;
  workers: { name: string; state: string }[];
}

describe('writers and verifiers off the user\'s tree', () => {
  test('review-fix --worktrees: fix and verify in one worktree; the user\'s tree untouched; changes.patch applies on it', async ({ server }) => {
    const { top, cwd } = await repo(server);
    const before = treeBytes(top);
    const status = await git(top, server.env, 'status', '--porcelain');
    const r = await server.cli(['run', 'review-fix', '--var', 'doc=app.txt', '--agent', './agent.yaml', '--worktrees', '--json'], { cwd });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = parseOut<RunOut>(r);
    expect(out.workers.map((w) => [w.name, w.state])).toEqual([['review', 'done'], ['fix', 'done'], ['verify', 'done']]);

    // The reviewer and the writer worked in the run's worktree, at the same folder inside it; the verifier in a
    // throw-away copy of it; the prompts name the file relatively.
    const wtCwd = join(out.dir, 'worktree', 'pkg');
    for (const name of ['review', 'fix']) expect(JSON.parse(readFileSync(join(out.dir, 'workers', name, 'worker.json'), 'utf8')).cwd).toBe(wtCwd);
    expect(readFileSync(join(out.dir, 'workers', 'fix', 'prompt.md'), 'utf8')).toContain('Fix the findings below in app.txt.');
    const verdict = readFileSync(join(out.dir, 'workers', 'verify', 'result.md'), 'utf8');
    expect(verdict).toBe(`VERDICT: PASS\ncwd=${join(out.dir, 'scratch', 'verify', 'pkg')}\nenv=SECRET=from-env-file\n`);
    expect(existsSync(join(out.dir, 'scratch', 'verify'))).toBe(false);

    // The user's tree: byte-identical, same status; the change is a branch and a patch.
    expect(treeBytes(top)).toEqual(before);
    expect(await git(top, server.env, 'status', '--porcelain')).toBe(status);
    expect(out.changes).toMatchObject({ files: 1, added: 1, removed: 1, branch: expect.stringMatching(/^orch\//) });
    const patch = readFileSync(out.changes!.patch, 'utf8');
    expect(patch).toContain(' two (local edit)\n-bug\n+fixed\n');
    // What the verifier wrote (a test report, a cache) stays out of the change.
    expect(patch).not.toContain('.cache');
    expect(patch).not.toContain('test-report');
    expect(existsSync(join(wtCwd, 'test-report.txt'))).toBe(false);
    expect(await git(top, server.env, 'branch', '--list', out.changes!.branch)).toContain(out.changes!.branch);
    expect(String(r.stderr)).toBe('');

    await git(top, server.env, 'apply', out.changes!.patch);
    expect(readFileSync(join(cwd, 'app.txt'), 'utf8')).toBe('one\ntwo (local edit)\nfixed\nfour\n');
  });

  test('review-fix without --worktrees: the verifier writes its test cache in a throw-away copy, removed afterwards', async ({ server }) => {
    const { top, cwd } = await repo(server);
    const r = await server.cli(['run', 'review-fix', '--var', 'doc=app.txt', '--agent', './agent.yaml', '--json'], { cwd });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = parseOut<RunOut>(r);
    expect(out.workers.map((w) => [w.name, w.state])).toEqual([['review', 'done'], ['fix', 'done'], ['verify', 'done']]);
    // The writer wrote the user's tree (as asked); the verifier saw that fix in its copy and wrote only there.
    expect(readFileSync(join(cwd, 'app.txt'), 'utf8')).toBe('one\ntwo (local edit)\nfixed\nfour\n');
    const verdict = readFileSync(join(out.dir, 'workers', 'verify', 'result.md'), 'utf8');
    const copy = join(out.dir, 'scratch', 'verify', 'pkg');
    expect(verdict).toBe(`VERDICT: PASS\ncwd=${copy}\nenv=SECRET=from-env-file\n`);
    expect(existsSync(join(top, '.cache'))).toBe(false);
    expect(existsSync(join(cwd, '.cache'))).toBe(false);
    expect(existsSync(join(out.dir, 'scratch', 'verify'))).toBe(false);
    expect((await git(top, server.env, 'worktree', 'list')).trim().split('\n')).toHaveLength(1);
    expect(out.changes).toBeNull();
  });

  test('outside git the verifier\'s copy is a plain copy of the folder', async ({ server }) => {
    const cwd = join(server.dir, 'work');
    writeFileSync(join(cwd, 'app.txt'), 'bug\n');
    writeFileSync(join(cwd, 'agent.mjs'), AGENT);
    writeFileSync(join(cwd, 'agent.yaml'), PROFILE);
    const r = await server.cli(['run', 'scout-act-verify', '--var', 'task=fix app.txt', '--agent', './agent.yaml', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = parseOut<RunOut>(r);
    expect(readFileSync(join(out.dir, 'workers', 'verify', 'result.md'), 'utf8')).toBe(`VERDICT: PASS\ncwd=${join(out.dir, 'scratch', 'verify')}\nenv=missing\n`);
    expect(existsSync(join(cwd, '.cache'))).toBe(false);
    expect(readFileSync(join(cwd, 'app.txt'), 'utf8')).toBe('fixed\n');
  });
});
