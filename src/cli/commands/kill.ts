import { hostTmux } from '../../sites/remote.js';

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Tmux } from '../../tmux/index.js';
import { findRun, markRunKilled, resolveRun, tmuxForRun } from '../../store/run.js';
import { checkWorkerName } from '../../core/names.js';
import { UsageError } from '../../core/errors.js';
import { killWorker } from '../../supervise/kill.js';

import { printJson, type Command } from '../command.js';
import { numberOption } from '../options.js';
import { readWorker, listWorkerNames } from '../../store/records.js';
import { KILL_GRACE_DEFAULT_S } from '../../core/timing.js';
import { FINISHED } from '../../core/worker.js';

/** `orch-tmux kill`: stop one worker, or every worker of a run and then its tmux session. */
export const command: Command = {
  name: 'kill',
  summary: 'Stop a worker or a whole run (interrupt, then kill after a grace period)',
  usage: 'kill <run> [<worker>] [--grace SEC] [--json]',
  details: 'Sends the agent\'s interrupt key, waits --grace seconds (default 5), then SIGTERM and SIGKILL.\nWithout <worker>: every worker, then the run\'s tmux session. Results already written stay.',
  options: { grace: { type: 'string' } },
  positionals: [1, 2],
  async run(ctx, values, [ref, name]) {
    // One resolution for every command: exact id or a unique prefix (ambiguity is refused, exit 2).
    const resolved = resolveRun(ref!);
    const orphan = !name && resolved.entry && !existsSync(join(resolved.dir, 'run.json')) ? resolved.entry : undefined;
    if (orphan) {
      // The run directory is gone but its session may live on: end it, from what the index remembers.
      await new Tmux(ctx.server.socketName || ctx.server.socketPath ? ctx.server : { socketPath: orphan.socketPath }).killSession(orphan.session).catch(() => undefined);
      if (ctx.json) printJson(ctx, { run: orphan.id, workers: [], sessionKilled: true, runDirMissing: true });
      else ctx.err(`orch-tmux kill: the run directory ${orphan.dir} is gone; ended its tmux session ${orphan.session}\n`);
      return 0;
    }
    const run = findRun(ref!);
    const tmux = tmuxForRun(run, ctx.server);
    const graceMs = numberOption(values, 'grace', KILL_GRACE_DEFAULT_S, 0, 3600) * 1000;
    const names = name ? [checkWorkerName(name)] : listWorkerNames(run.dir);
    if (name && !listWorkerNames(run.dir).includes(name)) throw new UsageError(`Unknown worker ${JSON.stringify(name)} in run ${run.id}`, { code: 'unknown_worker' });
    // A worker that had already ended is said so (a repeated kill changes nothing).
    const states = await Promise.all(names.map(async (n) => {
      const before = readWorker(run.dir, n)?.state;
      const state = await killWorker(run, tmux, n, graceMs);
      return { name: n, state, ...(before !== undefined && FINISHED.has(before) && before === state ? { already: true } : {}) };
    }));
    if (!name) {
      await tmux.killSession(run.session).catch(() => undefined);
      // The run's session on each host its workers used goes too.
      const hosts = new Map(names.map((n) => readWorker(run.dir, n)?.host).filter((h) => h !== undefined).map((h) => [h.name, h]));
      await Promise.all([...hosts.values()].map((h) => hostTmux(h).killSession(run.session).catch(() => undefined)));
      markRunKilled(run.dir);
    }
    if (ctx.json) printJson(ctx, { run: run.id, workers: states, sessionKilled: !name });
    else for (const s of states) ctx.out(`${s.name} ${'already' in s ? 'already ' : ''}${s.state}\n`);
    return 0;
  },
};
