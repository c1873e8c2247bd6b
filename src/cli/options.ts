import { UsageError } from '../core/errors.js';
import type { Command, OptionalValue, Values } from './command.js';
import { list, str } from './command.js';

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  socket: { type: 'string', short: 'L' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Command['options'];

/** --var k=v, repeatable. */
export const VAR_OPTION = { var: { type: 'string', multiple: true } } as const satisfies Command['options'];

/** Parses repeated `--var k=v` into a mapping; a bad pair is a usage error. */
export function parseVars(values: Values): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of list(values, 'var')) {
    const eq = pair.indexOf('=');
    const key = eq > 0 ? pair.slice(0, eq) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`Expected --var name=value, got ${JSON.stringify(pair.slice(0, 60))}`);
    vars[key] = pair.slice(eq + 1);
  }
  return vars;
}

/** A number option within bounds, or a usage error naming it. */
export function numberOption(values: Values, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = str(values, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`Expected --${name} to be a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

/** argv with each option of `optional` given its value: node's parseArgs has no option whose value may be
 * left out, so `--worktrees` alone becomes `--worktrees=run` (and `--worktrees per-writer` one argument). */
export function withOptionalValues(args: readonly string[], optional: Record<string, OptionalValue> = {}): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...out, ...args.slice(i)];
    const spec = arg.startsWith('--') ? optional[arg.slice(2)] : undefined;
    if (!spec) {
      out.push(arg);
      continue;
    }
    const next = args[i + 1];
    const given = next !== undefined && spec.values.includes(next);
    out.push(`${arg}=${given ? next : spec.bare}`);
    if (given) i++;
  }
  return out;
}
