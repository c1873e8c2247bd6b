// The window's runner is POSIX sh (scripts/orch-runner): under dash and under bash --posix the agent gets
// its argv and the caller's environment byte for byte, and while it runs no Node process of ours is in
// its window. doctor names the shell.
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { newRun, parseOut, workerDir, workerJson, type NewRun } from '../cli/support.js';

// Bytes a shell, printf %b or a careless decoder would change (no NUL: argv and environ cannot hold one).
const HOSTILE = `-n \\n \\\\ \\c \\0101 %s %b \\x41 $(touch pwned) \`id\` '"\n\n\ttab\r\nend with backslash \\\n\n`;

// An agent that writes what it got: its environment variable and its last argument (the prompt).
function probeProfile(server: TestServer): string {
  const file = join(server.dir, 'probe.yaml');
  writeFileSync(file, [
    'name: probe',
    'mode: exec',
    `command: [/bin/sh, -c, 'printf %s "$ORCH_PROBE" > "$1/probe.env"; printf %s "$2" > "$1/probe.arg"; echo probed', probe, "{{workerDir}}"]`,
    'prompt: arg',
    'lastMessage: stdout',
    '',
  ].join('\n'));
  return file;
}

/** Every process in the worker's window: the session its runner leads (Linux /proc). */
function windowProcesses(leader: number): { pid: number; comm: string; exe: string }[] {
  const out: { pid: number; comm: string; exe: string }[] = [];
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[3]) !== leader) continue; // field 6 of stat: the session id
      let exe = '';
      try {
        exe = readlinkSync(`/proc/${p}/exe`);
      } catch {
        /* a zombie or gone */
      }
      out.push({ pid: Number(p), comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), exe });
    } catch {
      /* gone */
    }
  }
  return out;
}

async function panePid(server: TestServer, run: NewRun, name: string): Promise<number> {
  const r = await server.tmux.run([['list-panes', '-s', '-t', run.session, '-F', '#{window_name} #{pane_pid}']]);
  const line = r.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line!.split(' ')[1]);
}

for (const shell of ['dash', 'bash --posix']) {
  describe(`the runner under ${shell}`, () => {
    test('the agent gets its argv and the caller\'s environment byte for byte; the exit status is recorded', async ({ server }) => {
      const env = { ...server.env, ORCH_TMUX_SH: shell, ORCH_PROBE: HOSTILE };
      const run = await newRun(server);
      const prompt = join(server.dir, 'prompt.txt');
      writeFileSync(prompt, HOSTILE);
      const s = await server.cli(['spawn', run.id, 'w', '--agent', probeProfile(server), '--prompt-file', prompt], { env });
      expect(s.exitCode, String(s.stderr)).toBe(0);
      const w = await server.cli(['wait', run.id, '--timeout', '30'], { env });
      expect(w.exitCode, String(w.stdout)).toBe(0);
      expect(readFileSync(join(workerDir(run, 'w'), 'probe.arg'), 'utf8')).toBe(HOSTILE);
      expect(readFileSync(join(workerDir(run, 'w'), 'probe.env'), 'utf8')).toBe(HOSTILE);
      expect(readFileSync(join(workerDir(run, 'w'), 'result.md'), 'utf8')).toBe('probed\n');
      expect(workerJson(run, 'w')).toMatchObject({ state: 'done', exitCode: 0 });
      // The environment file went as soon as it was read; nothing of the prompt ran.
      expect(readdirSync(workerDir(run, 'w'))).not.toContain('env.txt');
      expect(readdirSync(server.dir).filter((f) => f.startsWith('pwned'))).toEqual([]);
      // A failing agent's code: recorded as the shell saw it.
      const f = await server.cli(['spawn', run.id, 'f', '--agent', 'shell', '--var', 'command=sh -c "exit 7"', '--prompt', 'x'], { env });
      expect(f.exitCode, String(f.stderr)).toBe(0);
      expect((await server.cli(['wait', run.id, 'f', '--timeout', '30'], { env })).exitCode).toBe(1);
      expect(workerJson(run, 'f')).toMatchObject({ state: 'failed', exitCode: 7 });
    });

    test('while the agent runs, its window holds the runner shell and the agent, and no Node process of ours', async ({ server }) => {
      const env = { ...server.env, ORCH_TMUX_SH: shell };
      const run = await newRun(server);
      const s = await server.cli(['spawn', run.id, 'w', '--agent', 'shell', '--var', 'command=sleep 300', '--prompt', 'x'], { env });
      expect(s.exitCode, String(s.stderr)).toBe(0);
      const leader = await panePid(server, run, 'w');
      const procs = await waitUntil(() => {
        const all = windowProcesses(leader);
        return all.some((p) => p.comm === 'sleep') ? all : undefined;
      }, 'the agent to run');
      expect(procs.find((p) => p.pid === leader)!.exe).toMatch(shell === 'dash' ? /\/dash$/ : /\/bash$/);
      expect(procs.filter((p) => p.comm === 'node' || p.exe === process.execPath), JSON.stringify(procs)).toEqual([]);
      expect((await server.cli(['kill', run.id, 'w', '--grace', '0'], { env })).exitCode).toBe(0);
    });
  });
}

test('doctor names the shell that runs the windows', async ({ server }) => {
  const r = await server.cli(['doctor', '--json'], { env: { ...server.env, ORCH_TMUX_SH: 'bash --posix' } });
  const report = parseOut<{ runner: { shell: string[]; path: string; ok: boolean } }>(r);
  expect(report.runner).toMatchObject({ shell: ['bash', '--posix'], ok: true });
  expect(report.runner.path).toMatch(/\/bash$/);
  const plain = parseOut<{ runner: { shell: string[]; path: string } }>(await server.cli(['doctor', '--json']));
  expect(plain.runner.shell).toEqual(['/bin/sh']);
  expect((await server.cli(['doctor'])).stdout).toMatch(/runner shell: \/bin\/sh \(/);
});
