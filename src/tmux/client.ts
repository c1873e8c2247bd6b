import stripAnsi from 'strip-ansi';
import { randomBytes } from 'node:crypto';
import { NoServerError, TargetNotFoundError, TmuxError } from './errors.js';
import { escapeFormat, formatOf, parseFormatted, shellQuoteForTmux } from './formats.js';
import { runTmux, serverArgs, type TmuxRunOptions, type TmuxServer } from './run.js';
import { NO_TIMEOUT_MS } from '../core/timing.js';

export interface NewSessionOptions {
  name: string;
  cwd?: string;
  windowName?: string;
  command?: readonly string[];
  env?: Record<string, string>;
  width?: number;
  height?: number;
}

export interface NewWindowOptions {
  /** Session to add the window to (an id like `$3` or an exact name). */
  target: string;
  name: string;
  cwd?: string;
  command?: readonly string[];
  env?: Record<string, string>;
  /** Leave the current window as it is (default true). */
  detached?: boolean;
}

export interface CaptureOptions {
  /** First line: 0 is the top of the visible screen, negative reaches into history, '-' is the start of history. */
  start?: number | '-';
  end?: number | '-';
  /** Strip ANSI sequences (captures are plain unless `escapes` is set). */
  strip?: boolean;
  /** Keep colours and attributes (-e). */
  escapes?: boolean;
}

/** Ids of a window or session just created (`-P -F`). */
export interface CreatedIds {
  sessionId: string;
  windowId: string;
  paneId: string;
}

const CREATED = ['session_id', 'window_id', 'pane_id'] as const;

// A target given by name must match exactly (tmux otherwise takes prefixes and patterns).
function exact(target: string): string {
  return /^[$@%]/.test(target) || target.startsWith('=') ? target : `=${target}`;
}

// Option commands read -t as a pane target, where an exact session name needs its trailing colon.
function exactSession(target: string): string {
  return /^[$@%]/.test(target) || target.includes(':') ? target : `${exact(target)}:`;
}

/** A tmux client bound to one server; every method is one tmux subcommand, named after it. */
export class Tmux {
  readonly server: TmuxServer;
  constructor(server: TmuxServer = {}) {
    this.server = server;
  }

  /** The argv prefix (-L/-S) for people and for processes that must reach the same server. */
  get serverArgs(): string[] {
    return serverArgs(this.server);
  }

  /** Runs raw commands on this server (one client, `;` between commands). */
  run(commands: readonly (readonly string[])[], options?: TmuxRunOptions): Promise<string> {
    return runTmux(this.server, commands, options);
  }

  async newSession(o: NewSessionOptions): Promise<CreatedIds> {
    const args = ['new-session', '-d', '-P', '-F', formatOf(CREATED), '-s', o.name];
    if (o.windowName) args.push('-n', o.windowName);
    if (o.cwd) args.push('-c', escapeFormat(o.cwd));
    if (o.width) args.push('-x', String(o.width));
    if (o.height) args.push('-y', String(o.height));
    for (const [k, v] of Object.entries(o.env ?? {})) args.push('-e', `${k}=${v}`);
    if (o.command) args.push(...commandArgs(o.command));
    const [row] = parseFormatted('new-session', CREATED, await this.run([args]));
    return { sessionId: row!.session_id, windowId: row!.window_id, paneId: row!.pane_id };
  }

  async newWindow(o: NewWindowOptions): Promise<CreatedIds> {
    const args = ['new-window', '-P', '-F', formatOf(CREATED), '-t', `${exact(o.target)}:`, '-n', o.name];
    if (o.detached !== false) args.push('-d');
    if (o.cwd) args.push('-c', escapeFormat(o.cwd));
    for (const [k, v] of Object.entries(o.env ?? {})) args.push('-e', `${k}=${v}`);
    if (o.command) args.push(...commandArgs(o.command));
    return new Promise((resolve, reject) => {
      this.windows.push({ args, resolve, reject });
      if (this.windows.length === 1) setImmediate(() => void this.makeWindows());
    });
  }

  private windows: { args: string[]; resolve: (ids: CreatedIds) => void; reject: (error: unknown) => void }[] = [];

  // Windows asked for in the same turn of the event loop (a fan-out) are made by one tmux client per
  // batch that fits in one tmux message, not one process each.
  private async makeWindows(): Promise<void> {
    const all = this.windows.splice(0);
    for (let i = 0; i < all.length;) {
      let bytes = 0;
      let j = i;
      while (j < all.length && (j === i || bytes + argBytes(all[j]!.args) < WINDOW_BATCH_BYTES)) bytes += argBytes(all[j++]!.args);
      const batch = all.slice(i, j);
      i = j;
      try {
        const rows = parseFormatted('new-window', CREATED, await this.run(batch.map((b) => b.args)));
        batch.forEach((b, k) => {
          const row = rows[k];
          if (row) b.resolve({ sessionId: row.session_id, windowId: row.window_id, paneId: row.pane_id });
          else b.reject(new TmuxError('new-window', b.args, 0, 'tmux made no window'));
        });
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
  }

  /** Sessions with the named format fields; none (not an error) when no server runs. */
  async listSessions<F extends string>(fields: readonly F[]): Promise<Record<F, string>[]> {
    try {
      return await this.list('list-sessions', fields, []);
    } catch (error) {
      if (error instanceof NoServerError) return [];
      throw error;
    }
  }

  async listWindows<F extends string>(fields: readonly F[], target?: string): Promise<Record<F, string>[]> {
    return this.list('list-windows', fields, target ? ['-t', exact(target)] : ['-a']);
  }

  /** Panes of one session (`-s -t`), or of the whole server when no target is given (`-a`). */
  async listPanes<F extends string>(fields: readonly F[], target?: string): Promise<Record<F, string>[]> {
    // list-panes -t is a window target: tmux 3.3a resolves `=a` to a session `ab` there, `=a:` it does not.
    return this.list('list-panes', fields, target ? ['-s', '-t', exactSession(target)] : ['-a']);
  }

  private async list<F extends string>(sub: string, fields: readonly F[], extra: string[]): Promise<Record<F, string>[]> {
    const out = await this.run([[sub, ...extra, '-F', formatOf(fields)]]);
    return parseFormatted(sub, fields, out);
  }

  /** Types text literally (-l); tmux key names are not interpreted. Long text goes in several calls, in order. */
  async sendText(target: string, text: string): Promise<void> {
    for (const chunk of splitUtf8(text, SEND_TEXT_CHUNK_BYTES)) await this.run([['send-keys', '-t', target, '-l', '--', chunk]]);
  }

  /** Presses keys by name (Enter, Escape, C-c, y). */
  async sendKeys(target: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.run([['send-keys', '-t', target, '--', ...keys]]);
  }

  /** Loads bytes into a named buffer from stdin (never through argv or a file). */
  async loadBuffer(name: string, data: string | Uint8Array): Promise<void> {
    await this.run([['load-buffer', '-b', name, '-']], { input: data });
  }

  /** Pastes a buffer bracketed (-p), LF kept (-r), and deletes it (-d). */
  async pasteBuffer(name: string, target: string): Promise<void> {
    await this.run([['paste-buffer', '-p', '-r', '-d', '-b', name, '-t', target]]);
  }

  /** load-buffer + paste-buffer under a fresh unique buffer name. */
  async paste(target: string, data: string | Uint8Array): Promise<void> {
    const name = uniqueBufferName();
    await this.loadBuffer(name, data);
    await this.pasteBuffer(name, target);
  }

  /** The pane's text (-p -J): wrapped lines joined; -J also keeps trailing spaces the program wrote. */
  async capturePane(target: string, o: CaptureOptions = {}): Promise<string> {
    const args = ['capture-pane', '-p', '-J', '-t', target];
    if (o.escapes) args.push('-e');
    if (o.start !== undefined) args.push('-S', String(o.start));
    if (o.end !== undefined) args.push('-E', String(o.end));
    const out = await this.run([args]);
    return o.strip ? stripAnsi(out) : out;
  }

  /** Sends the pane's output to a file (append), replacing any pipe, or stops piping when `file` is omitted. */
  async pipePane(target: string, file?: string): Promise<void> {
    // No -o: with it, a pane that already pipes closes that pipe and opens none (a toggle, tmux 3.3a).
    const args = ['pipe-pane', '-t', target];
    if (file) args.push(`exec cat >> ${shellQuoteForTmux(file)}`);
    await this.run([args]);
  }

  /** Sets an option; `scope` picks session (default), window (-w) or pane (-p). */
  async setOption(target: string, name: string, value: string, scope: 'session' | 'window' | 'pane' = 'session'): Promise<void> {
    const flag = scope === 'window' ? ['-w'] : scope === 'pane' ? ['-p'] : [];
    await this.run([['set-option', ...flag, '-t', exactSession(target), name, value]]);
  }

  /** Reads an option's value; undefined when it is not set; TargetNotFoundError when the target is gone. */
  async showOption(target: string, name: string, scope: 'session' | 'window' | 'pane' = 'session'): Promise<string | undefined> {
    const flag = scope === 'window' ? ['-w'] : scope === 'pane' ? ['-p'] : [];
    try {
      const out = await this.run([['show-options', ...flag, '-v', '-t', exactSession(target), name]]);
      return out === '' ? undefined : out.replace(/\n$/, '');
    } catch (error) {
      // Not -q: it also hides a missing session (exit 0, no output). An unset user option says
      // `invalid option: @name` instead (tmux 3.3a).
      if (name.startsWith('@') && error instanceof TmuxError && /invalid option/.test(error.stderr)) return undefined;
      throw error;
    }
  }

  /** Blocks until the channel is signalled (or `timeoutMs`/`signal` ends it). */
  async waitFor(channel: string, o: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    await this.run([['wait-for', channel]], { timeoutMs: o.timeoutMs ?? NO_TIMEOUT_MS, signal: o.signal });
  }

  /** Wakes every waiter on the channel (or the next one to wait, when none waits now). */
  async signal(channel: string): Promise<void> {
    await this.run([['wait-for', '-S', channel]]);
  }

  /** Restarts a pane's program (-k kills the running one). */
  async respawnPane(target: string, command: readonly string[], o: { kill?: boolean; cwd?: string; env?: Record<string, string> } = {}): Promise<void> {
    const args = ['respawn-pane', '-t', target];
    if (o.kill) args.push('-k');
    if (o.cwd) args.push('-c', escapeFormat(o.cwd));
    for (const [k, v] of Object.entries(o.env ?? {})) args.push('-e', `${k}=${v}`);
    args.push(...commandArgs(command));
    await this.run([args]);
  }

  async killWindow(target: string): Promise<void> {
    await this.run([['kill-window', '-t', target]]);
  }

  async killSession(target: string): Promise<void> {
    await this.run([['kill-session', '-t', exact(target)]]);
  }

  async killServer(): Promise<void> {
    await this.run([['kill-server']]);
  }

  /** True when a session of exactly this name (or id) exists; false when it or the server does not. */
  async hasSession(target: string): Promise<boolean> {
    try {
      await this.run([['has-session', '-t', exact(target)]]);
      return true;
    } catch (error) {
      if (error instanceof TargetNotFoundError || error instanceof NoServerError) return false;
      throw error;
    }
  }

  /** Expands a format against a target (display-message -p); an unknown target is TargetNotFoundError. */
  async displayMessage(format: string, target?: string): Promise<string> {
    if (!target) return (await this.run([['display-message', '-p', format]])).replace(/\n$/, '');
    // display-message may fail to find its target and still exit 0 with every field empty (tmux 3.3a:
    // `display -p -t %99 x` prints "x"), so the target's pane id goes first to prove it was found.
    const args = ['display-message', '-p', '-t', target, `#{pane_id}:${format}`];
    const out = (await this.run([args])).replace(/\n$/, '');
    const found = /^%\d+:/.exec(out);
    if (!found) throw new TargetNotFoundError('display-message', args, 0, `can't find target: ${target}`);
    return out.slice(found[0].length);
  }

  /** Shows a message to clients attached to the target's session. */
  async notifyClients(target: string, message: string): Promise<void> {
    await this.run([['display-message', '-t', target, escapeFormat(message)]]);
  }
}

// tmux hands a one-argument command to `sh -c` but execs two or more as they are (tmux >= 3.0), so a
// lone program is given to a fixed script as $0, never parsed. Not env(1): it reads a path with `=` in
// it as an assignment (`env '/a=b/prog'` prints the environment and runs nothing, coreutils 9.1).
/** Bytes of commands in one batched tmux call: well under tmux 3.3a's 16 KiB per client message. */
const WINDOW_BATCH_BYTES = 12 * 1024;

function argBytes(args: readonly string[]): number {
  return args.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
}

function commandArgs(command: readonly string[]): string[] {
  return command.length === 1 ? ['/bin/sh', '-c', 'exec "$0"', command[0]!] : [...command];
}

// A tmux client sends its whole command in one message of at most 16 KiB (tmux 3.3a: `command too long`
// beyond it, and E2BIG past 128 KiB), so sendText types long text in pieces of this many bytes.
const SEND_TEXT_CHUNK_BYTES = 8192;

// Splits text into pieces of at most maxBytes UTF-8 bytes, never inside a code point.
function splitUtf8(text: string, maxBytes: number): string[] {
  if (Buffer.byteLength(text) <= maxBytes) return [text];
  const pieces: string[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) {
      pieces.push(text.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += size;
    i += units;
  }
  pieces.push(text.slice(start));
  return pieces;
}

/** A buffer name no other paste will use. */
export function uniqueBufferName(): string {
  return `orch-${process.pid}-${randomBytes(6).toString('hex')}`;
}
