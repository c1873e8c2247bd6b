// The one way we talk to another machine: OpenSSH, one multiplexed connection per host (a master
// started once, in a private control folder; every later call rides it, no handshake per call). What
// runs there is an argv, quoted once for the remote shell by quoteForShell; nothing is ever interpolated.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrchError } from '../core/errors.js';
import { acquireLock } from '../os/lock.js';
import { runProgram, type ProgramOptions, type ProgramResult } from '../os/run-program.js';
import { quoteForShell } from '../core/shell-quote.js';
import { type Host } from '../core/host.js';
import { SSH_ALIVE_COUNT, SSH_ALIVE_INTERVAL_S, SSH_CALL_TIMEOUT_MS, SSH_CONNECT_TIMEOUT_S, SSH_MASTER_POLL_MS, SSH_MASTER_START_MS, SSH_MASTER_WAIT_MS, SSH_PERSIST_S, SSH_SESSION_RETRY_MS } from '../core/timing.js';
import { formatDuration } from '../core/format.js';

/** The host did not answer (ssh exit 255, or no connection could be made); its workers are `unreachable`. */
export class HostUnreachableError extends OrchError {
  constructor(readonly host: string, why: string) {
    super(`Host ${host} is unreachable: ${why}`, { code: 'host_unreachable' });
  }
}

/** The control socket of a host's connection: short (sockets allow ~100 bytes), private, one per destination and config. */
export function controlPath(host: Host, env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 0;
  const dir = join(env.TMPDIR || tmpdir(), `orch-ssh-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A folder someone else made (or a link) could hand our connection to them: refused.
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) throw new OrchError(`${dir} is not a private folder of yours (owner, mode 0700): remove it, or set TMPDIR elsewhere`, { code: 'unsafe_control_dir' });
  return join(dir, createHash('sha256').update(`${host.ssh}\0${host.sshConfig ?? ''}`).digest('hex').slice(0, 16));
}

// Options every call shares: no prompts (a missing key fails, it does not hang), a bounded connect, a dead
// link noticed within ~10 s, only errors printed.
function baseOptions(host: Host, ctl: string): string[] {
  return [
    ...(host.sshConfig ? ['-F', host.sshConfig] : []),
    '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${SSH_CONNECT_TIMEOUT_S}`, '-o', `ServerAliveInterval=${SSH_ALIVE_INTERVAL_S}`, '-o', `ServerAliveCountMax=${SSH_ALIVE_COUNT}`,
    '-o', 'LogLevel=ERROR', '-o', `ControlPath=${ctl}`,
  ];
}

/** The argv (after `ssh`) that runs `argv` on the host over its shared connection; `tty` for a person's terminal (`attach`). */
export function sshArgs(host: Host, argv: readonly string[], ctl = controlPath(host), tty = false): string[] {
  return [...baseOptions(host, ctl), '-o', 'ControlMaster=no', tty ? '-t' : '-T', host.ssh, '--', quoteForShell(argv)];
}

/** ORCH_TMUX_SSH_SHARE=0: no shared connection, a full ssh handshake per call (the benchmark's baseline). */
function sharing(): boolean {
  return process.env.ORCH_TMUX_SSH_SHARE !== '0';
}

/** Opens the host's shared connection unless it is up (its control path; `none` when sharing is off); throws HostUnreachableError when it cannot be made. */
export async function connect(host: Host): Promise<string> {
  if (!sharing()) return 'none';
  const ctl = controlPath(host);
  // Up (a master whose link died removes its socket within ~10 s: ServerAlive*); no extra process per call.
  if (existsSync(ctl)) return ctl;
  // One master per host: whoever takes the lock starts it, the others wait for its socket.
  const deadline = Date.now() + SSH_MASTER_WAIT_MS;
  for (;;) {
    const lock = acquireLock(`${ctl}.lock`);
    if ('release' in lock) {
      try {
        if (!existsSync(ctl)) await startMaster(host, ctl);
        return ctl;
      } finally {
        lock.release();
      }
    }
    if (Date.now() > deadline) throw new HostUnreachableError(host.name, `another process has been connecting for ${SSH_MASTER_WAIT_MS / 1000} s (pid ${lock.heldBy.pid})`);
    await new Promise((r) => setTimeout(r, SSH_MASTER_POLL_MS));
  }
}

// `ssh -f -N -M`: authenticates, then goes to the background holding the connection for ten idle
// minutes. Its output goes to a file, not a pipe (the background master keeps what it was given open).
async function startMaster(host: Host, ctl: string): Promise<void> {
  const log = `${ctl}.log`;
  rmSync(log, { force: true });
  const fd = openSync(log, 'wx', 0o600);
  // Bounded: ConnectTimeout covers the TCP connect, not a host that stalls in authentication.
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('ssh', [...baseOptions(host, ctl), '-o', 'ControlMaster=yes', '-o', `ControlPersist=${SSH_PERSIST_S}`, '-f', '-N', host.ssh], { stdio: ['ignore', fd, fd] });
    const timer = setTimeout(() => child.kill('SIGKILL'), SSH_MASTER_START_MS);
    child.once('error', () => { clearTimeout(timer); resolve(null); });
    child.once('exit', (c) => { clearTimeout(timer); resolve(c); });
  });
  closeSync(fd);
  if (code !== 0 || !existsSync(ctl)) {
    const why = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).at(-1) ?? `ssh exited with ${code ?? 'an error'}`;
    throw new HostUnreachableError(host.name, why);
  }
}

// At most this many calls at once per connection from one process (sshd's MaxSessions is 10 by default).
const PER_CONNECTION = 6;
const busy = new Map<string, { n: number; queue: (() => void)[] }>();

async function withSession<T>(ctl: string, fn: () => Promise<T>): Promise<T> {
  const b = busy.get(ctl) ?? busy.set(ctl, { n: 0, queue: [] }).get(ctl)!;
  if (b.n >= PER_CONNECTION) await new Promise<void>((r) => b.queue.push(r));
  else b.n++;
  try {
    return await fn();
  } finally {
    const next = b.queue.shift();
    if (next) next();
    else b.n--;
  }
}

/** Runs an argv on the host (never through a local shell); ssh's own failure (exit 255) is HostUnreachableError. */
export async function runOnHost(host: Host, argv: readonly string[], o: ProgramOptions = {}): Promise<ProgramResult> {
  const ctl = await connect(host);
  return withSession(ctl, () => callHost(host, argv, o, ctl));
}

async function callHost(host: Host, argv: readonly string[], o: ProgramOptions, ctl: string): Promise<ProgramResult> {
  let result = await runProgram('ssh', sshArgs(host, argv, ctl), { timeoutMs: SSH_CALL_TIMEOUT_MS, ...o });
  // sshd allows 10 sessions per connection by default: a call refused for that waits and tries again.
  for (let i = 0; i < 20 && result.exitCode === 255 && /open failed|Session open refused/i.test(result.stderr); i++) {
    await new Promise((r) => setTimeout(r, SSH_SESSION_RETRY_MS * (i + 1)));
    result = await runProgram('ssh', sshArgs(host, argv, ctl), { timeoutMs: SSH_CALL_TIMEOUT_MS, ...o });
  }
  if (result.exitCode === 255 || result.error) throw new HostUnreachableError(host.name, result.stderr.trim().split('\n').at(-1) || String(result.error?.message ?? 'ssh exited with 255'));
  if (result.timedOut) throw new HostUnreachableError(host.name, `no answer within ${formatDuration(o.timeoutMs ?? SSH_CALL_TIMEOUT_MS)}`);
  return result;
}
