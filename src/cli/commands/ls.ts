import { liveness } from '../../store/live.js';
import { readIndex } from '../../store/index-file.js';
import { printJson, type Command } from '../command.js';
import { table } from '../../views/table.js';

/** `orch-tmux ls`: every run in the index, live or not, newest first. */
export const command: Command = {
  name: 'ls',
  summary: 'List runs, newest first',
  usage: 'ls [--json]',
  options: {},
  positionals: [0, 0],
  async run(ctx) {
    const entries = readIndex();
    const live = await liveness(entries, ctx.server);
    // live: null when tmux could not be asked (not installed, not answering): unknown is not dead.
    const runs = entries.map((e) => ({ ...e, state: e.state ?? 'active', live: live.get(e.id) ?? null }));
    if (ctx.json) printJson(ctx, { runs });
    else if (runs.length === 0) ctx.out('No runs yet. Start one with `orch-tmux review ./doc.md` or `orch-tmux new`.\n');
    else ctx.out(table(['RUN', 'STATE', 'OUTCOME', 'LIVE', 'CREATED', 'NAME', 'DIR'], runs.map((r) => [r.id, r.state, r.outcome ?? '', r.live === null ? '?' : r.live ? 'yes' : 'no', r.created.replace('T', ' ').slice(0, 19), r.name ?? r.pattern ?? '', r.dir])));
    return 0;
  },
};
