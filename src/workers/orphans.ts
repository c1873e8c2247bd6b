// What an agent leaves behind: processes of the worker's process group still alive after the agent exited
// (a CLI that re-launches itself in a child, a tool it started). Gemini CLI 0.61 re-launches itself; after
// a kill -9 of the parent the child held the output pipes and the worker never ended. Linux /proc only;
// elsewhere none are found.
import { readdirSync, readFileSync } from 'node:fs';

/** One process: its pid, command name and process group. */
export interface Proc {
  pid: number;
  name: string;
  pgrp: number;
}

// `pid (comm) state ppid pgrp ...`; comm may hold spaces and parentheses, so split after the last `)`.
function stat(pid: number | 'self'): { name: string; state: string; ppid: number; pgrp: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    return { name: text.slice(text.indexOf('(') + 1, close), state: fields[0]!, ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** Processes in this process's group other than itself and its own direct children (its tmux clients). */
export function leftInGroup(): Proc[] {
  const me = stat('self');
  // Only a runner that leads its own process group (as in a tmux pane) owns everything in it.
  if (!me || me.pgrp !== process.pid) return [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  const out: Proc[] = [];
  for (const p of pids) {
    const pid = Number(p);
    if (pid === process.pid) continue;
    const s = stat(pid);
    if (s && s.state !== 'Z' && s.pgrp === me.pgrp && s.ppid !== process.pid) out.push({ pid, name: s.name, pgrp: s.pgrp });
  }
  return out;
}

/** Ends the given processes: SIGTERM, then SIGKILL for any still there after `graceMs`. */
export async function endProcesses(procs: Proc[], graceMs = 1000): Promise<void> {
  const send = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  for (const p of procs) send(p.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (procs.some(running) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const p of procs) if (running(p)) send(p.pid, 'SIGKILL');
}

// Alive, not a zombie, and still in its group: pids are reused (pid_max can be 32768), so a pid whose
// process is gone may name another process a second later.
function running(p: Proc): boolean {
  const s = stat(p.pid);
  return s !== undefined && s.state !== 'Z' && s.pgrp === p.pgrp;
}
