// An agent profile's own variables (`--var command=...` for `shell`, any placeholder of a user profile) reach
// every worker of a pattern: each built-in pattern runs end to end with a user script as the agent.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test, type TestServer } from '../helpers/tmux-server.js';
import { parseOut } from '../cli/support.js';

// A verifier whose answer has no VERDICT line fails its run (these agents echo or count their prompts): every
// worker still ran and answered, and the run says why it failed.
const JUDGED = new Set(['review-fix', 'scout-act-verify']);

async function runJson(server: TestServer, args: string[]) {
  const r = await server.cli([...args, '--json']);
  const out = parseOut<{ dir: string; outcome: string; reason: string | null; workers: { name: string; state: string }[] }>(r);
  if (JUDGED.has(args[1]!)) {
    expect(r.exitCode, String(r.stderr)).toBe(1);
    expect(out).toMatchObject({ outcome: 'failed', reason: expect.stringMatching(/^verify: no verdict \(the first line is "/) });
  } else {
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(out.outcome).toBe('ok');
  }
  return out;
}

// What each built-in pattern needs besides the agent.
const PATTERN_VARS: Record<string, string[]> = {
  'review-fix': ['--var', 'doc=doc.md'], 'scout-act-verify': ['--var', 'task=Rename foo', '--var', 'area=src/'], split: ['--var', 'doc=doc.md'],
  research: ['--var', 'question=Which cache?'], options: ['--var', 'task=Pick a queue', '--var', 'n=2'],
};

describe('agent variables in patterns', () => {
  test('review with the shell profile: every worker runs the user\'s command with its own prompt on stdin', async ({ server }) => {
    writeFileSync(join(server.dir, 'work', 'doc.md'), '# Plan\n\nShip it.\n');
    const out = await runJson(server, ['review', 'doc.md', '--agent', 'shell', '--var', 'command=cat']);
    expect(out.workers.map((w) => [w.name, w.state])).toEqual([['clarity', 'done'], ['correctness', 'done'], ['risks', 'done'], ['synth', 'done']]);
    for (const w of out.workers) {
      const dir = join(out.dir, 'workers', w.name);
      expect(readFileSync(join(dir, 'result.md'), 'utf8')).toBe(readFileSync(join(dir, 'prompt.md'), 'utf8'));
      expect(JSON.parse(readFileSync(join(dir, 'worker.json'), 'utf8')).argv).toEqual([expect.stringMatching(/\/cat$/)]);
    }
  });

  test.for(['review-fix', 'scout-act-verify', 'split', 'research', 'options'])('%s with the shell profile: each worker\'s answer is its own prompt', async (pattern, { server }) => {
    writeFileSync(join(server.dir, 'work', 'doc.md'), '# One\n\nfirst\n\n# Two\n\nsecond\n');
    const out = await runJson(server, ['run', pattern, ...PATTERN_VARS[pattern]!, '--agent', 'shell', '--var', 'command=cat']);
    expect(out.workers.length).toBeGreaterThan(1);
    for (const w of out.workers) {
      expect(w.state, w.name).toBe('done');
      const dir = join(out.dir, 'workers', w.name);
      expect(readFileSync(join(dir, 'result.md'), 'utf8')).toBe(readFileSync(join(dir, 'prompt.md'), 'utf8'));
    }
  });

  test.for(['review-fix', 'scout-act-verify', 'split', 'research', 'options'])('%s with a user profile that declares a variable', async (pattern, { server }) => {
    const work = join(server.dir, 'work');
    writeFileSync(join(work, 'doc.md'), '# One\n\nfirst\n\n# Two\n\nsecond\n');
    writeFileSync(join(work, 'agent.mjs'), "let t = ''; process.stdin.on('data', (d) => (t += d)).on('end', () => process.stdout.write(`${process.argv[2]}: ${t.length} bytes`));\n");
    writeFileSync(join(work, 'mine.yaml'), 'name: mine\nmode: exec\ncommand: [node, ./agent.mjs, "{{tag}}"]\nprompt: stdin\nlastMessage: stdout\n');
    const out = await runJson(server, ['run', pattern, ...PATTERN_VARS[pattern]!, '--agent', './mine.yaml', '--var', 'tag=mine-ok']);
    expect(out.workers.length).toBeGreaterThan(1);
    for (const w of out.workers) {
      expect(w.state, w.name).toBe('done');
      expect(readFileSync(join(out.dir, 'workers', w.name, 'result.md'), 'utf8')).toMatch(/^mine-ok: \d+ bytes$/);
    }
  });
});
