// The live board in a run's first window: what every worker is doing, redrawn when something changes.
// It wakes on the run's files (inotify on the worker folders, hook lines included, and on the run
// folder for the plan and events), with a 5 s timer only for the clocks; it never captures a screen. It
// reads and writes nothing of the run's records: status's derivation from the files, nothing more.
import { statSync } from 'node:fs';
import { readEvents } from '../store/events.js';
import { runPaths, workerPaths } from '../core/paths.js';
import { readPlan } from '../store/plan.js';

import { Tmux } from '../tmux/index.js';
import { newestHookLine } from '../runner/hooks.js';

import { workerStatus } from '../supervise/observe.js';
import { FolderWatch, RunWatcher } from '../os/watch.js';
import { readRun } from '../store/run.js';
import { renderBoard, type BoardRow, type BoardView } from './board-render.js';
import { requestText } from '../core/hooks.js';
import { readWorker, workerNamesInOrder } from '../store/records.js';
import { statusLine } from '../core/plan.js';
import { type RunRecord } from '../core/run.js';
import { BOARD_CLOCK_MS, BOARD_DIGIT_WAIT_MS, BOARD_IDLE_WAKE_MS } from '../core/timing.js';


// What the monitor last saw on a worker's screen (an approval prompt, a limit) while it runs.
function observed(runDir: string): Map<string, { state: string; reason?: string; time: number }> {
  const out = new Map<string, { state: string; reason?: string; time: number }>();
  for (const e of readEvents(runDir)) {
    if (!e.worker) continue;
    if (e.kind === 'monitor.observed') out.set(e.worker, { state: String(e.detail?.state ?? ''), reason: e.detail?.reason as string | undefined, time: Date.parse(e.time) });
    else if (e.kind.startsWith('worker.')) out.delete(e.worker);
  }
  return out;
}

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

// The run's state now (it ends while the board shows it); the state it started with when run.json cannot be read.
function readRunState(run: RunRecord): string {
  try {
    return readRun(run.dir).state;
  } catch {
    return run.state;
  }
}

/** The board's picture of a run now, from its files. */
export function boardView(run: RunRecord, windows: Map<string, string>, nowMs = Date.now()): BoardView {
  const seen = observed(run.dir);
  const rows = workerNamesInOrder(run.dir).map((name): BoardRow => {
    const rec = readWorker(run.dir, name);
    const s = workerStatus(run, name, 'unknown');
    let state: string = s.state;
    let detail = s.reason;
    if (s.state === 'running' && rec) {
      const hook = newestHookLine(rec);
      const screen = seen.get(name);
      if (hook?.fact === 'approval' && hook.decision !== 'allow' && hook.decision !== 'deny') {
        state = 'approval';
        detail = requestText(hook.event);
      } else if (screen?.state === 'waiting_approval') {
        state = 'approval';
        detail = screen.reason;
      } else if (screen && (screen.state === 'rate_limited' || screen.state === 'stalled')) {
        state = screen.state;
        detail = screen.reason;
      }
    }
    if (state === 'done' || state === 'running') {
      detail = [s.cost !== undefined ? `$${s.cost.toFixed(4)}` : '', s.tokens ? `${s.tokens.input + s.tokens.output} tokens` : ''].filter(Boolean).join(', ');
    }
    // Restarts beside the detail: `1 rerun` says the task ran again from its prompt.
    const restarted = [s.resumes ? `${s.resumes} resume${s.resumes === 1 ? '' : 's'}` : '', s.reruns ? `${s.reruns} rerun${s.reruns === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ');
    if (restarted) detail = [detail, restarted].filter(Boolean).join('; ');
    // A remote worker's window is on its host (no number to jump to here): the host is named instead.
    if (rec?.host) detail = [`on ${rec.host.name}`, detail].filter(Boolean).join(': ');
    return {
      paneId: rec?.host ? undefined : rec?.paneId, window: rec?.paneId && !rec.host ? windows.get(rec.paneId) : undefined, name, state, detail,
      startedMs: s.startedAt ? Date.parse(s.startedAt) : undefined, endedMs: s.endedAt ? Date.parse(s.endedAt) : undefined,
      activityMs: mtime(workerPaths(run.dir, name).paneLog),
    };
  });
  const plan = readPlan(run.dir);
  return { run: run.id, runState: readRunState(run), plan: plan?.steps.length ? statusLine(plan) : undefined, rows, nowMs };
}

/** Options: where to draw, with colour or not, and what a driver in the same process says. */
export interface BoardOptions {
  out: NodeJS.WriteStream;
  input?: NodeJS.ReadStream;
  colour: boolean;
  tmux: Tmux;
}

/** Why a board stopped: `q` (a person left it), or its run ended (its last frame stays on screen). */
export type BoardEnd = 'quit' | 'ended';

/** A board drawing one run until `q`, or until the run ends (a board of its own: not a driver's). */
export class Board {
  private readonly watcher: RunWatcher;
  private readonly runFiles: FolderWatch;
  private timer: NodeJS.Timeout | undefined;
  private windows = new Map<string, string>();
  private readonly lookedUp = new Set<string>();
  private driver: string | undefined;
  private drawing = false;
  private again = false;
  private closed = false;
  private digits = '';
  private digitTimer: NodeJS.Timeout | undefined;
  private quit: ((why: BoardEnd) => void) | undefined;
  private end: BoardEnd = 'quit';

  constructor(private readonly run: RunRecord, private readonly o: BoardOptions) {
    this.watcher = new RunWatcher([run.dir], { hooks: true });
    // The run's own files that change what it shows: the plan, its state, the monitor's observations.
    this.runFiles = new FolderWatch([run.dir], (_dir, file) => file === 'plan.json' || file === 'run.json' || file === 'events.jsonl');
  }

  /** Draws now and on every change until `q`, the run's end (a board without a driver), or close(). */
  async show(): Promise<BoardEnd> {
    void this.follow(this.runFiles);
    this.timer = setInterval(() => void this.draw(), BOARD_CLOCK_MS);
    this.listenForKeys();
    const done = new Promise<BoardEnd>((resolve) => (this.quit = resolve));
    void this.follow(this.watcher);
    await this.draw();
    const why = await done;
    this.close();
    return why;
  }

  /** A line about the driver in this process (a detached pattern run), shown on top. */
  setDriver(line: string | undefined): void {
    this.driver = line;
    void this.draw();
  }

  close(why: BoardEnd = 'quit'): void {
    if (this.closed) return;
    this.closed = true;
    this.end = why;
    this.watcher.close();
    this.runFiles.close();
    clearInterval(this.timer);
    clearTimeout(this.digitTimer);
    if (this.o.input?.isTTY) this.o.input.setRawMode(false);
    this.o.input?.pause();
    this.quit?.(this.end);
  }

  // Redraws at each change a watcher hears, until the board closes.
  private async follow(watcher: { reset(): unknown; changed(ms: number): Promise<'change' | 'timeout'> }): Promise<void> {
    while (!this.closed) {
      watcher.reset();
      if ((await watcher.changed(BOARD_IDLE_WAKE_MS)) === 'change' && !this.closed) await this.draw();
    }
  }

  /** Redraws (coalesced: a change during a draw makes one more). */
  async draw(): Promise<void> {
    if (this.closed) return;
    if (this.drawing) {
      this.again = true;
      return;
    }
    this.drawing = true;
    try {
      do {
        this.again = false;
        let view = boardView(this.run, this.windows);
        if (await this.refreshWindows(view)) view = boardView(this.run, this.windows);
        view = { ...view, driver: this.driver };
        const width = Math.max(40, this.o.out.columns || 80);
        const lines = renderBoard(view, width, this.o.colour, this.o.out.rows || 24);
        // The run is over: this frame is the last (the window keeps it); nothing of ours stays running for it.
        // tmux (3.3a) scrolls a dead pane up one line to write "Pane is dead" at the bottom: a blank first line
        // keeps the frame's own first line on screen.
        const last = view.runState !== 'active' && this.driver === undefined;
        this.o.out.write(`\x1b[H\x1b[2J${last ? '\r\n' : ''}${lines.join('\r\n')}\r\n`);
        if (last) this.close('ended');
      } while (this.again && !this.closed);
    } catch (error) {
      this.o.out.write(`orch-tmux board: ${String((error as Error).message ?? error)}\r\n`);
    } finally {
      this.drawing = false;
    }
  }

  // Window numbers, asked of tmux (one list-panes call) only when a worker has a pane not looked up yet.
  private async refreshWindows(view: BoardView): Promise<boolean> {
    const fresh = view.rows.map((r) => r.paneId).filter((p): p is string => p !== undefined && !this.lookedUp.has(p));
    if (!fresh.length) return false;
    try {
      const out = await this.o.tmux.run([['list-panes', '-s', '-t', `=${this.run.session}`, '-F', '#{pane_id} #{window_index}']]);
      this.windows = new Map(out.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
    } catch {
      /* the session is gone: no numbers */
    }
    for (const p of fresh) this.lookedUp.add(p);
    return true;
  }

  private listenForKeys(): void {
    const input = this.o.input;
    if (!input) return;
    if (input.isTTY) input.setRawMode(true);
    input.resume();
    input.on('data', (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === 'q' || ch === '\x03') return this.close();
        if (/[0-9]/.test(ch)) {
          this.digits += ch;
          clearTimeout(this.digitTimer);
          if (this.digits.length >= 2) this.jump();
          else this.digitTimer = setTimeout(() => this.jump(), BOARD_DIGIT_WAIT_MS);
        } else if ((ch === '\r' || ch === '\n') && this.digits) {
          this.jump();
        }
      }
    });
  }

  private jump(): void {
    clearTimeout(this.digitTimer);
    const n = this.digits;
    this.digits = '';
    if (n) void this.o.tmux.run([['select-window', '-t', `=${this.run.session}:${Number(n)}`]]).catch(() => undefined);
  }
}

/** Whether the board may colour: a terminal, and no NO_COLOR (https://no-color.org). */
export function useColour(env: NodeJS.ProcessEnv, out: NodeJS.WriteStream): boolean {
  return Boolean(out.isTTY) && !env.NO_COLOR;
}
