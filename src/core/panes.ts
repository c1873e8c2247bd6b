// Pure: what tmux says about panes (one list-panes row each), by pane id.

/** Live facts of one pane from a single list-panes call. */
export interface PaneInfo {
  paneId: string;
  dead: boolean;
  deadStatus?: number;
  activity: number;
  pid: number;
  currentCommand: string;
  windowName: string;
}

export const PANE_FIELDS = ['pane_id', 'pane_dead', 'pane_dead_status', 'window_activity', 'pane_pid', 'pane_current_command', 'window_name'] as const;

/** Parses one list-panes row into PaneInfo. */
export function paneInfo(row: Record<(typeof PANE_FIELDS)[number], string>): PaneInfo {
  return {
    paneId: row.pane_id,
    dead: row.pane_dead === '1',
    deadStatus: row.pane_dead_status === '' ? undefined : Number(row.pane_dead_status),
    activity: Number(row.window_activity) * 1000,
    pid: Number(row.pane_pid),
    currentCommand: row.pane_current_command,
    windowName: row.window_name,
  };
}

/** Panes by id, with the time the listing was asked for: a pane made after it cannot be in it. */
export type PaneMap = Map<string, PaneInfo> & { listedAt?: number };

/** A pane listing taken at `listedAt` (epoch ms, taken before tmux was asked). */
export function paneMap(entries: Iterable<[string, PaneInfo]>, listedAt: number): PaneMap {
  return Object.assign(new Map(entries), { listedAt });
}

/** True when tmux listed this pane. */
export function hasPane(panes: Map<string, PaneInfo> | 'gone' | 'unknown' | 'unreachable', paneId: string): boolean {
  return panes instanceof Map && panes.has(paneId);
}
