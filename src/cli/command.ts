import type { ParseArgsConfig } from 'node:util';
import type { TmuxServer } from '../tmux/index.js';

/** What every command gets: the server chosen on the command line, output sinks, the caller's env. */
export interface Context {
  /** The server from --socket/-L or ORCH_TMUX_SOCKET; empty means "the run's own, else the default". */
  server: TmuxServer;
  json: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
  /** Runs another command line in this process (main() itself): the MCP server's tools call the commands so. */
  runCommand: (argv: string[], ctx?: Partial<Context>) => Promise<number>;
}

export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** One CLI command: its help text, its options, and what it does (returns the exit code). */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Extra lines for `--help`. */
  details?: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** String options whose value may be left out (`--worktrees` alone): the bare flag reads as `bare`, and a
   * next argument that is one of `values` is its value (`--worktrees per-writer`). */
  optionalValues?: Record<string, OptionalValue>;
  /** How many positionals: [min, max] (max Infinity for "any"). */
  positionals: [number, number];
  /** More `--help` for what the positionals name (`run review-fix --help`: the pattern's variables and stages). */
  helpFor?(ctx: Context, positionals: string[]): string;
  run(ctx: Context, values: Values, positionals: string[]): Promise<number>;
}

/** How a string option reads when its value is left out, and the values it takes. */
export interface OptionalValue {
  bare: string;
  values: readonly string[];
}

/** Prints a value as JSON on stdout. */
export function printJson(ctx: Context, value: unknown): void {
  ctx.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Reads a string option (parseArgs gives string | boolean | undefined). */
export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Reads a repeated string option. */
export function list(values: Values, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
}
