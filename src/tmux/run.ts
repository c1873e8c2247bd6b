import { resolve } from 'node:path';
import { runProgram, type ProgramOptions, type ProgramResult } from '../os/run-program.js';
import { classifyTmuxError, TmuxError, TmuxNotInstalledError } from './errors.js';
import { TMUX_CALL_TIMEOUT_MS } from '../core/timing.js';

/** How a tmux client reaches a server on another machine: runs `tmux ARGV...` there (sites/remote.ts: over
 * the host's shared ssh connection) and says what it did. */
export interface TmuxTransport {
  /** The host's name, for messages. */
  name: string;
  run(argv: readonly string[], o: ProgramOptions): Promise<ProgramResult>;
}

/** Which tmux server a client talks to: `-L name`, `-S path`, the default server, or one on another host. */
export interface TmuxServer {
  socketName?: string;
  socketPath?: string;
  /** Another host's default tmux server, reached through this transport. */
  via?: TmuxTransport;
}

export interface TmuxRunOptions {
  /** Bytes or text fed to tmux's stdin (load-buffer -). */
  input?: string | Uint8Array;
  /** Milliseconds before the tmux client is killed; wait-for passes its own. */
  timeoutMs?: number;
  /** Abort a long call (wait-for) from outside. */
  signal?: AbortSignal;
}

/** Parses `ORCH_TMUX_SOCKET` or `--socket`: a value with a slash is a socket path, else a socket name. */
export function serverFromSocket(socket: string | undefined): TmuxServer {
  if (!socket) return {};
  return socket.includes('/') ? { socketPath: socket } : { socketName: socket };
}

/** The socket a server listens on, as tmux reports it in #{socket_path}: `-L NAME` is ${TMUX_TMPDIR:-/tmp}/tmux-UID/NAME
 * (tmux 3.3a); undefined for the default server (its path depends on $TMUX). */
export function socketPathOf(server: TmuxServer, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (server.socketPath) return resolve(server.socketPath);
  if (server.socketName) return resolve(env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, server.socketName);
  return undefined;
}

/** The argv prefix that binds a tmux client to one server. */
export function serverArgs(server: TmuxServer): string[] {
  if (server.socketPath) return ['-S', server.socketPath];
  if (server.socketName) return ['-L', server.socketName];
  return [];
}

// tmux reads an argument that ends in ';' as a command separator (cmd-parse.c, tmux 3.0-3.5) and
// `x\;` as a literal `x;`, so every argument that ends in ';' gets that backslash before it reaches tmux.
function protectSemicolon(arg: string): string {
  return arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg;
}

/** Runs one tmux command or a sequence in one client (argv arrays, never a shell); returns stdout. */
export async function runTmux(server: TmuxServer, commands: readonly (readonly string[])[], options: TmuxRunOptions = {}): Promise<string> {
  // -u: without a UTF-8 locale (cron's bare environment) tmux prints our \x1f separator and every
  // non-ASCII glyph (codex's `›`, `•`) as `_` (tmux 3.3a); -u makes the client UTF-8 regardless.
  const argv = ['-u', ...serverArgs(server)];
  commands.forEach((command, i) => {
    if (i > 0) argv.push(';');
    argv.push(...command.map((arg, j) => (j === 0 ? arg : protectSemicolon(arg))));
  });
  const subcommand = commands.map((c) => c[0]).join(';');
  const args = commands.flat();
  const timeoutMs = options.timeoutMs ?? TMUX_CALL_TIMEOUT_MS;
  const o = { input: options.input, timeoutMs, signal: options.signal };
  const result = server.via ? await server.via.run(['tmux', ...argv], o) : await runProgram('tmux', argv, o);
  if (result.error?.code === 'ENOENT') throw new TmuxNotInstalledError(subcommand, args);
  // tmux never started (E2BIG for an argv over 128 KiB, EACCES ...): no exit code and no stderr to read.
  if (result.error) throw new TmuxError(subcommand, args, undefined, String(result.error.message));
  if (result.canceled) throw new TmuxError(subcommand, args, undefined, 'canceled');
  if (result.timedOut) throw new TmuxError(subcommand, args, undefined, `timed out after ${timeoutMs} ms`);
  if (result.exitCode === undefined) throw new TmuxError(subcommand, args, undefined, `killed by ${result.signal ?? 'a signal'}`);
  // A host's login may print to stderr (a .bashrc): there only the exit code says tmux failed.
  if (result.exitCode !== 0 || (result.stderr.length > 0 && !server.via)) {
    throw classifyTmuxError(subcommand, args, result.exitCode, result.stderr);
  }
  return result.stdout;
}
