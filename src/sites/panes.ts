// What tmux says about a run's panes: one list-panes call per session.
import { NoServerError, TargetNotFoundError, type Tmux } from '../tmux/index.js';
import { PANE_FIELDS, paneInfo, paneMap, type PaneMap } from '../core/panes.js';

/** Panes of the run's session by pane id; `gone` when the session or server is gone. */
export async function sessionPanes(tmux: Tmux, session: string): Promise<PaneMap | 'gone'> {
  const listedAt = Date.now();
  try {
    const rows = await tmux.listPanes(PANE_FIELDS, session);
    return paneMap(rows.map((r) => [r.pane_id, paneInfo(r)]), listedAt);
  } catch (error) {
    if (error instanceof NoServerError || error instanceof TargetNotFoundError) return 'gone';
    throw error;
  }
}
