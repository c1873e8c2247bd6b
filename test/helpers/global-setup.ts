// Fails the suite when a tmux server that this test run started (orch-test-*) is still alive at the end.
// Servers are registered in a folder named by ORCH_TEST_REGISTRY, so parallel runs never judge each other.
import { execa } from 'execa';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup() {
  const registry = mkdtempSync(join(tmpdir(), 'orch-test-registry-'));
  process.env.ORCH_TEST_REGISTRY = registry;
  return async function teardown() {
    const names = readdirSync(registry);
    const dir = join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`);
    const alive: string[] = [];
    for (const name of names) {
      const r = await execa('tmux', ['-S', join(dir, name), 'list-sessions'], { reject: false, env: { TMUX: undefined } });
      if (r.exitCode === 0) {
        alive.push(name);
        await execa('tmux', ['-S', join(dir, name), 'kill-server'], { reject: false });
      }
    }
    rmSync(registry, { recursive: true, force: true });
    if (alive.length) throw new Error(`test tmux servers left alive (a test does not clean up): ${alive.join(', ')}`);
  };
}
