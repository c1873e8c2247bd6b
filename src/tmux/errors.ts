import { OrchError } from '../core/errors.js';

/** Any tmux command that exited non-zero or wrote to stderr; carries what ran and what tmux said. */
export class TmuxError extends OrchError {
  readonly subcommand: string;
  readonly args: readonly string[];
  readonly tmuxExitCode: number | undefined;
  readonly stderr: string;
  constructor(subcommand: string, args: readonly string[], tmuxExitCode: number | undefined, stderr: string, message?: string, code = 'tmux_error') {
    super(message ?? `tmux ${subcommand} failed${tmuxExitCode === undefined ? '' : ` (exit ${tmuxExitCode})`}: ${stderr.trim() || 'no message'}`, { code });
    this.subcommand = subcommand;
    this.args = args;
    this.tmuxExitCode = tmuxExitCode;
    this.stderr = stderr;
  }
}

/** The tmux binary is not on PATH; a usage problem (exit 2) with the install hint. */
export class TmuxNotInstalledError extends TmuxError {
  override exitCode = 2;
  constructor(subcommand: string, args: readonly string[]) {
    super(subcommand, args, undefined, '', 'tmux is not installed or not on PATH: install it (Debian/Ubuntu: `apt-get install tmux`, macOS: `brew install tmux`) and try again', 'tmux_missing');
  }
}

/** No tmux server listens on the chosen socket. */
export class NoServerError extends TmuxError {}

/** The session, window or pane named by -t does not exist. */
export class TargetNotFoundError extends TmuxError {}

const NO_SERVER = /no server running|error connecting to|server exited unexpectedly/i;
const NOT_FOUND = /can't find (session|window|pane|client)|session not found|window not found|pane not found|no such (session|window|pane)/i;

/** Picks the error class from what tmux printed. */
export function classifyTmuxError(subcommand: string, args: readonly string[], exitCode: number | undefined, stderr: string): TmuxError {
  if (NO_SERVER.test(stderr)) return new NoServerError(subcommand, args, exitCode, stderr);
  if (NOT_FOUND.test(stderr)) return new TargetNotFoundError(subcommand, args, exitCode, stderr);
  return new TmuxError(subcommand, args, exitCode, stderr);
}
