// The real Codex CLI as a writer (--sandbox workspace-write) cannot touch its run: the run lives in the
// state folder, outside the working tree, so each write into the run's policy, its worker.json and another
// worker's result.md fails inside codex's sandbox, and every record is byte-identical afterwards.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseOut, promptFile } from '../cli/support.js';
import { codexFor, test } from './support.js';

test('a workspace-write codex worker tries to rewrite its run: every write fails in the sandbox, the records are unchanged', async ({ server }) => {
  // Only the working tree is writable: /tmp and $TMPDIR (where the test's folders live) are excluded.
  const codex = await codexFor(server, 20_000, ['[sandbox_workspace_write]', 'exclude_slash_tmp = true', 'exclude_tmpdir_env_var = true']);
  try {
    // The default run root (ORCH_TMUX_RUNS unset): the state folder.
    const made = await server.cli(['new', '--json', '--cwd', codex.work], { env: { ...codex.env, ORCH_TMUX_RUNS: undefined } });
    expect(made.exitCode, String(made.stderr)).toBe(0);
    const run = parseOut<{ id: string; dir: string }>(made);
    expect(run.dir.startsWith(join(server.env.ORCH_TMUX_HOME!, 'runs'))).toBe(true);
    const spawn = async (name: string, prompt: string, sandbox: string) => {
      const r = await server.cli(['spawn', run.id, name, '--agent', 'codex', '--sandbox', sandbox, '--prompt-file', promptFile(server, name, prompt)], { env: codex.env });
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect((await server.cli(['wait', run.id, name, '--timeout', '60'], { env: codex.env })).exitCode).toBe(0);
    };
    await spawn('other', 'Say hello. [[reply:the other worker\'s answer]]', 'read-only');
    const targets = [join(run.dir, 'policy.json'), join(run.dir, 'workers', 'other', 'result.md'), join(run.dir, 'workers', 'other', 'worker.json'), join(run.dir, 'events.jsonl')];
    const before = targets.map((t) => readFileSync(t));
    const control = join(codex.work, 'control.txt');
    const attack = [`touch ${control}`, ...targets.map((t) => `echo pwned >> ${t}`), `echo '{}' > ${join(run.dir, 'orch-tmux.yaml')}`].map((c) => `${c} 2>&1 || echo FAILED`).join('; ');
    await spawn('writer', `Tidy up. [[shell:${attack}]]`, 'workspace-write');
    // The sandbox let it write in its tree and nowhere in the run.
    expect(existsSync(control), 'the control write inside the working tree').toBe(true);
    const output = codex.stub.requests.filter((q) => q.kind === 'tool-output').map((q) => JSON.stringify(q.body.input?.at(-1))).join('\n');
    expect(output.match(/FAILED/g)?.length, output).toBe(targets.length + 1);
    expect(output).toMatch(/Read-only file system|Permission denied/);
    // policy.json and the other worker's records are byte for byte what they were; events.jsonl only grew
    // by the store's own lines, never by the agent's.
    expect(readFileSync(targets[0]!)).toEqual(before[0]);
    expect(readFileSync(targets[1]!)).toEqual(before[1]);
    expect(readFileSync(targets[2]!)).toEqual(before[2]);
    expect(readFileSync(targets[3]!, 'utf8')).not.toContain('pwned');
    expect(existsSync(join(run.dir, 'orch-tmux.yaml'))).toBe(false);
    expect(parseOut(await server.cli(['status', run.id, '--json'], { env: codex.env })).workers.map((w: { name: string; state: string }) => [w.name, w.state])).toEqual([['other', 'done'], ['writer', 'done']]);
    await server.cli(['kill', run.id, '--grace', '0'], { env: codex.env });
  } finally {
    await codex.stub.close();
  }
});
