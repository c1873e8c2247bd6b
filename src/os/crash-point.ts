// Named crash points, for the crash tests only: with NODE_ENV=test and ORCH_TMUX_CRASH_AT=ROLE:POINT[#N],
// the process playing ROLE (a command's name, `settle`, `hook`) SIGKILLs itself the Nth time (first by
// default) it passes POINT, as a kill -9 from outside would. ORCH_TMUX_CRASH_TRACE=FILE lists every point
// passed, each with the wall-clock time in ms (`ROLE:POINT#N TIME`; a role's first lines are when its
// process started and when its code was loaded), which is also how scripts/bench/phases.mjs times the
// steps of a write path. docs/reliability.md names the points; outside tests this is one env lookup.
import { appendFileSync } from 'node:fs';

let role = 'orch-tmux';
const passed = new Map<string, number>();
const wallMs = () => (performance.timeOrigin + performance.now()).toFixed(3);

/** Names the process for crash points (set once where a program starts, once its code is loaded). */
export function setCrashRole(name: string): void {
  role = name;
  const { ORCH_TMUX_CRASH_TRACE: trace, NODE_ENV } = process.env;
  if (trace && NODE_ENV === 'test') appendFileSync(trace, `${role}:process-start#1 ${performance.timeOrigin.toFixed(3)}\n${role}:code-loaded#1 ${wallMs()}\n`);
}


/** Marks a step of a write path: a test may kill the process here. */
export function crashPoint(point: string): void {
  const { ORCH_TMUX_CRASH_AT: at, ORCH_TMUX_CRASH_TRACE: trace, NODE_ENV } = process.env;
  if ((!at && !trace) || NODE_ENV !== 'test') return;
  const name = `${role}:${point}`;
  const n = (passed.get(name) ?? 0) + 1;
  passed.set(name, n);
  if (trace) appendFileSync(trace, `${name}#${n} ${wallMs()}\n`);
  if (at === `${name}#${n}` || (at === name && n === 1)) process.kill(process.pid, 'SIGKILL');
}
