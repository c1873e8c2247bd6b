// Every timeout, interval and delay in src/ is a named constant of src/core/timing.ts: no number literal is
// passed as one anywhere else (a timer's delay, a `...Ms`/`timeout` value or default, a deadline from now).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
// 0 is no time at all (do not wait), never a timeout to name.
const NUMBER = String.raw`(?:[1-9][\d_]*(?:\.\d+)?|0\.\d+)`;
/** Where a number literal would be a timeout, an interval or a delay. */
export const TIMING_LITERAL = new RegExp([
  String.raw`\bset(?:Timeout|Interval)\([^;]*,\s*${NUMBER}\s*\)`,
  String.raw`\b\w*(?:[Tt]imeout|Ms|[Dd]elay|[Ii]nterval|[Gg]race|[Ll]inger|[Ee]very)\w*\s*(?::|=|\?\?)\s*${NUMBER}\b`,
  String.raw`\bDate\.now\(\)\s*[+-]\s*${NUMBER}\b`,
  String.raw`\b(?:sleep|delay|changed|stopped)\(\s*${NUMBER}\s*[,)]`,
  String.raw`(?:ConnectTimeout|ServerAlive\w*|ControlPersist)=\d`,
].join('|'));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Lines of a source file where a timing value is a literal (comments skipped). */
export function timingLiterals(text: string): string[] {
  return text.split('\n').map((l, i) => [i + 1, l] as const)
    .filter(([, l]) => !/^\s*(\/\/|\*|\/\*\*)/.test(l) && TIMING_LITERAL.test(l.replace(/\/\/.*$/, '')))
    .map(([n, l]) => `${n}: ${l.trim()}`);
}

describe('timing', () => {
  test('no timeout, interval or delay in src/ is a number literal outside core/timing.ts', () => {
    const found = sources(join(root, 'src'))
      .filter((f) => !f.endsWith(join('core', 'timing.ts')))
      .flatMap((f) => timingLiterals(readFileSync(f, 'utf8')).map((l) => `${relative(root, f)}:${l}`));
    expect(found).toEqual([]);
  });

  test('the check catches each way a literal timing sneaks in', () => {
    for (const line of [
      'await new Promise((r) => setTimeout(r, 50));', 'const timer = setInterval(tick, 5000);', "{ timeoutMs: 30_000 }", 'function f(everyMs = 25) {',
      'const settleMs = o.settleMs ?? 120;', 'const deadline = Date.now() + 15_000;', 'done = await stopped(1000);', "'-o', 'ConnectTimeout=5',",
    ]) expect(timingLiterals(line), line).toHaveLength(1);
    for (const line of ['const s = Math.round(ms / 1000);', '// setTimeout(r, 50)', 'timeoutMs: START_TIMEOUT_MS,', "exitCode: 0", 'changed(ok ? o.lingerMs : 0)']) expect(timingLiterals(line), line).toEqual([]);
  });
});
