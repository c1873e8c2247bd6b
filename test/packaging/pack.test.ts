// scripts/smoke-pack.mjs: the packed tarball installs into an empty folder and its CLI runs there.
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cleanEnv, repoRoot } from '../helpers/tmux-server.js';

const script = join(repoRoot, 'scripts', 'smoke-pack.mjs');
const smoke = (args: string[] = []) => execa(process.execPath, [script, ...args], { env: cleanEnv(), reject: false, cwd: repoRoot });

/** A tiny package whose `orch-tmux` bin runs the given body (no dependencies: installs offline). */
function brokenPackage(cliBody: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'orch-test-pkg-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'orch-tmux-broken', version: '0.0.1', bin: { 'orch-tmux': 'cli.js' }, files: ['cli.js'] }));
  writeFileSync(join(dir, 'cli.js'), `#!/usr/bin/env node\n${cliBody}\n`, { mode: 0o755 });
  return dir;
}

describe('smoke-pack', () => {
  test('packs, installs the tarball into an empty folder, and the installed CLI answers --help and --version', async () => {
    // --skip-build: pack the dist/ built before the tests; `prepare` would rewrite it under other test files.
    const r = await smoke(['--skip-build']);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^smoke-pack: orch-tmux --help ok$/m);
    expect(r.stdout).toMatch(/^smoke-pack: orch-tmux --version ok \(\d+\.\d+\.\d+.*\)$/m);
    expect(r.stdout).toMatch(/^smoke-pack: ok$/m);
  }, 180_000);

  test('a CLI that fails --help fails the smoke test, naming the step and showing its output', async () => {
    const dir = brokenPackage("console.error('boom: cannot start'); process.exit(3);");
    try {
      const r = await smoke(['--root', dir]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/^smoke-pack: FAILED: npx orch-tmux --help failed: exited 3$/m);
      expect(r.stderr).toContain('boom: cannot start');
      expect(r.stdout).not.toMatch(/^smoke-pack: ok$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test('a CLI that prints the wrong version fails the smoke test', async () => {
    const dir = brokenPackage("if (process.argv[2] === '--version') console.log('9.9.9'); else console.log('Usage: orch-tmux <command>\\n\\nCommands:\\n  x  y');");
    try {
      const r = await smoke(['--root', dir]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/smoke-pack: FAILED: npx orch-tmux --version printed "9.9.9", expected "0.0.1"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
