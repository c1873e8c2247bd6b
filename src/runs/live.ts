import { Tmux, TmuxNotInstalledError, type TmuxServer } from '../tmux/index.js';
import type { IndexEntry } from './index-file.js';

/** Which indexed runs have a live session: one list-sessions per tmux server, however many runs. */
export async function liveRuns(entries: IndexEntry[], explicit: TmuxServer = {}): Promise<Set<string>> {
  const bySocket = new Map<string, IndexEntry[]>();
  const pinned = Boolean(explicit.socketName || explicit.socketPath);
  for (const e of entries) {
    const key = pinned ? 'explicit' : e.socketPath ?? '';
    bySocket.set(key, [...(bySocket.get(key) ?? []), e]);
  }
  const live = new Set<string>();
  for (const [socket, group] of bySocket) {
    const server = pinned ? explicit : socket ? { socketPath: socket } : {};
    let names: Set<string>;
    try {
      names = new Set((await new Tmux(server).listSessions(['session_name'])).map((r) => r.session_name));
    } catch (error) {
      if (error instanceof TmuxNotInstalledError) throw error;
      continue; // that server is gone: none of its runs is live
    }
    for (const e of group) if (names.has(e.session)) live.add(e.id);
  }
  return live;
}
