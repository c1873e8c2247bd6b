// Fails the suite when any test tmux server (orch-test-*) is still alive after all tests.
import { execa } from 'execa';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export default function setup() {
  return async function teardown() {
    const dir = join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`);
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.startsWith('orch-test-'));
    } catch {
      return;
    }
    const alive: string[] = [];
    for (const name of names) {
      const r = await execa('tmux', ['-S', join(dir, name), 'list-sessions'], { reject: false, env: { TMUX: undefined } });
      if (r.exitCode === 0) {
        alive.push(name);
        await execa('tmux', ['-S', join(dir, name), 'kill-server'], { reject: false });
      }
    }
    if (alive.length) throw new Error(`test tmux servers left alive (a test does not clean up): ${alive.join(', ')}`);
  };
}
