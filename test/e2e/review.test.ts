// The real codex exec as three reviewers and a synthesizer, against the loopback stub.
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import stripAnsi from 'strip-ansi';
import { expect } from 'vitest';
import { codexFor, lastUserText, test } from './support.js';

test('review with --agent codex: three read-only reviewers, their replies merged, session ids recorded', async ({ server }) => {
  const codex = await codexFor(server);
  try {
    const doc = join(codex.work, 'doc.md');
    writeFileSync(doc, '# Plan\n\nShip the login fix on Friday.\n\n## Risks\n\nNone known.\n');
    const r = await server.cli(['review', doc, '--agent', 'codex', '--json'], { env: codex.env });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const lenses = { clarity: 'Clarity and structure', correctness: 'Correctness and completeness', risks: 'Risks and failure modes' };
    for (const [name, title] of Object.entries(lenses)) {
      const dir = join(out.dir, 'workers', name);
      const worker = JSON.parse(readFileSync(join(dir, 'worker.json'), 'utf8'));
      expect(worker.state).toBe('done');
      expect(worker.argv).toContain('read-only');
      expect(worker.argv.slice(0, 2).map((a: string) => a.split('/').pop())).toEqual(['codex', 'exec']);
      expect(worker.sessionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      // codex's own last-message file is the result, and its session file exists under CODEX_HOME.
      const result = readFileSync(join(dir, 'result.md'), 'utf8');
      expect(result).toBe(`stub reply for lens ${title}`);
      expect(readFileSync(join(dir, 'last-message.txt'), 'utf8')).toBe(result);
      const sessions = readdirSync(join(codex.home, 'sessions'), { recursive: true }) as string[];
      expect(sessions.some((f) => f.endsWith(`${worker.sessionId}.jsonl`))).toBe(true);
      // codex's banner (its stderr is the window's terminal, so it comes in colour).
      expect(stripAnsi(readFileSync(join(dir, 'pane.log'), 'utf8'))).toContain('sandbox: read-only');
    }
    const synthPrompt = readFileSync(join(out.dir, 'workers', 'synth', 'prompt.md'), 'utf8');
    for (const title of Object.values(lenses)) expect(synthPrompt).toContain(`stub reply for lens ${title}`);
    expect(readFileSync(join(out.dir, 'synthesis.md'), 'utf8')).toBe('stub reply');
    // What codex sent: each reviewer prompt reached the stub whole, with its lens and the document.
    const turns = codex.stub.requests.filter((q) => q.kind === 'turn').map(lastUserText);
    for (const title of Object.values(lenses)) expect(turns.some((t) => t.includes(`LENS: ${title}`) && t.includes('Ship the login fix on Friday.'))).toBe(true);
  } finally {
    await codex.stub.close();
  }
});
