// The README's first screen works as written: the install for use in any folder (`npm install -g .`,
// here with --prefix into a temp folder, and --ignore-scripts so the dist/ the suite runs is not rebuilt),
// then its commands from another folder: doctor, and the rehearsal of a review.
import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { repoRoot, test } from '../helpers/tmux-server.js';

// The block of commands under "To use it from any folder", each line without its comment.
function firstScreenCommands(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const lines = readme.split('\n');
  const at = lines.findIndex((l) => l.includes('To use it from any folder'));
  expect(at, 'README: the paragraph "To use it from any folder"').toBeGreaterThan(-1);
  expect(at, 'README: the install is on the first screen').toBeLessThan(40);
  const open = lines.findIndex((l, i) => i > at && l.startsWith('```sh'));
  const close = lines.findIndex((l, i) => i > open && l.startsWith('```'));
  return lines.slice(open + 1, close).map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

describe('README first screen', () => {
  test('install for any folder, then doctor and the rehearsal from another folder', async ({ server }) => {
    const commands = firstScreenCommands();
    expect(commands[0]).toBe('npm install -g .');
    expect(commands).toContain('orch-tmux doctor');
    const rehearsal = commands.find((c) => c.startsWith('orch-tmux review ') && c.endsWith(' --dry-run'));
    expect(rehearsal, 'a `review ... --dry-run` line').toBeDefined();

    const prefix = join(server.dir, 'prefix');
    const install = await execa('npm', ['install', '-g', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', '.'], { cwd: repoRoot, env: server.env, extendEnv: false, reject: false });
    expect(install.exitCode, `${install.stdout}\n${install.stderr}`).toBe(0);
    const bin = join(prefix, 'bin', 'orch-tmux');
    expect(existsSync(bin)).toBe(true);

    // Another folder, with the document the README names (its path relative to the clone).
    const elsewhere = join(server.dir, 'work', 'elsewhere');
    mkdirSync(elsewhere);
    const env = { ...server.env, PATH: `${join(prefix, 'bin')}:${server.env.PATH}` };
    const run = (line: string) => execa(bin, line.split(' ').slice(1).map((a) => (a.startsWith('./') ? join(repoRoot, a) : a)), { cwd: elsewhere, env, extendEnv: false, reject: false });

    const doctor = await run('orch-tmux doctor');
    expect(doctor.exitCode, doctor.stderr).toBe(0);
    expect(doctor.stdout).toMatch(/^ok {3}tmux \d/m);

    const review = await run(rehearsal!);
    expect(review.exitCode, review.stderr).toBe(0);
    expect(review.stderr).toMatch(/a rehearsal \(--dry-run\): no agent runs/);
    const synthesis = review.stdout.trim();
    expect(synthesis).toMatch(/synthesis\.md$/);
    expect(readFileSync(synthesis, 'utf8')).toMatch(/rehearsal/i);
    expect(review.stderr).toMatch(/^4 done, 0 failed in .*\(a rehearsal: no agent ran\); synthesis: /m);
  }, 120_000);
});
