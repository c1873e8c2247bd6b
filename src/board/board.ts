// The live board in a run's first window: what every worker is doing, redrawn when something changes.
// It wakes on the run's files (inotify on the worker folders, hook lines included, and on the run
// folder for the plan and events), with a 5 s timer for the clocks (and a look at every worker); it never captures a screen. It
// reads and writes nothing of the run's records: status's derivation from the files, nothing more.
import { statSync, watch, type FSWatcher } from 'node:fs';
import { EventTail, type RunEvent } from '../runs/events.js';
import { runPaths, workerPaths } from '../runs/paths.js';
import { readPlan, statusLine } from '../runs/plan.js';
import type { RunRecord } from '../runs/run.js';
import { readFileSync } from 'node:fs';
import { Tmux } from '../tmux/index.js';
import { newestHookLine, requestText } from '../workers/hooks.js';
import { listWorkerNames, readWorker } from '../workers/record.js';
import { workerStatus } from '../workers/status.js';
import { RunWatcher } from '../workers/watch.js';
import { renderBoard, type BoardRow, type BoardView } from './render.js';

/** How often the clocks move when nothing else happens. */
export const CLOCK_MS = 5000;

/** What the monitor last saw on a worker's screen (an approval prompt, a limit) while it runs. */
type Observation = { state: string; reason?: string; time: number };

// One event's effect on what the monitor saw: a worker's own event (it started, ended, was resumed) clears it.
function observe(seen: Map<string, Observation>, e: RunEvent): void {
  if (!e.worker) return;
  if (e.kind === 'monitor.observed') seen.set(e.worker, { state: String(e.detail?.state ?? ''), reason: e.detail?.reason as string | undefined, time: Date.parse(e.time) });
  else if (e.kind.startsWith('worker.')) seen.delete(e.worker);
}

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

// run.json read here, not through runs/run.js: that module's policy imports cost the board's start 0.1 CPU-s.
function readRunState(run: RunRecord): string {
  try {
    return (JSON.parse(readFileSync(runPaths(run.dir).runJson, 'utf8')) as RunRecord).state;
  } catch {
    return run.state;
  }
}

/** Reads a run's run.json (the board's own, light reader). */
export function readRunRecord(dir: string): RunRecord {
  return JSON.parse(readFileSync(runPaths(dir).runJson, 'utf8')) as RunRecord;
}

/**
 * The board's picture of a run, from its files, kept up to date a worker at a time: a change re-reads only
 * the workers whose files changed (and those a new event is about), so a draw does not grow with the
 * workers that ended long ago; the clock tick re-reads every worker.
 */
export class BoardModel {
  private readonly rows = new Map<string, BoardRow>();
  private readonly seen = new Map<string, Observation>();
  private readonly events: EventTail;
  private stale: Set<string> | 'all' = 'all';

  constructor(private readonly run: RunRecord) {
    this.events = new EventTail(run.dir);
  }

  /** These workers' files changed (`all`: look at every one again). */
  touch(names: Set<string> | 'all'): void {
    if (names === 'all') this.stale = 'all';
    else if (this.stale !== 'all') for (const n of names) this.stale.add(n);
  }

  /** The picture now (window numbers are the board's to add: it asks tmux for them). */
  view(nowMs = Date.now()): BoardView {
    const { events, restarted } = this.events.read();
    if (restarted) {
      this.seen.clear();
      this.stale = 'all';
    }
    for (const e of events) {
      observe(this.seen, e);
      if (e.worker && this.stale !== 'all') this.stale.add(e.worker);
    }
    const names = listWorkerNames(this.run.dir);
    const present = new Set(names);
    for (const name of this.rows.keys()) if (!present.has(name)) this.rows.delete(name);
    for (const name of names) {
      const row = this.rows.get(name);
      if (!row || this.stale === 'all' || this.stale.has(name)) this.rows.set(name, rowOf(this.run, name, this.seen.get(name)));
      else if (row.endedMs === undefined) row.activityMs = mtime(workerPaths(this.run.dir, name).paneLog);
    }
    this.stale = new Set();
    const rows = names.map((n) => ({ ...this.rows.get(n)! }));
    const plan = readPlan(this.run.dir);
    return { run: this.run.id, runState: readRunState(this.run), plan: plan?.steps.length ? statusLine(plan) : undefined, rows, nowMs };
  }
}

// One worker's row: status's derivation from its files, with what its hooks or the monitor saw while it runs.
function rowOf(run: RunRecord, name: string, screen: Observation | undefined): BoardRow {
  const rec = readWorker(run.dir, name);
  const s = workerStatus(run, name, 'unknown');
  let state: string = s.state;
  let detail = s.reason;
  if (s.state === 'running' && rec) {
    const hook = newestHookLine(rec);
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
  // A remote worker's window is on its host (no number to jump to here): the host is named instead.
  if (rec?.host) detail = [`on ${rec.host.name}`, detail].filter(Boolean).join(': ');
  return {
    paneId: rec?.host ? undefined : rec?.paneId, name, state, detail,
    startedMs: s.startedAt ? Date.parse(s.startedAt) : undefined, endedMs: s.endedAt ? Date.parse(s.endedAt) : undefined,
    activityMs: mtime(workerPaths(run.dir, name).paneLog),
  };
}

/** Options: where to draw, with colour or not, and what a driver in the same process says. */
export interface BoardOptions {
  out: NodeJS.WriteStream;
  input?: NodeJS.ReadStream;
  colour: boolean;
  tmux: Tmux;
}

/** A board drawing one run until `q`. */
export class Board {
  private readonly watcher: RunWatcher;
  private readonly model: BoardModel;
  private runWatch: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private windows = new Map<string, string>();
  private readonly lookedUp = new Set<string>();
  private driver: string | undefined;
  private drawing = false;
  private again = false;
  private closed = false;
  private digits = '';
  private digitTimer: NodeJS.Timeout | undefined;
  private quit: (() => void) | undefined;

  constructor(private readonly run: RunRecord, private readonly o: BoardOptions) {
    this.watcher = new RunWatcher([run.dir], { hooks: true });
    this.model = new BoardModel(run);
  }

  /** Draws now and on every change until `q` (or close()). */
  async show(): Promise<void> {
    try {
      this.runWatch = watch(this.run.dir, { persistent: false }, (_e, file) => {
        if (file === 'plan.json' || file === 'run.json' || file === 'events.jsonl') void this.draw();
      });
    } catch {
      /* the clock still turns */
    }
    this.timer = setInterval(() => {
      this.model.touch('all');
      void this.draw();
    }, CLOCK_MS);
    this.listenForKeys();
    const done = new Promise<void>((resolve) => (this.quit = resolve));
    void this.loop();
    await this.draw();
    await done;
    this.close();
  }

  /** A line about the driver in this process (a detached pattern run), shown on top. */
  setDriver(line: string | undefined): void {
    this.driver = line;
    void this.draw();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.watcher.close();
    this.runWatch?.close();
    clearInterval(this.timer);
    clearTimeout(this.digitTimer);
    if (this.o.input?.isTTY) this.o.input.setRawMode(false);
    this.o.input?.pause();
    this.quit?.();
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      if ((await this.watcher.changed(60_000)) === 'change' && !this.closed) {
        this.model.touch(this.watcher.reset());
        await this.draw();
      }
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
        const view = this.model.view();
        await this.refreshWindows(view);
        for (const r of view.rows) r.window = r.paneId ? this.windows.get(r.paneId) : undefined;
        view.driver = this.driver;
        const width = Math.max(40, this.o.out.columns || 80);
        const lines = renderBoard(view, width, this.o.colour, this.o.out.rows || 24);
        this.o.out.write(`\x1b[H\x1b[2J${lines.join('\r\n')}\r\n`);
      } while (this.again && !this.closed);
    } catch (error) {
      this.o.out.write(`orch-tmux board: ${String((error as Error).message ?? error)}\r\n`);
    } finally {
      this.drawing = false;
    }
  }

  // Window numbers, asked of tmux (one list-panes call) only when a worker has a pane not looked up yet.
  private async refreshWindows(view: BoardView): Promise<void> {
    const fresh = view.rows.map((r) => r.paneId).filter((p): p is string => p !== undefined && !this.lookedUp.has(p));
    if (!fresh.length) return;
    try {
      const out = await this.o.tmux.run([['list-panes', '-s', '-t', `=${this.run.session}`, '-F', '#{pane_id} #{window_index}']]);
      this.windows = new Map(out.split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
    } catch {
      /* the session is gone: no numbers */
    }
    for (const p of fresh) this.lookedUp.add(p);
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
          else this.digitTimer = setTimeout(() => this.jump(), 600);
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
