import { existsSync, rmSync } from 'node:fs';
import { parseDuration } from '../../core/format.js';
import { UsageError } from '../../core/errors.js';
import { removeRunWorktree } from '../../pipeline/workspace.js';
import { readIndex, removeFromIndex, type IndexEntry } from '../../store/index-file.js';
import { liveness } from '../../store/live.js';
import { readRun } from '../../store/run.js';
import { Tmux } from '../../tmux/index.js';
import { printJson, str, type Command } from '../command.js';
import { table } from '../../views/table.js';
import { runEnded, type RunRecord } from '../../core/run.js';

/** What prune did (or, with --dry-run, would do) to one ended run. */
interface Pruned {
  run: string;
  endedAt: string | null;
  /** closed: its session was open and is closed now; none: it had none open. */
  session: 'closed' | 'none';
  /** removed: its folder and index entry are gone (--files); kept otherwise. */
  files: 'removed' | 'kept';
  /** The branch of its worktree, kept (the change is the user's). */
  branch?: string;
}

// The run as its folder says, or undefined when the folder is gone or damaged.
function readOrNothing(dir: string): RunRecord | undefined {
  try {
    return readRun(dir);
  } catch {
    return undefined;
  }
}

/** `orch-tmux prune`: closes ended runs' tmux sessions and, with --files, removes their folders. */
export const command: Command = {
  name: 'prune',
  summary: 'Close the tmux sessions of ended runs (and with --files remove their folders)',
  usage: 'prune [--older-than 30m|12h|7d] [--files] [--dry-run] [--json]',
  details: [
    'Without --older-than: every ended run (finished or killed), now. Active runs are never touched.',
    '--files also removes each run\'s folder (results, transcripts, records), its index entry and its',
    '--worktrees worktree (the branch orch/<run>, the change, is kept). --dry-run says what it would do.',
    'The monitor closes ended sessions by itself after the policy\'s sessions.keepAfterEnd (default 1h).',
  ].join('\n'),
  options: { 'older-than': { type: 'string' }, files: { type: 'boolean' }, 'dry-run': { type: 'boolean' } },
  positionals: [0, 0],
  async run(ctx, values) {
    const older = str(values, 'older-than');
    const olderMs = older === undefined ? 0 : parseDuration(older);
    if (olderMs === undefined || olderMs === Infinity) throw new UsageError(`Expected --older-than to be a duration like 30m, 12h or 7d, got ${JSON.stringify(older)}`);
    const dryRun = values['dry-run'] === true;
    const now = Date.now();
    const candidates: { entry: IndexEntry; endedAt?: string }[] = [];
    for (const entry of readIndex()) {
      const run = entry.state && runEnded(entry.state) && entry.endedAt ? undefined : readOrNothing(entry.dir);
      const state = run?.state ?? entry.state;
      if (!state || !runEnded(state)) continue;
      const endedAt = entry.endedAt ?? run?.endedAt ?? undefined;
      if (olderMs > 0 && !(endedAt && now - Date.parse(endedAt) >= olderMs)) continue;
      candidates.push({ entry, endedAt });
    }
    const live = await liveness(candidates.map((c) => c.entry), ctx.server);
    const pruned: Pruned[] = [];
    for (const { entry, endedAt } of candidates) {
      const open = live.get(entry.id) === true;
      const out: Pruned = { run: entry.id, endedAt: endedAt ?? null, session: open ? 'closed' : 'none', files: values.files ? 'removed' : 'kept' };
      if (!dryRun && open) await new Tmux(ctx.server.socketName || ctx.server.socketPath ? ctx.server : { socketPath: entry.socketPath }).killSession(entry.session).catch(() => undefined);
      if (values.files) {
        if (!dryRun) {
          out.branch = await removeRunWorktree(entry.dir).catch(() => undefined);
          if (existsSync(entry.dir)) rmSync(entry.dir, { recursive: true, force: true });
          removeFromIndex(entry);
        }
      }
      if (out.branch === undefined) delete out.branch;
      pruned.push(out);
    }
    if (ctx.json) {
      printJson(ctx, { dryRun, runs: pruned });
      return 0;
    }
    if (!pruned.length) {
      ctx.out(`No ended runs${olderMs ? ` older than ${older}` : ''} to prune.\n`);
      return 0;
    }
    const verb = (done: string, would: string) => (dryRun ? would : done);
    ctx.out(table(['RUN', 'ENDED', 'SESSION', 'FILES'], pruned.map((p) => [
      p.run, p.endedAt?.replace('T', ' ').slice(0, 19) ?? '?', p.session === 'closed' ? verb('closed', 'would close') : '-',
      p.files === 'removed' ? `${verb('removed', 'would remove')}${p.branch ? ` (branch ${p.branch} kept)` : ''}` : 'kept',
    ])));
    return 0;
  },
};
