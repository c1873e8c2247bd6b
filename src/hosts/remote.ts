// A remote worker's files: its folder on the host (same layout as here, under the host's `dir`), the
// runner and the attempt's files shipped there with one tar over the shared connection, and its facts
// (and, once an attempt ended, its answer and transcript) copied home, so the local run directory stays
// the one place every command reads.
import { runProgram } from '../run-program.js';
import { runnerScript } from '../paths.js';
import { workerPaths } from '../runs/paths.js';
import type { RunRecord } from '../runs/run.js';
import { Tmux } from '../tmux/index.js';
import type { Host } from './config.js';
import { spawn } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { connect, HostUnreachableError, runOnHost, sshArgs } from './ssh.js';

/** The tmux client for a host's default server, over its shared connection. */
export function hostTmux(host: Host): Tmux {
  return new Tmux({ host });
}

/** Makes the run's folder on the host (once per spawn; cheap over the shared connection) and returns its absolute path. */
export async function remoteRunDir(host: Host, run: RunRecord): Promise<string> {
  const r = await runOnHost(host, ['sh', '-c', 'mkdir -p -m 700 "$1" && cd "$1" && pwd -P && command -v tmux >/dev/null', 'sh', `${host.dir}/${run.id}`]);
  const dir = r.stdout.trim();
  if (r.exitCode !== 0 || !dir.startsWith('/')) throw new HostUnreachableError(host.name, r.stdout.trim() && !dir.startsWith('/') ? `cannot make ${host.dir}/${run.id}` : `no tmux on the host (${r.stderr.trim() || `exit ${r.exitCode}`})`);
  return dir;
}

/** The run's session on the host, made when missing (its first window a shell in the run's folder there). */
export async function ensureRemoteSession(host: Host, run: RunRecord, dir: string): Promise<void> {
  const tmux = hostTmux(host);
  if (await tmux.hasSession(run.session)) return;
  try {
    await tmux.newSession({ name: run.session, cwd: dir, windowName: 'orch', width: 220, height: 50 });
  } catch (error) {
    // Two spawns racing to make it: the other one won.
    if (!(await tmux.hasSession(run.session))) throw error;
  }
}

/** Copies files of the local worker folder (and the runner) into the worker's folder on the host, modes kept. */
export async function shipFiles(host: Host, localDir: string, remoteDir: string, names: readonly string[]): Promise<void> {
  const tar = await runProgram('tar', ['-cf', '-', '-C', dirname(runnerScript), basename(runnerScript), '-C', localDir, ...names], { timeoutMs: 30_000 });
  if (tar.exitCode !== 0) throw new Error(`tar of ${localDir} failed: ${tar.stderr.trim()}`);
  const r = await runOnHost(host, ['sh', '-c', 'umask 077 && mkdir -p "$1" && exec tar -xf - -C "$1"', 'sh', remoteDir], { input: tar.bytes });
  if (r.exitCode !== 0) throw new Error(`copying to ${host.name}:${remoteDir} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
}

// Run in the run's folder on the host with `name:attempt:final` arguments: a tar of every worker's facts,
// and of its answer files and transcript once the current attempt's exit fact is there, or its window is
// gone (final=1: nothing more will be written). Names are [a-z0-9-].
const PULL = `cd "$1" || exit 3; shift; files=
for w do n=\${w%%:*}; r=\${w#*:}; a=\${r%:*}; d=workers/$n
  for f in "$d"/start-*.facts "$d"/exit-*.facts; do [ -f "$f" ] && files="$files $f"; done
  if [ -f "$d/exit-$a.facts" ] || [ "\${r#*:}" = 1 ]; then for f in last-message.txt stdout.txt pane.log; do [ -f "$d/$f" ] && files="$files $d/$f"; done; fi
done
[ -n "$files" ] || exit 0
exec tar -cf - $files`;

/** Copies the named workers' facts home (answers and transcript too for an ended attempt, or a worker whose window is gone); file times kept (a fact's time is its mtime). */
export async function pullHome(host: Host, run: RunRecord, remoteRun: string, workers: readonly { name: string; attempt: number; final?: boolean }[]): Promise<void> {
  if (!workers.length) return;
  const r = await runOnHost(host, ['sh', '-c', PULL, 'sh', remoteRun, ...workers.map((w) => `${w.name}:${w.attempt}:${w.final ? 1 : 0}`)]);
  if (r.exitCode === 3) return; // the host has no folder for this run (nothing shipped yet)
  if (r.exitCode !== 0) throw new HostUnreachableError(host.name, `reading ${remoteRun} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  if (!r.bytes.length) return;
  // GNU tar drops leading `/` and `..` from member names: what the host sends lands under the run's folder.
  const x = await runProgram('tar', ['-xf', '-', '-C', run.dir, '--no-same-owner'], { input: r.bytes, timeoutMs: 30_000 });
  if (x.exitCode !== 0) throw new Error(`unpacking what ${host.name} sent failed: ${x.stderr.trim()}`);
}

/** The worker's folder on the host. */
export function remoteWorkerDir(remoteRun: string, name: string): string {
  return workerPaths(remoteRun, name).dir;
}

// Waits for a tmux channel on the host; ends when we go: our end of the connection closing is read as
// EOF on fd 3 and ends the remote wait-for too, so no waiter is left behind on the host.
const WAIT = 'exec 3<&0 </dev/null; tmux wait-for "$1" & w=$!; { read _ <&3; kill $w; } >/dev/null 2>&1 & c=$!; wait $w; s=$?; kill $c 2>/dev/null; exit $s';

/** True when the channel was signalled on the host (a remote runner woke it); false when the host failed or `signal` aborted. */
export async function waitOnHost(host: Host, channel: string, signal: AbortSignal): Promise<boolean> {
  let ctl: string;
  try {
    ctl = await connect(host);
  } catch {
    return false;
  }
  if (signal.aborted) return false;
  return new Promise<boolean>((resolve) => {
    const child = spawn('ssh', sshArgs(host, ['sh', '-c', WAIT, 'sh', channel], ctl), { stdio: ['pipe', 'ignore', 'ignore'] });
    const stop = () => child.kill('SIGTERM');
    signal.addEventListener('abort', stop, { once: true });
    child.stdin.on('error', () => undefined);
    child.once('error', () => resolve(false));
    child.once('exit', (code) => {
      signal.removeEventListener('abort', stop);
      resolve(code === 0 && !signal.aborted);
    });
  });
}
