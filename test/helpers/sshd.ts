// A real OpenSSH server on 127.0.0.1 for the hosts tests: its own host key, a key made here, the same user
// logging in with a different HOME and TMUX_TMPDIR (sshd's SetEnv), so the "host" shares no tmux server
// and no home with the caller. Stopping it ends every connection it holds (the link is down).
import { execa } from 'execa';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';

/** Why a real sshd cannot run here, or undefined when it can. */
export function sshdMissing(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (Debian: apt-get install openssh-server)`;
  return undefined;
}

export interface Sshd {
  port: number;
  /** The host's HOME for this user (its runs and its tmux socket live under it). */
  home: string;
  /** An ssh config naming the host `loop` (port, key, known host). */
  sshConfig: string;
  /** A hosts.yaml entry body for it. */
  hostsYaml(name?: string): string;
  /** The link goes down: the listener and every connection it serves end. */
  stop(): Promise<void>;
  /** The link comes back on the same port. */
  start(): Promise<void>;
  /** The host's tmux server is killed (its workers' windows with it). */
  killTmux(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// Every process below `pid` (Linux /proc): sshd's per-connection children.
function descendants(pid: number): number[] {
  const kids = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), Number(e)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => { for (const k of kids.get(p) ?? []) { out.push(k); walk(k); } };
  walk(pid);
  return out;
}

/** Starts sshd in `dir` (keys, config, the host's home); resolves once it listens. */
export async function startSshd(dir: string): Promise<Sshd> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const home = join(dir, 'host-home');
  mkdirSync(join(home, 'tmux'), { recursive: true, mode: 0o700 });
  // Root's sshd wants its privilege-separation folder (Debian makes it at boot).
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  for (const key of ['host_key', 'id']) if (!existsSync(join(dir, key))) await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, key)]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'id.pub')), { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(config, [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`, `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no',
    'StrictModes no', 'PermitRootLogin prohibit-password', 'PermitUserEnvironment no', 'MaxSessions 100', 'MaxStartups 100',
    `SetEnv HOME=${home} TMUX_TMPDIR=${join(home, 'tmux')} SHELL=/bin/sh`, '',
  ].join('\n'));
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
  const sshConfig = join(dir, 'ssh_config');
  writeFileSync(sshConfig, [
    'Host loop', '  HostName 127.0.0.1', `  Port ${port}`, `  User ${userInfo().username}`, `  IdentityFile ${join(dir, 'id')}`, '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${join(dir, 'known_hosts')}`, '  StrictHostKeyChecking yes', '',
  ].join('\n'));
  let child: ChildProcess | undefined;
  const start = async () => {
    const c = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      c.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes('Server listening on 127.0.0.1')) resolve();
      });
      c.once('exit', (code) => reject(new Error(`sshd exited (${code}) before listening: ${log.trim()}`)));
    });
  };
  const stop = async () => {
    const c = child;
    if (!c?.pid || c.exitCode !== null) return;
    const all = [c.pid, ...descendants(c.pid)];
    const exited = new Promise((r) => c.once('exit', r));
    for (const p of all) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
    await exited;
  };
  const tmuxSocket = join(home, 'tmux', `tmux-${process.getuid?.() ?? 0}`, 'default');
  await start();
  return {
    port, home, sshConfig, start, stop,
    hostsYaml: (name = 'loop') => `hosts:\n  ${name}:\n    ssh: loop\n    sshConfig: ${JSON.stringify(sshConfig)}\n    dir: ${JSON.stringify(join(home, 'runs'))}\n`,
    killTmux: async () => void (await execa('tmux', ['-S', tmuxSocket, 'kill-server'], { reject: false })),
    close: async () => {
      await execa('tmux', ['-S', tmuxSocket, 'kill-server'], { reject: false });
      await stop();
    },
  };
}
