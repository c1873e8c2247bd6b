// spawn: eight workers in one run get their prompts byte for byte; templates and --dry-run rehearsals.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, test } from '../helpers/tmux-server.js';
import { newRun, spawnFake, workerDir, workerJson } from './support.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const mode = (path: string) => statSync(path).mode & 0o777;

/** The fake agent's default final message for these prompt bytes (see defaultMessage in fake-agent.mjs). */
function fakeMessage(prompt: Buffer): string {
  return `fake-agent done\nsha256: ${sha256(prompt)}\nbytes: ${prompt.length}`;
}

/** 1 MiB of text (base64 lines: no `[[`, so no directive), exactly 1,048,576 bytes. */
function oneMiB(): Buffer {
  const lines = randomBytes(800_000).toString('base64').match(/.{1,76}/g)!.join('\n');
  return Buffer.from(lines.slice(0, 1 << 20), 'ascii');
}

// Prompts a shell, tmux or a careless argv join would change: each must reach the agent unchanged.
const PROMPTS: Record<string, Buffer> = {
  w1: Buffer.from('x'),
  w2: oneMiB(),
  w3: Buffer.from(`It's "quoted" 'twice' and \\"escaped\\" \\' with a lone ' and a lone "`),
  w4: Buffer.from('run $(touch pwned-dollar) and `touch pwned-backtick` and ${HOME} $HOME $((1+1)) #{pane_id} %1 ~'),
  w5: Buffer.from('a; b;; c ; touch pwned-semi;\n;\nends with;'),
  w6: Buffer.from('\n\nline one\r\nline two\n\n\ttabbed\\\n  \n\n'),
  w7: Buffer.from('héllo wörld — 日本語のテキスト 🎉🦀 Ω≈ç√ e\u0301 \u200b zero-width, RTL \u05e9\u05dc\u05d5\u05dd'),
  w8: Buffer.from(`-n --help -- "; $(id) \`id\` ' \\ \n ;\n${'ü'.repeat(3000)}\n# not a comment | cat > /dev/null & wait ;`),
};

describe('spawn', () => {
  test('8 workers in one run all finish with their exact prompt bytes; prompt.md 0600, run dir 0700, nothing world-readable', async ({ server }) => {
    const run = await newRun(server);
    // Concurrent spawns, like an orchestrator fanning out.
    await Promise.all(Object.entries(PROMPTS).map(([name, bytes]) => spawnFake(server, run.id, name, bytes)));

    const wait = await server.cli(['wait', run.id]);
    expect(wait.stderr).toBe('');
    expect(wait.exitCode).toBe(0);

    expect(mode(run.dir)).toBe(0o700);
    for (const [name, bytes] of Object.entries(PROMPTS)) {
      const dir = workerDir(run, name);
      const promptMd = join(dir, 'prompt.md');
      expect(readFileSync(promptMd).equals(bytes), `${name} prompt.md`).toBe(true);
      expect(mode(promptMd), `${name} prompt.md mode`).toBe(0o600);
      expect(mode(dir), `${name} folder mode`).toBe(0o700);
      for (const file of ['worker.json', 'result.md', 'pane.log', 'stdout.txt', 'last-message.txt']) expect(mode(join(dir, file)), `${name} ${file} mode`).toBe(0o600);
      // The agent's own digest of what it read on stdin: proves byte-identical delivery.
      expect(readFileSync(join(dir, 'result.md'), 'utf8'), `${name} result.md`).toBe(fakeMessage(bytes));
      const rec = workerJson(run, name);
      expect(rec).toMatchObject({ state: 'done', exitCode: 0, resultSource: 'file' });
    }
    // Nothing in a prompt was ever run by a shell.
    expect(readdirSync(join(server.dir, 'work')).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });

  test('--template reviewer with --var renders the prompt the agent gets', async ({ server }) => {
    const run = await newRun(server);
    const r = await server.cli([
      'spawn', run.id, 'clarity', '--agent', fakeAgentProfile, '--template', 'reviewer',
      '--var', 'lens=x', '--var', 'lens_description=y', '--var', 'doc_path=/tmp/d',
    ]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect((await server.cli(['wait', run.id, 'clarity'])).exitCode).toBe(0);
    const prompt = readFileSync(join(workerDir(run, 'clarity'), 'prompt.md'));
    const text = prompt.toString('utf8');
    expect(text).toContain('CONTEXT: WORKER');
    expect(text).toMatch(/^LENS: x$/m);
    expect(text).toContain('/tmp/d');
    expect(text).not.toMatch(/\{\{/);
    // The fake agent echoes the LENS line it read, after the digest of the rendered prompt.
    expect(readFileSync(join(workerDir(run, 'clarity'), 'result.md'), 'utf8')).toBe(`${fakeMessage(prompt)}\nlens: x`);
  });

  test('--dry-run rehearses: result.md says rehearsal and no agent runs', async ({ server }) => {
    const run = await newRun(server);
    const file = join(server.dir, 'p.md');
    writeFileSync(file, 'Review this [[crash:9]]\n');
    // A profile whose program is missing: a rehearsal needs no agent binary.
    const missing = join(server.dir, 'missing.yaml');
    writeFileSync(missing, 'name: missing\ncommand: [orch-test-no-such-agent, "-"]\nprompt: stdin\n');
    for (const [name, agent] of [['rehearse', fakeAgentProfile], ['absent', missing]] as const) {
      const r = await server.cli(['spawn', run.id, name, '--agent', agent, '--prompt-file', file, '--dry-run']);
      expect(r.stderr, name).toBe('');
      expect(r.exitCode, name).toBe(0);
    }
    const wait = await server.cli(['wait', run.id, '--json']);
    expect(wait.exitCode).toBe(0);
    for (const name of ['rehearse', 'absent']) {
      const result = readFileSync(join(workerDir(run, name), 'result.md'), 'utf8');
      expect(result).toMatch(/^# Rehearsal result: /);
      expect(result).toContain('no agent ran');
      expect(result).toContain(sha256(readFileSync(file)));
      const rec = workerJson(run, name);
      expect(rec).toMatchObject({ state: 'done', exitCode: 0, resultSource: 'rehearsal', rehearsal: true });
      expect(rec.agentPid).toBeUndefined();
    }
    // The fake agent saves a session file every time it runs: none means it never ran ([[crash:9]] never fired).
    expect(existsSync(join(server.dir, 'fake-sessions'))).toBe(false);
  });
});

describe('spawn --worker', () => {
  test('several workers in one call: each gets its own prompt file byte for byte; a bad one makes none', async ({ server }) => {
    const run = await newRun(server);
    const a = join(server.dir, 'a.prompt');
    const b = join(server.dir, 'b.prompt');
    writeFileSync(a, PROMPTS.w4!);
    writeFileSync(b, PROMPTS.w8!);
    const r = await server.cli(['spawn', run.id, '--worker', `a=${a}`, '--worker', `b=${b}`, '--agent', fakeAgentProfile, '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    // Each returned started (a fast agent may already be done).
    expect(JSON.parse(String(r.stdout)).workers.map((w: { worker: string; state: string }) => `${w.worker}:${w.state.replace(/^(running|done)$/, 'started')}`)).toEqual(['a:started', 'b:started']);
    expect((await server.cli(['wait', run.id])).exitCode).toBe(0);
    expect(readFileSync(join(workerDir(run, 'a'), 'result.md'), 'utf8')).toBe(fakeMessage(PROMPTS.w4!));
    expect(readFileSync(join(workerDir(run, 'b'), 'result.md'), 'utf8')).toBe(fakeMessage(PROMPTS.w8!));
    // A name twice, a missing file, or a name taken: exit 2, one line, and no new worker at all.
    for (const args of [['--worker', `c=${a}`, '--worker', `c=${b}`], ['--worker', `c=${a}`, '--worker', `d=${join(server.dir, 'missing')}`], ['--worker', `c=${a}`, '--worker', `a=${b}`], ['--worker', 'c'], ['c', '--worker', `d=${a}`]]) {
      const bad = await server.cli(['spawn', run.id, ...args, '--agent', fakeAgentProfile]);
      expect(bad.exitCode, `${args.join(' ')}: ${String(bad.stderr)}`).toBe(2);
      expect(String(bad.stderr).trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(readdirSync(join(run.dir, 'workers')).sort(), args.join(' ')).toEqual(['a', 'b']);
    }
  });
});
