// A process that ended but was not reaped (a zombie) is not alive: tmux 3.3a sometimes leaves a pane's
// ended runner that way, and `wait` must not take it for a runner still about to record its worker.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { expect, test } from 'vitest';
import { alive } from '../../src/os/process.js';
import { waitUntil } from '../helpers/tmux-server.js';

const state = (pid: number) => { try { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); return s[s.lastIndexOf(') ') + 2]; } catch { return undefined; } };

test('alive: a running process is, an unreaped ended one (zombie) and a reaped one are not', async ({ skip }) => {
  if (process.platform !== 'linux') skip('zombies are read from /proc (Linux only)');
  // The shell starts a child that waits for a line, then becomes `sleep`, which never reaps it; the line
  // comes once the shell is sleep, so the child ends unreaped.
  const parent = spawn('/bin/sh', ['-c', 'exec 4<&0; { read x <&4; } & echo $!; exec sleep 60 4<&-'], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const [line] = await createInterface({ input: parent.stdout! })[Symbol.asyncIterator]().next().then((r) => [r.value as string]);
    const child = Number(line);
    await waitUntil(() => readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim() === 'sleep', 'the shell to become sleep');
    expect(alive(child)).toBe(true);
    parent.stdin!.write('go\n');
    await waitUntil(() => state(child) === 'Z', 'the child to end unreaped');
    expect(alive(child)).toBe(false);
    expect(alive(parent.pid)).toBe(true);
  } finally {
    parent.kill('SIGKILL');
  }
  await waitUntil(() => state(parent.pid!) === undefined, 'the parent reaped');
  expect(alive(parent.pid)).toBe(false);
});
