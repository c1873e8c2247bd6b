// A remote worker's files: its folder on the host (same layout as here, under the host's `dir`), the
// runner and the attempt's files shipped there with one tar over the shared connection, and its facts
// (and, once an attempt ended, its answer and transcript) copied home, so the local run directory stays
// the one place every command reads.
import { spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { OrchError } from '../core/errors.js';
import { runnerScript } from '../os/package.js';
import { runProgram } from '../os/run-program.js';
import { writeFileAtomic } from '../os/atomic.js';
import { workerPaths } from '../core/paths.js';

import { Tmux } from '../tmux/index.js';

import { connect, HostUnreachableError, runOnHost, sshArgs } from './ssh.js';
import { type Host } from '../core/host.js';
import { type RunRecord } from '../core/run.js';
import { TAR_TIMEOUT_MS } from '../core/timing.js';

/** The tmux client for a host's default server, over its shared connection. */
export function hostTmux(host: Host): Tmux {
  return new Tmux({ via: { name: host.name, run: (argv, o) => runOnHost(host, argv, o) } });
}

/** The tmux server a worker's window is on: its host's, or the run's own (`runTmux`). */
export function workerTmux(rec: { host?: Host }, runTmux: Tmux): Tmux {
  return rec.host ? hostTmux(rec.host) : runTmux;
}

// Checks the host can run workers (a POSIX-like login shell: it reads our quoted argv; tmux), makes the
// run's folder and prints its absolute path. No `\` or `'` in it: even a fish or csh login shell passes it
// to sh unchanged, so the refusal is said.
const PREPARE = `case \${SHELL##*/} in fish|csh|tcsh|nu|xonsh|elvish|pwsh) echo "its login shell is $SHELL: orch-tmux needs a POSIX-like one there (sh, bash, zsh, ksh)"; exit 4;; esac
command -v tmux >/dev/null 2>&1 || { echo "it has no tmux on its PATH"; exit 4; }
mkdir -p -m 700 "$1" && cd "$1" && pwd -P || { echo "cannot make $1 there"; exit 4; }`;

/** Makes the run's folder on the host (once per spawn; cheap over the shared connection) and returns its absolute path. */
export async function remoteRunDir(host: Host, run: RunRecord): Promise<string> {
  const r = await runOnHost(host, ['sh', '-c', PREPARE, 'sh', `${host.dir}/${run.id}`]);
  const out = r.stdout.trim();
  if (r.exitCode !== 0 || !out.startsWith('/')) throw new OrchError(`Host ${host.name} cannot run workers: ${out || r.stderr.trim() || `exit ${r.exitCode}`}`, { code: 'host_unusable' });
  return out;
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
  const tar = await runProgram('tar', ['-cf', '-', '-C', dirname(runnerScript), basename(runnerScript), '-C', localDir, ...names], { timeoutMs: TAR_TIMEOUT_MS });
  if (tar.exitCode !== 0) throw new Error(`tar of ${localDir} failed: ${tar.stderr.trim()}`);
  const r = await runOnHost(host, ['sh', '-c', 'umask 077 && mkdir -p "$1" && exec tar -xf - -C "$1"', 'sh', remoteDir], { input: tar.bytes });
  if (r.exitCode !== 0) throw new Error(`copying to ${host.name}:${remoteDir} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
}

// Run in the run's folder on the host with `name:attempt:final` arguments: a tar of every worker's facts,
// and of its answer files and transcript once the current attempt's exit fact is there, or its window is
// gone (final=1: nothing more will be written). Names are [a-z0-9-]. Exit 1 is tar's "file changed as we
// read it" (the runner still appends to pane.log): what it read is kept.
const PULL = `cd "$1" || exit 3; shift; files=
for w do n=\${w%%:*}; r=\${w#*:}; a=\${r%:*}; d=workers/$n
  for f in "$d"/start-*.facts "$d"/exit-*.facts; do [ -f "$f" ] && files="$files $f"; done
  if [ -f "$d/exit-$a.facts" ] || [ "\${r#*:}" = 1 ]; then for f in last-message.txt stdout.txt pane.log; do [ -f "$d/$f" ] && files="$files $d/$f"; done; fi
done
[ -n "$files" ] || exit 0
exec tar -cf - $files`;

/** The files a host may send for a worker, answers before facts (a reader that sees the exit fact finds the answer whole). */
const PULLED = [/^last-message\.txt$/, /^stdout\.txt$/, /^pane\.log$/, /^start-\d+\.facts$/, /^exit-\d+\.facts$/];

/**
 * Copies the named workers' facts home (answers and transcript too for an ended attempt, or a worker whose
 * window is gone). What the host sends is unpacked in a private folder first; only regular files of the
 * expected names, in the named workers' folders, are moved into place (each whole, 0600, its time kept:
 * a fact's time is its mtime). A host cannot write anything else here.
 */
export async function pullHome(host: Host, run: RunRecord, remoteRun: string, workers: readonly { name: string; attempt: number; final?: boolean }[]): Promise<void> {
  if (!workers.length) return;
  const r = await runOnHost(host, ['sh', '-c', PULL, 'sh', remoteRun, ...workers.map((w) => `${w.name}:${w.attempt}:${w.final ? 1 : 0}`)]);
  if (r.exitCode === 3) return; // the host has no folder for this run (nothing shipped yet)
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new HostUnreachableError(host.name, `reading ${remoteRun} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  if (!r.bytes.length) return;
  const box = mkdtempSync(join(tmpdir(), 'orch-pull-'));
  try {
    const x = await runProgram('tar', ['-xf', '-', '-C', box, '--no-same-owner', '--no-same-permissions'], { input: r.bytes, timeoutMs: TAR_TIMEOUT_MS });
    if (x.exitCode !== 0) throw new HostUnreachableError(host.name, `what it sent could not be unpacked: ${x.stderr.trim().split('\n')[0]}`);
    for (const w of isDir(join(box, 'workers')) ? workers : []) {
      const from = join(box, 'workers', w.name);
      if (!isDir(from)) continue;
      const names = readdirSync(from);
      for (const pattern of PULLED) {
        for (const name of names.filter((n) => pattern.test(n))) {
          const st = lstatSync(join(from, name));
          if (!st.isFile()) continue;
          const to = join(workerPaths(run.dir, w.name).dir, name);
          writeFileAtomic(to, readFileSync(join(from, name)), 0o600, false);
          utimesSync(to, st.atime, st.mtime);
        }
      }
    }
  } finally {
    rmSync(box, { recursive: true, force: true });
  }
}

// A real folder (not a link to one).
function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
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
