// The real Gemini CLI (pinned) headless against a loopback stub of the Gemini API: answers and session ids
// checked in gemini's own files, resume after kill -9, a fresh untrusted folder, its self re-launch.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { templatesDir } from '../../src/os/package.js';
import { waitUntil } from '../helpers/tmux-server.js';
import { newRun, parseOut, promptFile, workerDir, workerJson } from '../cli/support.js';
import { eventsOf, monitorOnce, observed } from '../supervise/support.js';
import { geminiFor, geminiTest as test } from './agents.js';

/** Gemini's session files (~/.gemini/tmp/<project>/chats/session-*.jsonl) whose header names the id. */
function geminiSessionFiles(home: string, id: string): string[] {
  const root = join(home, '.gemini', 'tmp');
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((f) => /chats\/session-.*\.jsonl$/.test(f))
    .filter((f) => readFileSync(join(root, f), 'utf8').split('\n')[0]!.includes(`"sessionId":"${id}"`));
}

describe('gemini', () => {
  test('review --agent gemini in a fresh, untrusted folder: done, prompts byte-identical at the stub, session ids = gemini\'s own', async ({ server }) => {
    const gemini = await geminiFor(server);
    try {
      const doc = join(gemini.work, 'doc.md');
      writeFileSync(doc, '# Plan\n\nShip the login fix on Friday.\n');
      const r = await server.cli(['review', doc, '--agent', 'gemini', '--lenses', 'clarity,risks', '--json'], { env: gemini.env });
      expect(r.exitCode, String(r.stderr)).toBe(0);
      const out = parseOut<{ dir: string }>(r);
      const turns = gemini.stub.turns();
      for (const [name, title] of [['clarity', 'Clarity and structure'], ['risks', 'Risks and failure modes']]) {
        const dir = join(out.dir, 'workers', name!);
        const worker = JSON.parse(readFileSync(join(dir, 'worker.json'), 'utf8'));
        expect(worker).toMatchObject({ state: 'done', resultSource: 'json' });
        expect(readFileSync(join(dir, 'result.md'), 'utf8')).toBe(`stub reply for lens ${title}`);
        // gemini's own word on its session: its JSON, and its session file. With gemini's default settings one
        // reviewer's start could delete the other's file before its first turn (gemini-sessions.test.ts pins
        // it): geminiFor turns that cleanup off, so each reviewer keeps its file.
        expect(JSON.parse(readFileSync(join(dir, 'stdout.txt'), 'utf8')).session_id).toBe(worker.sessionId);
        expect(geminiSessionFiles(gemini.home, worker.sessionId), `${name}'s session file, its header naming its id`).toHaveLength(1);
        expect(worker.argv).toEqual(expect.arrayContaining(['--session-id', worker.sessionId]));
        const prompt = readFileSync(join(dir, 'prompt.md'), 'utf8');
        expect(turns.some((t) => t.includes(prompt)), `${name}'s prompt reached the API byte for byte`).toBe(true);
      }
      expect(readFileSync(join(out.dir, 'synthesis.md'), 'utf8')).toBe('stub reply');
    } finally {
      await gemini.stub.close();
    }
  });

  test('kill -9 mid-turn: one monitor pass resumes it with the recorded id, the stub sees the original turn again, it ends done', async ({ server }) => {
    const gemini = await geminiFor(server);
    try {
      const run = await newRun(server);
      const prompt = 'Summarise the plan. [[hang-once]]';
      const s = await server.cli(['spawn', run.id, 'w', '--agent', 'gemini', '--prompt-file', promptFile(server, 'w', prompt)], { env: gemini.env });
      expect(s.exitCode, String(s.stderr)).toBe(0);
      const rec = workerJson(run, 'w');
      // The model turn itself (a routing request with the same text comes first).
      const turnSent = () => gemini.stub.requests.some((q) => /:streamGenerateContent/.test(q.url) && JSON.stringify(q.body).includes('[[hang-once]]'));
      await waitUntil(turnSent, 'gemini to send the turn', 30_000);
      // gemini saves the turn a moment after it sends it: mid-turn means after that.
      const saved = () => geminiSessionFiles(gemini.home, rec.sessionId as string).some((f) => readFileSync(join(gemini.home, '.gemini', 'tmp', f), 'utf8').includes('[[hang-once]]'));
      await waitUntil(saved, 'gemini to save the turn', 30_000);
      process.kill(rec.agentPid as number, 'SIGKILL');
      expect((await server.cli(['wait', run.id, '--timeout', '30'])).exitCode).toBe(1);
      const before = gemini.stub.turns().length;
      const pass = await monitorOnce(server, gemini.env);
      expect(observed(pass, 'w')!.actions).toEqual(['resume:1']);
      expect((await server.cli(['wait', run.id, '--timeout', '60'])).exitCode).toBe(0);
      expect(workerJson(run, 'w')).toMatchObject({ state: 'done', resumes: 1, sessionId: rec.sessionId });
      expect(readFileSync(join(workerDir(run, 'w'), 'result.md'), 'utf8')).toBe('stub reply');
      expect(gemini.stub.turns().slice(before).some((t) => t.includes(prompt)), 'the resumed request carries the original turn').toBe(true);
      expect(eventsOf(run, 'worker.resume', 'w').map((e) => e.detail!.sessionId)).toEqual([rec.sessionId]);
    } finally {
      await gemini.stub.close();
    }
  });

  test('self re-launch left on and the parent killed -9: the worker ends within seconds, the orphan named and ended', async ({ server }) => {
    const gemini = await geminiFor(server);
    try {
      const profile = join(server.dir, 'gemini-relaunch.yaml');
      writeFileSync(profile, readFileSync(join(templatesDir, 'agents', 'gemini.yaml'), 'utf8').replace(/^env:.*\n/m, ''));
      const run = await newRun(server);
      const prompt = 'Think. [[hang]]';
      const s = await server.cli(['spawn', run.id, 'w', '--agent', profile, '--prompt-file', promptFile(server, 'w', prompt)], { env: gemini.env });
      expect(s.exitCode, String(s.stderr)).toBe(0);
      await waitUntil(() => gemini.stub.turns().some((t) => t.includes(prompt)), 'the re-launched gemini to send the turn', 30_000);
      process.kill(workerJson(run, 'w').agentPid as number, 'SIGKILL');
      expect((await server.cli(['wait', run.id, '--timeout', '20'])).exitCode).toBe(1);
      expect(workerJson(run, 'w')).toMatchObject({ state: 'failed', reason: 'agent ended by SIGKILL' });
      // The record is settled before the exit fact is published (atomically): wait for the fact itself.
      const factsFile = join(workerDir(run, 'w'), 'exit-0.facts');
      await waitUntil(() => existsSync(factsFile), 'the runner to publish its exit fact');
      const orphans = /^orphans=(.*)$/m.exec(readFileSync(factsFile, 'utf8'))?.[1];
      expect(orphans).toMatch(/^\d+:node/);
      for (const pid of orphans!.split(',').map((o) => Number(o.split(':')[0]))) expect(existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))).toBe(false);
    } finally {
      await gemini.stub.close();
    }
  });
});
