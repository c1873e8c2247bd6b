// Permissions and secrets: under umask 000, every folder orch-tmux makes is 0700 and every file 0600;
// environment variables with secret-looking names never land in a file orch-tmux writes (the agent's own
// output excepted), nor in any process's argv; the notify command gets events on stdin, never in argv.
import { execa } from 'execa';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { cleanEnv, fakeAgentProfile, fakeTuiProfile, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { described, notifyRecorder, notifyRecords, reportTally, shutdown, workerFile, writePolicy } from './support.js';

afterAll(() => reportTally(import.meta.filename));

const SECRETS: Record<string, string> = {
  OPENAI_API_KEY: 'sk-canary-123-openai',
  GITHUB_TOKEN: 'ghp_canary_456_github',
  MY_PASSWORD: 'hunter2-canary-789',
  AWS_SECRET_ACCESS_KEY: 'aws-canary-secret-000',
  ANTHROPIC_API_KEY: 'sk-ant-canary-111',
  NPM_AUTH_TOKEN: 'npm-canary-222',
  DATABASE_PASS: 'db-canary-333',
};

/** Files and folders under `root`, with their modes. */
function tree(root: string): { path: string; dir: boolean; mode: number }[] {
  const out: { path: string; dir: boolean; mode: number }[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    out.push({ path: p, dir: st.isDirectory(), mode: st.mode & 0o777 });
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  if (existsSync(root)) walk(root);
  return out;
}

/** The agent's own output and files, which orch-tmux only collects: excluded from the secret scan. */
const AGENT_OWN = new Set(['pane.log', 'stdout.txt', 'record.jsonl']);

/** Restarts the test's tmux server under umask 000, so panes, runners and agents inherit it too. */
async function serverUnderUmask0(server: TestServer): Promise<void> {
  await execa('tmux', ['-L', server.name, 'kill-server'], { reject: false, env: cleanEnv(), extendEnv: false });
  // The old server takes a moment to go; a client that reaches it meanwhile says "server exited unexpectedly".
  await waitUntil(async () => (await execa('tmux', ['-L', server.name, '-f', '/dev/null', 'new-session', '-d', '-s', 'keepalive', '-x', '200', '-y', '50'], { env: server.env, extendEnv: false, reject: false })).exitCode === 0, 'a tmux server under umask 000', 10_000, 50);
}

describe.concurrent('permissions and secrets', () => {
  test('umask 000: run and state folders 0700, every file orch-tmux writes 0600; secrets never in its files; notify reads stdin', async ({ server, expect }) => {
    const old = process.umask(0);
    try {
      await serverUnderUmask0(server);
      const env = { ...server.env, ...SECRETS };
      const cli = (args: string[]) => server.cli(args, { env });
      const ok = async (args: string[]) => {
        const r = await cli(args);
        expect(r.exitCode, `${args.join(' ')}: ${described(r)}`).toBe(0);
        return r;
      };
      const run = JSON.parse(String((await ok(['new', '--json', '--name', 'secrets'])).stdout)) as { id: string; dir: string };
      const record = join(server.dir, 'notify.jsonl');
      await writePolicy(server, run.dir, { notify: { command: [process.execPath, notifyRecorder, record, '--fixed-arg'], tmux: true } });
      await ok(['spawn', run.id, 'e1', '--agent', fakeAgentProfile, '--prompt', 'first [[reply:done]]']);
      await ok(['spawn', run.id, 'e2', '--agent', fakeAgentProfile, '--prompt', 'second [[crash-once:3]]']);
      await ok(['spawn', run.id, 'tpl', '--agent', fakeAgentProfile, '--template', 'reviewer', '--var', 'lens=Security', '--var', 'lens_description=secrets', '--var', 'doc_path=/dev/null']);
      await ok(['spawn', run.id, 't', '--agent', fakeTuiProfile, '--prompt', 'x']);
      await waitUntil(() => readFileSync(workerFile(run, 't', 'pane.log'), 'utf8').includes('› '), 'the composer');
      await ok(['send', run.id, 't', 'hello there']);
      await ok(['keys', run.id, 't', 'Enter']);
      await ok(['plan', run.id, 'set', 'one', 'two', 'three']);
      await ok(['plan', run.id, 'start', '1']);
      expect((await cli(['wait', run.id, 'e1', 'e2', 'tpl', '--timeout', '30'])).exitCode).toBe(1);
      await ok(['monitor', '--once']);
      await ok(['wait', run.id, 'e1', 'e2', 'tpl', '--timeout', '30']);
      await ok(['monitor', '--once']);
      await ok(['kill', run.id, 't', '--grace', '1']);
      await ok(['monitor', '--once']);
      const doc = join(server.dir, 'doc.md');
      writeFileSync(doc, '# Doc\n\nText.\n');
      const ctx = join(server.dir, 'ctx.yaml');
      writeFileSync(ctx, 'goal: ship\n');
      await ok(['review', doc, '--agent', fakeAgentProfile, '--lenses', 'clarity,risks', '--context', ctx]);
      for (const args of [['status', '--json'], ['status', run.id], ['ls'], ['result', run.id, 'e1'], ['log', run.id, 'e1'], ['doctor', '--json']]) await cli(args);

      const roots = [join(server.dir, 'runs'), join(server.dir, 'state')];
      const entries = roots.flatMap(tree);
      expect(entries.length).toBeGreaterThan(40);
      const badModes = entries
        .filter((e) => !AGENT_OWN.has(e.path.split('/').pop()!) || e.path.endsWith('pane.log') || e.path.endsWith('stdout.txt'))
        .filter((e) => e.mode !== (e.dir ? 0o700 : 0o600))
        .map((e) => `${e.mode.toString(8)} ${e.path}`);
      expect(badModes, 'folders 0700, files 0600 (prompt, result, pane.log ... included)').toEqual([]);
      const leaks: string[] = [];
      for (const e of entries) {
        if (e.dir || AGENT_OWN.has(e.path.split('/').pop()!)) continue;
        const bytes = readFileSync(e.path);
        for (const [k, v] of Object.entries(SECRETS)) if (bytes.includes(Buffer.from(v))) leaks.push(`${k} in ${e.path}`);
      }
      expect(leaks, 'no secret value in any file orch-tmux wrote').toEqual([]);
      // The notify command: events on stdin, argv exactly as configured, no secret anywhere.
      const calls = notifyRecords(record);
      expect(calls.length).toBeGreaterThan(0);
      for (const c of calls) {
        expect(c.argv).toEqual(['--fixed-arg']);
        expect(() => JSON.parse(c.stdin)).not.toThrow();
        for (const v of Object.values(SECRETS)) expect(c.stdin.includes(v)).toBe(false);
      }
    } finally {
      process.umask(old);
    }
    expect(await shutdown(server)).toEqual([]);
  }, 180_000);

  test('secrets never appear in the argv of any process orch-tmux starts (argv is world-readable in /proc)', async ({ server, expect }) => {
    // Every tmux client orch-tmux (and its runners) start goes through a wrapper that logs its argv.
    const realTmux = (await execa('sh', ['-c', 'command -v tmux'])).stdout.trim();
    const bin = join(server.dir, 'wrap-bin');
    mkdirSync(bin);
    const log = join(server.dir, 'tmux-argv.log');
    writeFileSync(join(bin, 'tmux'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >> '${log}'\nexec '${realTmux}' "$@"\n`);
    chmodSync(join(bin, 'tmux'), 0o755);
    const env = { ...server.env, ...SECRETS, PATH: `${bin}:${server.env.PATH}` };
    const r1 = await server.cli(['new', '--json'], { env });
    expect(r1.exitCode, described(r1)).toBe(0);
    const run = JSON.parse(String(r1.stdout)) as { id: string; dir: string };
    const r2 = await server.cli(['spawn', run.id, 'w', '--agent', fakeAgentProfile, '--prompt', '[[reply:ok]]'], { env });
    expect(r2.exitCode, described(r2)).toBe(0);
    expect((await server.cli(['wait', run.id, '--timeout', '30'], { env })).exitCode).toBe(0);
    expect((await server.cli(['monitor', '--once'], { env })).exitCode).toBe(0);
    const argv = readFileSync(log, 'utf8');
    expect(argv.length, 'the wrapper saw tmux calls').toBeGreaterThan(0);
    const leaked = Object.entries(SECRETS).filter(([, v]) => argv.includes(v)).map(([k]) => k);
    expect(leaked, 'secret values passed to tmux on its command line (e.g. new-window -e KEY=VALUE)').toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 90_000);
});
