import { Tmux } from '../tmux/index.js';
import { readIndex } from '../runs/index-file.js';
import { printJson, type Command } from './command.js';
import { table } from './table.js';

/** `orch-tmux ls`: every run in the index, live or not, newest first. */
export const command: Command = {
  name: 'ls',
  summary: 'List runs, newest first',
  usage: 'ls [--json]',
  options: {},
  positionals: [0, 0],
  async run(ctx) {
    const entries = readIndex();
    const live = await liveSessions(entries.map((e) => e.socketPath));
    const runs = entries.map((e) => ({ ...e, live: live.has(`${e.socketPath ?? ''}\0${e.session}`) }));
    if (ctx.json) printJson(ctx, { runs });
    else if (runs.length === 0) ctx.out('No runs yet. Start one with `orch-tmux review ./doc.md` or `orch-tmux new`.\n');
    else ctx.out(table(['RUN', 'LIVE', 'CREATED', 'NAME', 'DIR'], runs.map((r) => [r.id, r.live ? 'yes' : 'no', r.created.replace('T', ' ').slice(0, 19), r.name ?? r.pattern ?? '', r.dir])));
    return 0;
  },
};

// One list-sessions per distinct server, so ls stays cheap with many runs.
async function liveSessions(sockets: (string | undefined)[]): Promise<Set<string>> {
  const live = new Set<string>();
  for (const socket of new Set(sockets)) {
    try {
      const rows = await new Tmux(socket ? { socketPath: socket } : {}).listSessions(['session_name']);
      for (const r of rows) live.add(`${socket ?? ''}\0${r.session_name}`);
    } catch {
      /* no server there: none live */
    }
  }
  return live;
}
