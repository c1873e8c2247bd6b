// A verifier's verdict decides its stage and the run: a FAIL exits 1 with the verifier's line as the reason,
// no "apply it" hint, the plan step failed, the report says failed; with --rounds the findings go back to the
// implementer and a new verifier judges again.
import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test, type TestServer } from '../helpers/tmux-server.js';
import { parseOut } from '../cli/support.js';

// A stand-in agent by role: the reviewer finds the bug; the implementer fixes it only from its Nth try on
// (argv[3]; 0: never), counting its tries in argv[4]; the verifier checks the file.
const AGENT = `
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
let prompt = '';
process.stdin.on('data', (d) => (prompt += d)).on('end', () => {
  const role = /^ROLE: (\\w+)/m.exec(prompt)?.[1];
  const [fixOn, counter] = [Number(process.argv[3]), process.argv[4]];
  if (role === 'reviewer') return console.log('calc.js:1: add() subtracts');
  if (role === 'implementer') {
    const tries = (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) + 1;
    writeFileSync(counter, String(tries));
    const told = prompt.includes('The verifier found the previous attempt wanting') ? ' (told: ' + /VERDICT: FAIL[^\\n]*/.exec(prompt)?.[0] + ')' : '';
    if (fixOn > 0 && tries >= fixOn) {
      writeFileSync('calc.js', readFileSync('calc.js', 'utf8').replace('a - b', 'a + b'));
      return console.log('fixed calc.js:1 on try ' + tries + told);
    }
    return console.log('looked at calc.js, changed nothing on try ' + tries + told);
  }
  if (role === 'verifier') {
    const fixed = readFileSync('calc.js', 'utf8').includes('a + b');
    return console.log(fixed ? '**VERDICT: PASS**\\nadd() adds' : 'VERDICT: FAIL - add() still wrong\\n- **Issue**: calc.js:1 subtracts');
  }
  console.log('summary');
});
`;

async function git(cwd: string, env: TestServer['env'], ...args: string[]): Promise<string> {
  const r = await execa('git', args, { cwd, env: { ...env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' }, extendEnv: false });
  return String(r.stdout);
}

// A repository with a buggy calc.js and the agent; the implementer fixes from try `fixOn`.
async function project(server: TestServer, fixOn: number): Promise<string> {
  const cwd = join(server.dir, 'work');
  await git(cwd, server.env, 'init', '-q', '-b', 'main');
  writeFileSync(join(cwd, 'calc.js'), 'export const add = (a, b) => a - b;\n');
  await git(cwd, server.env, 'add', '-A');
  await git(cwd, server.env, 'commit', '-q', '-m', 'start');
  writeFileSync(join(cwd, 'agent.mjs'), AGENT);
  writeFileSync(join(cwd, 'agent.yaml'), `name: judged\nmode: exec\ncommand: [node, ./agent.mjs, "{{sandbox}}", "${fixOn}", "${join(server.dir, 'tries')}"]\nprompt: stdin\nlastMessage: stdout\n`);
  return cwd;
}

interface RunOut {
  dir: string;
  ok: boolean;
  outcome: string;
  reason: string | null;
  changes: { files: number } | null;
  workers: { name: string; state: string }[];
}

const steps = (dir: string) => (JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')) as { steps: { title: string; status: string }[] }).steps;

describe('verdicts', () => {
  test('review-fix --worktrees whose implementer fixes nothing: exit 1, the FAIL line is the reason, no apply hint, plan and report say failed', async ({ server }) => {
    const cwd = await project(server, 0);
    const r = await server.cli(['run', 'review-fix', '--var', 'doc=calc.js', '--agent', './agent.yaml', '--worktrees'], { cwd });
    expect(r.exitCode, String(r.stderr)).toBe(1);
    const reason = 'verify: VERDICT: FAIL - add() still wrong';
    expect(String(r.stderr)).toContain(`run failed: ${reason}\n`);
    expect(String(r.stderr)).toContain('the writers changed nothing: there is no change to apply');
    expect(String(r.stderr)).not.toMatch(/apply it|git .* apply/);
    const [run] = parseOut<{ runs: { id: string }[] }>(await server.cli(['ls', '--json'])).runs;
    const status = parseOut<{ dir: string; state: string; outcome: string; reason: string; plan: { steps: { status: string }[] }; workers: { name: string; state: string }[] }>(
      await server.cli(['status', run!.id, '--json']),
    );
    expect(status).toMatchObject({ state: 'finished', outcome: 'failed', reason });
    // Every worker did its job; the stage failed on its verdict, and the plan says so (none left in progress).
    expect(status.workers.map((w) => [w.name, w.state])).toEqual([['review', 'done'], ['fix', 'done'], ['verify', 'done']]);
    expect(status.plan.steps.map((s) => s.status)).toEqual(['completed', 'completed', 'failed']);
    expect(JSON.parse(readFileSync(join(status.dir, 'run.json'), 'utf8'))).toMatchObject({ state: 'finished', outcome: 'failed', reason });
    const report = await server.cli(['report', status.dir, '--md']);
    expect(String(report.stdout)).toContain(`state finished (failed: ${reason})`);
    expect(String(report.stdout)).toContain('- [ ] verify: 1 worker (failed)');
    // --json says the same.
    const again = parseOut<RunOut>(await server.cli(['run', 'review-fix', '--var', 'doc=calc.js', '--agent', './agent.yaml', '--json'], { cwd }));
    expect(again).toMatchObject({ ok: false, outcome: 'failed', reason });
  });

  test('--rounds 2 with an implementer that fixes on its second try: the findings go back, a new verifier passes, exit 0', async ({ server }) => {
    const cwd = await project(server, 2);
    const r = await server.cli(['run', 'review-fix', '--var', 'doc=calc.js', '--agent', './agent.yaml', '--rounds', '2', '--json'], { cwd });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = parseOut<RunOut>(r);
    expect(out).toMatchObject({ ok: true, outcome: 'ok', reason: null });
    expect(out.workers.map((w) => [w.name, w.state]).sort()).toEqual([['fix', 'done'], ['fix-2', 'done'], ['review', 'done'], ['verify', 'done'], ['verify-2', 'done']]);
    const result = (name: string) => readFileSync(join(out.dir, 'workers', name, 'result.md'), 'utf8');
    expect(result('fix')).toBe('looked at calc.js, changed nothing on try 1\n');
    // The second implementer was told what the verifier found; the second verifier judged its fix.
    expect(readFileSync(join(out.dir, 'workers', 'fix-2', 'prompt.md'), 'utf8')).toContain('VERDICT: FAIL - add() still wrong');
    expect(result('fix-2')).toBe('fixed calc.js:1 on try 2 (told: VERDICT: FAIL - add() still wrong)\n');
    expect(result('verify-2')).toBe('**VERDICT: PASS**\nadd() adds\n');
    expect(readFileSync(join(out.dir, 'verdict.md'), 'utf8')).toBe(result('verify-2'));
    expect(readFileSync(join(cwd, 'calc.js'), 'utf8')).toBe('export const add = (a, b) => a + b;\n');
    // Each round is in the plan; the failed verdict stays failed, the run is ok.
    expect(steps(out.dir).map((s) => [s.title, s.status])).toEqual([
      ['review: 1 worker', 'completed'], ['fix: 1 worker', 'completed'], ['verify: 1 worker', 'failed'],
      ['fix (round 2): 1 worker', 'completed'], ['verify (round 2): 1 worker', 'completed'],
    ]);
  });

  test('a verifier whose first line is neither PASS nor FAIL fails the run with "no verdict"; --rounds on a pattern without a retry stage is refused', async ({ server }) => {
    const cwd = join(server.dir, 'work');
    writeFileSync(join(cwd, 'doc.md'), '# Doc\n');
    const r = await server.cli(['run', 'review-fix', '--var', 'doc=doc.md', '--agent', 'shell', '--var', 'command=echo looks fine', '--json'], { cwd });
    expect(r.exitCode).toBe(1);
    expect(parseOut<RunOut>(r)).toMatchObject({ outcome: 'failed', reason: 'verify: no verdict (the first line is "looks fine")' });
    const refused = await server.cli(['run', 'review', '--var', 'doc=doc.md', '--rounds', '2'], { cwd });
    expect(refused.exitCode).toBe(2);
    expect(String(refused.stderr)).toBe('orch-tmux run: --rounds 2: pattern review has no verdict stage with `verdict.retry` (a stage its FAIL goes back to): drop --rounds');
  });
});
