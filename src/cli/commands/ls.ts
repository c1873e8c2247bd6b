import { liveness } from '../../store/live.js';
import { readIndex } from '../../store/index-file.js';
import { workerTally, type WorkerTally } from '../../store/records.js';
import { printJson, type Command } from '../command.js';
import { table } from '../../views/table.js';
import { formatAge } from '../../core/format.js';

// `3/5 done, 1 failed`: a run's workers in a few characters (`-` for none).
function workersText(t: Omit<WorkerTally, 'cost'>): string {
  return t.total === 0 ? '-' : `${t.done}/${t.total} done${t.failed ? `, ${t.failed} failed` : ''}`;
}

/** `orch-tmux ls`: every run in the index, live or not, newest first. */
export const command: Command = {
  name: 'ls',
  summary: 'List runs, newest first: state, outcome, age, workers done and failed, cost',
  usage: 'ls [--json]',
  details: 'Reads the index and each run\'s worker records (one tmux call per server, for LIVE); writes nothing.\nWORKERS: done of all, and how many ended otherwise (failed, killed or lost). COST: the USD its agents reported.',
  options: {},
  positionals: [0, 0],
  async run(ctx) {
    const entries = readIndex();
    const live = await liveness(entries, ctx.server);
    const now = Date.now();
    // live: null when tmux could not be asked (not installed, not answering): unknown is not dead.
    const runs = entries.map((e) => {
      const { cost, ...workers } = workerTally(e.dir);
      const age = now - Date.parse(e.created);
      return { ...e, state: e.state ?? 'active', live: live.get(e.id) ?? null, ageSeconds: Number.isFinite(age) ? Math.max(0, Math.floor(age / 1000)) : null, workers, cost };
    });
    if (ctx.json) printJson(ctx, { runs });
    else if (runs.length === 0) ctx.out('No runs yet. Start one with `orch-tmux review ./doc.md` or `orch-tmux new`.\n');
    else {
      ctx.out(table(['RUN', 'STATE', 'OUTCOME', 'LIVE', 'AGE', 'WORKERS', 'COST', 'NAME', 'DIR'], runs.map((r) => [
        r.id, r.state, r.outcome ?? '', r.live === null ? '?' : r.live ? 'yes' : 'no', formatAge(r.ageSeconds === null ? undefined : r.ageSeconds * 1000),
        workersText(r.workers), r.cost === null ? '' : `$${r.cost.toFixed(4)}`, r.name ?? r.pattern ?? '', r.dir,
      ])));
    }
    return 0;
  },
};
