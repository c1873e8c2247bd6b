// Named crash points, for the crash tests only: with NODE_ENV=test and ORCH_TMUX_CRASH_AT=ROLE:POINT[#N],
// the process playing ROLE (a command's name, `settle`, `hook`) SIGKILLs itself the Nth time (first by
// default) it passes POINT, as a kill -9 from outside would. ORCH_TMUX_CRASH_TRACE=FILE lists every point
// passed instead. docs/reliability.md names the points; outside tests this is one env lookup.
import { appendFileSync } from 'node:fs';

let role = 'orch-tmux';
const passed = new Map<string, number>();

/** Names the process for crash points (set once where a program starts). */
export function setCrashRole(name: string): void {
  role = name;
}

/** Marks a step of a write path: a test may kill the process here. */
export function crashPoint(point: string): void {
  const { ORCH_TMUX_CRASH_AT: at, ORCH_TMUX_CRASH_TRACE: trace, NODE_ENV } = process.env;
  if ((!at && !trace) || NODE_ENV !== 'test') return;
  const name = `${role}:${point}`;
  const n = (passed.get(name) ?? 0) + 1;
  passed.set(name, n);
  if (trace) appendFileSync(trace, `${name}#${n}\n`);
  if (at === `${name}#${n}` || (at === name && n === 1)) process.kill(process.pid, 'SIGKILL');
}
