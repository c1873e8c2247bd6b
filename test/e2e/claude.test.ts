// The real Claude Code (pinned) in print mode against a loopback stub of the Messages API: answers, session
// ids, resume after kill -9, the sandbox map and interrupted turns, each checked in claude's own files too.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { templatesDir } from '../../src/os/package.js';
import { waitUntil } from '../helpers/tmux-server.js';
import { newRun, parseOut, promptFile, workerDir, workerJson } from '../cli/support.js';
import { eventsOf, monitorOnce, observed, writePolicy } from '../supervise/support.js';
import { claudeFor, claudeSessionFile, claudeTest as test } from './agents.js';

describe('claude', () => {
  test('review --agent claude: reviewers and synthesizer done, prompts byte-identical at the stub, session ids = claude\'s own session files', async ({ server }) => {
    const claude = await claudeFor(server);
    try {
      const doc = join(claude.work, 'doc.md');
      writeFileSync(doc, '# Plan\n\nShip the login fix on Friday.\n\n## Risks\n\nNone known.\n');
      const r = await server.cli(['review', doc, '--agent', 'claude', '--lenses', 'clarity,risks', '--json'], { env: claude.env });
      expect(r.exitCode, String(r.stderr)).toBe(0);
      const out = parseOut<{ dir: string }>(r);
      const turns = claude.stub.turns();
      for (const [name, title] of [['clarity', 'Clarity and structure'], ['risks', 'Risks and failure modes']]) {
        const dir = join(out.dir, 'workers', name!);
        const worker = JSON.parse(readFileSync(join(dir, 'worker.json'), 'utf8'));
        expect(worker).toMatchObject({ state: 'done', resultSource: 'jsonl' });
        expect(readFileSync(join(dir, 'result.md'), 'utf8')).toBe(`stub reply for lens ${title}`);
        expect(existsSync(claudeSessionFile(claude.home, worker.cwd, worker.sessionId)), 'claude kept the session under the recorded id').toBe(true);
        const prompt = readFileSync(join(dir, 'prompt.md'), 'utf8');
        expect(turns.some((t) => t.includes(prompt)), `${name}'s prompt reached the API byte for byte`).toBe(true);
      }
      expect(readFileSync(join(out.dir, 'synthesis.md'), 'utf8')).toBe('stub reply');
    } finally {
      await claude.stub.close();
    }
  });

  test('an authentication failure: the worker is failed with claude\'s own words, in status, its reason column and result --json; result exits 1', async ({ server }) => {
    const claude = await claudeFor(server);
    try {
      const env = { ...claude.env, ANTHROPIC_API_KEY: 'sk-stub-revoked' };
      const run = await newRun(server);
      const r = await server.cli(['spawn', run.id, 'w', '--agent', 'claude', '--prompt', 'Say hi.'], { env });
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect((await server.cli(['wait', run.id, '--timeout', '90'], { env })).exitCode).toBe(1);
      const rec = workerJson(run, 'w');
      // claude says is_error with subtype "success" and its words in `result`: the words are the reason.
      expect(rec).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^the agent reported an error: .*(API key|x-api-key|log ?in|authenticat)/i) });
      expect(String(rec.reason)).not.toMatch(/\(success\)|: success$/);
      const result = await server.cli(['result', run.id, 'w', '--json'], { env });
      expect(result.exitCode).toBe(1);
      expect(parseOut(result)).toMatchObject({ state: 'failed', reason: rec.reason, text: null });
      expect(String((await server.cli(['status', run.id], { env })).stdout)).toContain(String(rec.reason));
    } finally {
      await claude.stub.close();
    }
  });

  test('kill -9 mid-turn: one monitor pass resumes it with the recorded id, the stub sees the original turn again, it ends done', async ({ server }) => {
    const claude = await claudeFor(server);
    try {
      const run = await newRun(server);
      const prompt = 'Summarise the plan. [[hang-once]]';
      const s = await server.cli(['spawn', run.id, 'w', '--agent', 'claude', '--prompt-file', promptFile(server, 'w', prompt)], { env: claude.env });
      expect(s.exitCode, String(s.stderr)).toBe(0);
      await waitUntil(() => claude.stub.turns().some((t) => t.includes(prompt)), 'claude to send the turn', 30_000);
      const rec = workerJson(run, 'w');
      // claude writes its session file a moment after it sends the turn: mid-turn means after that.
      await waitUntil(() => existsSync(claudeSessionFile(claude.home, rec.cwd as string, rec.sessionId as string)), 'claude to save the session', 30_000);
      process.kill(rec.agentPid as number, 'SIGKILL');
      expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(1);
      const before = claude.stub.turns().length;
      const pass = await monitorOnce(server, claude.env);
      expect(observed(pass, 'w')!.actions).toEqual(['resume:1']);
      expect((await server.cli(['wait', run.id, '--timeout', '60'])).exitCode).toBe(0);
      expect(workerJson(run, 'w')).toMatchObject({ state: 'done', resumes: 1, sessionId: rec.sessionId });
      expect(readFileSync(join(workerDir(run, 'w'), 'result.md'), 'utf8')).toBe('stub reply');
      const resumed = claude.stub.turns().slice(before);
      expect(resumed.some((t) => t.includes(prompt)), 'the resumed request carries the original turn').toBe(true);
      expect(eventsOf(run, 'worker.resume', 'w').map((e) => e.detail!.sessionId)).toEqual([rec.sessionId]);
    } finally {
      await claude.stub.close();
    }
  });

  test('kill -9 in its first second, before claude saved anything: the monitor still brings it back, the task started again under a new recorded id', async ({ server }) => {
    const claude = await claudeFor(server);
    try {
      const run = await newRun(server);
      const prompt = 'Summarise the plan.';
      const s = await server.cli(['spawn', run.id, 'w', '--agent', 'claude', '--prompt-file', promptFile(server, 'w', prompt)], { env: claude.env });
      expect(s.exitCode, String(s.stderr)).toBe(0);
      const rec = workerJson(run, 'w');
      process.kill(rec.agentPid as number, 'SIGKILL');
      expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(1);
      expect(workerJson(run, 'w')).toMatchObject({ state: 'failed', sessionId: rec.sessionId });
      const pass = await monitorOnce(server, claude.env);
      expect(observed(pass, 'w')!.actions).toEqual(['resume:1']);
      expect((await server.cli(['wait', run.id, '--timeout', '60'])).exitCode).toBe(0);
      const done = workerJson(run, 'w');
      expect(done).toMatchObject({ state: 'done', resumes: 1 });
      expect(readFileSync(join(workerDir(run, 'w'), 'result.md'), 'utf8')).toBe('stub reply');
      // Where claude had kept nothing, the task ran again; the id on record is the one claude saved.
      const restarted = readFileSync(join(workerDir(run, 'w'), 'pane.log'), 'utf8').includes('starting the task again as session');
      if (restarted) expect(done.sessionId).not.toBe(rec.sessionId);
      expect(existsSync(claudeSessionFile(claude.home, rec.cwd as string, done.sessionId as string))).toBe(true);
      expect(claude.stub.turns().some((t) => t.includes(prompt))).toBe(true);
    } finally {
      await claude.stub.close();
    }
  });

  test('the sandbox map: workspace-write lands the edit; read-only cannot write and is blocked, not done', async ({ server }) => {
    const claude = await claudeFor(server);
    try {
      const run = await newRun(server);
      for (const [name, sandbox] of [['rw', 'workspace-write'], ['ro', 'read-only']]) {
        const file = join(claude.work, `${name}.txt`);
        const s = await server.cli(['spawn', run.id, name!, '--agent', 'claude', '--sandbox', sandbox!, '--prompt-file', promptFile(server, name!, `Write it. [[write:${file}|hello]]`)], { env: claude.env });
        expect(s.exitCode, String(s.stderr)).toBe(0);
      }
      await server.cli(['wait', run.id, '--timeout', '60']);
      expect(workerJson(run, 'rw')).toMatchObject({ state: 'done' });
      expect(readFileSync(join(claude.work, 'rw.txt'), 'utf8')).toBe('hello');
      expect(workerJson(run, 'ro')).toMatchObject({ state: 'failed', reason: 'blocked: the agent was refused 1 tool call (Write) under --sandbox read-only' });
      expect(existsSync(join(claude.work, 'ro.txt'))).toBe(false);
    } finally {
      await claude.stub.close();
    }
  });

  test('run review-fix --agent claude: the implementer\'s edit lands; the same stage under read-only cannot write and is blocked, not done', async ({ server }) => {
    const claude = await claudeFor(server);
    try {
      const doc = join(claude.work, 'notes.md');
      writeFileSync(doc, `# Notes\n\nTeh typo. [[fix:${doc}|# Notes\n\nThe typo.\n]]\n`);
      const r = await server.cli(['run', 'review-fix', '--var', `doc=${doc}`, '--agent', 'claude', '--json'], { env: claude.env });
      expect(r.exitCode, String(r.stderr)).toBe(0);
      const out = parseOut<{ dir: string }>(r);
      expect(readFileSync(doc, 'utf8')).toBe('# Notes\n\nThe typo.\n');
      const fix = JSON.parse(readFileSync(join(out.dir, 'workers', 'fix', 'worker.json'), 'utf8'));
      expect(fix).toMatchObject({ state: 'done', sandbox: 'workspace-write' });
      expect(fix.argv).toEqual(expect.arrayContaining(['--permission-mode', 'acceptEdits']));

      // The same pipeline with the fix stage not marked as a writer: read-only, refused, blocked.
      writeFileSync(doc, `# Notes\n\nTeh typo. [[fix:${doc}|# Notes\n\nThe typo.\n]]\n`);
      const readOnly = join(server.dir, 'review-fix-ro.yaml');
      writeFileSync(readOnly, readFileSync(join(templatesDir, 'patterns', 'review-fix.yaml'), 'utf8').replace(/^ {4}write: true\n/m, '').replace(/^name: review-fix$/m, 'name: review-fix-ro'));
      const ro = await server.cli(['run', readOnly, '--var', `doc=${doc}`, '--agent', 'claude', '--json'], { env: claude.env });
      expect(ro.exitCode, String(ro.stdout)).toBe(1);
      const roDir = parseOut<{ dir: string }>(ro).dir;
      const blocked = JSON.parse(readFileSync(join(roDir, 'workers', 'fix', 'worker.json'), 'utf8'));
      expect(blocked).toMatchObject({ state: 'failed', sandbox: 'read-only', reason: 'blocked: the agent was refused 1 tool call (Write) under --sandbox read-only' });
      expect(readFileSync(doc, 'utf8')).toContain('Teh typo.');
    } finally {
      await claude.stub.close();
    }
  });

  test('a turn interrupted with the interrupt key is failed "interrupted", though claude exits 0', async ({ server }) => {
    const claude = await claudeFor(server);
    try {
      const run = await newRun(server);
      const prompt = 'Think hard. [[hang]]';
      const s = await server.cli(['spawn', run.id, 'w', '--agent', 'claude', '--prompt-file', promptFile(server, 'w', prompt)], { env: claude.env });
      expect(s.exitCode, String(s.stderr)).toBe(0);
      await waitUntil(() => claude.stub.turns().some((t) => t.includes(prompt)), 'claude to send the turn', 30_000);
      await writePolicy(server, run, { silence: { pokeAfter: 0, interruptAfter: 0 } });
      await waitUntil(async () => observed(await monitorOnce(server, claude.env), 'w')?.actions.includes('interrupt'), 'the monitor to interrupt', 30_000);
      await server.cli(['wait', run.id, '--timeout', '30']);
      const rec = workerJson(run, 'w');
      expect(rec).toMatchObject({ state: 'failed', exitCode: 0 });
      expect(String(rec.reason)).toMatch(/^interrupted: /);
      // claude's own word that the turn did not complete: its result line says it failed or, as claude
      // 2.1.328 did once on a loaded 2-core machine, it exited after its "[Request interrupted by user]"
      // message without a result line (the record above is the same either way).
      expect(readFileSync(join(workerDir(run, 'w'), 'stdout.txt'), 'utf8')).toMatch(/"is_error":true|"text":"\[Request interrupted by user\]"/);
    } finally {
      await claude.stub.close();
    }
  });
});
