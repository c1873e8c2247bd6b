import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { acquireLock } from '../../os/lock.js';
import { monitorPass, type PassReport } from '../../supervise/monitor.js';
import { stateHome } from '../../core/paths.js';
import { RunWatcher } from '../../os/watch.js';
import { printJson, type Command, type Context } from '../command.js';
import { numberOption } from '../options.js';
import { MONITOR_INTERVAL_DEFAULT_S } from '../../core/timing.js';

/** `orch-tmux monitor`: one pass (--once, for cron) or a loop (--watch); one monitor at a time. */
export const command: Command = {
  name: 'monitor',
  summary: 'Classify every live worker, act by policy, record and notify (--once for cron)',
  usage: 'monitor (--once | --watch [--interval SEC]) [--quiet] [--json]',
  details: [
    'Each run\'s policy is frozen when it starts (`orch-tmux policy <run>` shows it): ~/.config/orch-tmux/config.yaml,',
    'then the project\'s .orch/config.yaml (only what tightens, until `orch-tmux trust`):',
    '  approvals: { mode: notify|auto|deny, allow: [regex], deny: [regex] }',
    '  silence:   { pokeAfter: 300, poke: "", interruptAfter: 600, killAfter: 0 }   (seconds)',
    '  death:     { resume: true, maxResumes: 2, rerun: true, maxReruns: 1 }   (rerun: the task again when there is nothing to resume)',
    '  sessions:  { keepAfterEnd: 1h }   (an ended run\'s tmux session is closed this long after its end; forever: never)',
    '  notify:    { command: [prog, arg], tmux: true }   (the command reads one JSON event on stdin)',
    '--once ends with one summary line (live runs, workers, actions); --quiet prints only the actions taken (the cron line uses it).',
    'A second monitor exits at once (status 0) saying who holds the lock.',
  ].join('\n'),
  options: { once: { type: 'boolean' }, watch: { type: 'boolean' }, interval: { type: 'string' }, quiet: { type: 'boolean' } },
  positionals: [0, 0],
  async run(ctx, values) {
    if (Boolean(values.once) === Boolean(values.watch)) throw new UsageError('Give --once (one pass, for cron) or --watch (a loop)');
    const interval = numberOption(values, 'interval', MONITOR_INTERVAL_DEFAULT_S, 0.2, 3600);
    const lock = acquireLock(join(stateHome(ctx.env), 'monitor.lock'));
    if ('heldBy' in lock) {
      const who = `pid ${lock.heldBy.pid} on ${lock.heldBy.host} since ${lock.heldBy.since}`;
      if (ctx.json) printJson(ctx, { skipped: true, heldBy: lock.heldBy });
      else ctx.err(`orch-tmux monitor: another monitor is running (${who}); nothing to do\n`);
      return 0;
    }
    try {
      if (values.once) {
        show(ctx, await monitorPass({ server: ctx.server, env: ctx.env }), false, values.quiet === true);
        return 0;
      }
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      // Woken by any change in a supervised run's worker folders (a finish, a start, a hook line: an
      // approval asked); the interval is only for silence checks and for discovering new runs. Watching
      // starts before each pass. (inotify, not the hooks' tmux channel: tmux keeps one pending signal per
      // channel, so a channel can lose a wake-up; see watch.ts.)
      let dirs: string[] = [];
      while (!stop.signal.aborted) {
        const watcher = new RunWatcher(dirs, { hooks: true });
        try {
          const report = await monitorPass({ server: ctx.server, env: ctx.env });
          show(ctx, report, true, values.quiet === true);
          const now = report.runs.map((r) => r.dir).sort();
          const added = now.some((d) => !dirs.includes(d));
          dirs = now;
          if (!added) await watcher.changed(interval * 1000, stop.signal);
        } finally {
          watcher.close();
        }
      }
      return 0;
    } finally {
      lock.release();
    }
  },
};

// A line per worker worth a look (under --quiet: per action taken), then for --once a summary of the pass.
function show(ctx: Context, report: PassReport, watching: boolean, quiet: boolean): void {
  if (ctx.json) {
    if (watching) ctx.out(`${JSON.stringify(report)}\n`);
    else printJson(ctx, report);
    return;
  }
  for (const run of report.runs) {
    for (const w of run.workers) {
      if (w.actions.length || (!quiet && ((w.screen && w.screen !== 'working') || w.state !== 'running'))) {
        ctx.out(`${report.time} ${run.run}/${w.name} ${w.state}${w.screen ? ` (${w.screen})` : ''}${w.actions.length ? ` -> ${w.actions.join(', ')}` : ''}\n`);
      }
    }
  }
  if (watching || quiet) return;
  const workers = report.runs.reduce((n, r) => n + r.workers.length, 0);
  const closed = report.sessionsClosed.length ? `, ${report.sessionsClosed.length} ended session${report.sessionsClosed.length === 1 ? '' : 's'} closed` : '';
  ctx.out(`${report.time} monitor: ${report.runs.length} live run${report.runs.length === 1 ? '' : 's'}, ${workers} worker${workers === 1 ? '' : 's'}, ${report.actions} action${report.actions === 1 ? '' : 's'}${closed}\n`);
}
