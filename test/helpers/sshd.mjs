// A real OpenSSH server on 127.0.0.1 for the hosts tests: its own host key, a key made here, the same user
// logging in with a different HOME and TMUX_TMPDIR (sshd's SetEnv), so the "host" shares no tmux server
// and no home with the caller. Stopping it ends every connection it holds (the link is down).
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';
const fixturesBin = join(dirname(new URL(import.meta.url).pathname), '..', 'fixtures', 'bin');

/** Why a real sshd cannot run here, or undefined when it can. */
/** @returns {string | undefined} */
export function sshdMissing() {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (Debian: apt-get install openssh-server)`;
  return undefined;
}

/**
 * @typedef {object} Sshd
 * @property {number} port
 * @property {string} home the host's HOME for this user (its runs and its tmux socket live under it)
 * @property {string} sshConfig an ssh config naming the host `loop` (port, key, known host)
 * @property {(name?: string) => string} hostsYaml a hosts.yaml naming it
 * @property {() => Promise<void>} stop the link goes down: the listener and every connection it serves end
 * @property {() => Promise<void>} start the link comes back on the same port
 * @property {() => Promise<void>} killTmux the host's tmux server is killed (its workers' windows with it)
 * @property {() => Promise<void>} close
 * @property {() => string} log what sshd printed (-e: its log on stderr)
 */

/** @returns {Promise<number>} */
async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {{ port: number }} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

// Every process below `pid` (Linux /proc): sshd's per-connection children.
/** @param {number} pid @returns {number[]} */
function descendants(pid) {
  const kids = new Map();
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
  const out = [];
  const walk = (p) => { for (const k of kids.get(p) ?? []) { out.push(k); walk(k); } };
  walk(pid);
  return out;
}

/** Starts sshd in `dir` (keys, config, the host's home); resolves once it listens. */
/** `hostPath`: folders put first on the PATH of every login (a host whose own programs differ). @param {string} dir @param {{ hostPath?: string }} [o] @returns {Promise<Sshd>} */
export async function startSshd(dir, o = {}) {
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
    'StrictModes no', 'PermitRootLogin prohibit-password', 'PermitUserEnvironment no', 'MaxStartups 100', // MaxSessions stays sshd's default (10), as on a real host
    `SetEnv HOME=${home} TMUX_TMPDIR=${join(home, 'tmux')} SHELL=/bin/sh${o.hostPath ? ` PATH=${o.hostPath}:/usr/local/bin:/usr/bin:/bin` : ''}`, '',
  ].join('\n'));
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
  const sshConfig = join(dir, 'ssh_config');
  writeFileSync(sshConfig, [
    'Host loop', '  HostName 127.0.0.1', `  Port ${port}`, `  User ${userInfo().username}`, `  IdentityFile ${join(dir, 'id')}`, '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${join(dir, 'known_hosts')}`, '  StrictHostKeyChecking yes', '',
  ].join('\n'));
  let child;
  // sshd logs to a file, never a pipe: a caller blocked in spawnSync would stop draining it and sshd would
  // stall mid-handshake once the pipe filled.
  const logFile = join(dir, 'sshd.log');
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const start = async () => {
    const from = log().length;
    const c = spawn(SSHD, ['-D', '-E', logFile, '-f', config], { stdio: 'ignore' });
    child = c;
    let exited = false;
    c.once('exit', () => { exited = true; });
    // Listening once it says so (a condition sshd reports; checked every 10 ms).
    for (;;) {
      if (log().slice(from).includes('Server listening on 127.0.0.1')) return;
      if (exited) throw new Error(`sshd exited before listening: ${log().slice(from).trim()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
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
    port, home, sshConfig, start, stop, log,
    // The host's PATH for agents: the fake agent's folder and this Node (hosts.yaml `env:`; the caller's PATH is not sent).
    hostsYaml: (name = 'loop') => `hosts:\n  ${name}:\n    ssh: loop\n    sshConfig: ${JSON.stringify(sshConfig)}\n    dir: ${JSON.stringify(join(home, 'runs'))}\n    env: { PATH: ${JSON.stringify(`${fixturesBin}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`)} }\n`,
    killTmux: async () => void (await execa('tmux', ['-S', tmuxSocket, 'kill-server'], { reject: false })),
    close: async () => {
      await execa('tmux', ['-S', tmuxSocket, 'kill-server'], { reject: false });
      await stop();
    },
  };
}
