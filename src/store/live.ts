import { Tmux, TmuxNotInstalledError, type TmuxServer } from '../tmux/index.js';
import type { IndexEntry } from './index-file.js';

/** Each run's liveness: true or false when its server answered (or is certainly gone), null when tmux could not be asked. */
export async function liveness(entries: IndexEntry[], explicit: TmuxServer = {}, tmuxRequired = false): Promise<Map<string, boolean | null>> {
  const bySocket = new Map<string, IndexEntry[]>();
  const pinned = Boolean(explicit.socketName || explicit.socketPath);
  for (const e of entries) {
    const key = pinned ? 'explicit' : e.socketPath ?? '';
    bySocket.set(key, [...(bySocket.get(key) ?? []), e]);
  }
  const live = new Map<string, boolean | null>();
  for (const [socket, group] of bySocket) {
    const server = pinned ? explicit : socket ? { socketPath: socket } : {};
    let names: Set<string> | undefined;
    try {
      // No server on that socket (listSessions answers none) is certain: none of its runs is live.
      names = new Set((await new Tmux(server).listSessions(['session_name'])).map((r) => r.session_name));
    } catch (error) {
      if (tmuxRequired && error instanceof TmuxNotInstalledError) throw error;
      names = undefined; // tmux missing, timed out or refused: unknown, not dead
    }
    for (const e of group) live.set(e.id, names === undefined ? null : names.has(e.session));
  }
  return live;
}
