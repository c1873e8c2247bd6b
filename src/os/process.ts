// Whether a process lives, and which one it is: a pid alone can be reused (pid_max is 32768 on many
// machines), so a holder also records when its process started (/proc/<pid>/stat, Linux).
import { readFileSync } from 'node:fs';

/** True while a process with this pid runs (ours or not); a zombie (ended, not yet reaped) is not alive. */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // tmux 3.3a sometimes leaves a pane's ended process unreaped (pane_dead set, no pane_dead_status; seen in
  // the full-disk fault test, where `wait` then took a gone runner for alive); kill(pid, 0) succeeds on it.
  return statFields(pid)?.[0] !== 'Z';
}

/** When the process started (clock ticks after boot, as /proc says); undefined where there is no /proc. */
export function processStart(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** True while `pid` runs and, when `start` is known, is still the process that started then (not a reuse of its pid). */
export function sameProcess(pid: number, start: string | undefined): boolean {
  if (!alive(pid)) return false;
  const now = start === undefined ? undefined : processStart(pid);
  return now === undefined || now === start;
}

// The fields of /proc/<pid>/stat after the command name (state first), which may hold spaces and parentheses.
function statFields(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
}
