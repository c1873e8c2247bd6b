// An option the command does not take gets one line naming it and the nearest one it does take, before
// node's parseArgs (whose message for `--lense` is three sentences about positionals).
import { closest, distance } from 'fastest-levenshtein';
import { UsageError } from '../core/errors.js';
import type { Command } from './command.js';

/** Throws a usage error (code bad_option) for the first option in `args` that `options` does not know. */
export function checkOptions(args: readonly string[], options: Command['options'], command: string): void {
  const shorts = new Map(Object.entries(options).flatMap(([name, o]) => (o.short ? [[o.short, name] as const] : [])));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return;
    if (arg.startsWith('--')) {
      const name = arg.slice(2).split('=')[0]!;
      const known = options[name];
      if (!known) throw unknownOption(`--${name}`, nearest(name, Object.keys(options)), command);
      if (known.type === 'string' && !arg.includes('=')) i++;
    } else if (/^-[^-]/.test(arg)) {
      const long = shorts.get(arg[1]!);
      if (!long) throw unknownOption(arg.slice(0, 2), nearest(arg.slice(1), Object.keys(options)), command);
      if (options[long]!.type === 'string' && arg.length === 2) i++;
    }
  }
}

/** The known name closest to what was typed, when it is close enough to be what was meant. */
export function nearest(typed: string, known: string[]): string | undefined {
  if (!known.length) return undefined;
  const best = closest(typed, known);
  const close = distance(typed, best) <= Math.max(2, Math.floor(typed.length / 3)) || (typed.length >= 3 && best.startsWith(typed));
  return close ? best : undefined;
}

function unknownOption(typed: string, suggestion: string | undefined, command: string): UsageError {
  const hint = suggestion ? `did you mean --${suggestion}? ` : '';
  return new UsageError(`Unknown option '${typed}': ${hint}see \`orch-tmux ${command} --help\``, { code: 'bad_option' });
}
