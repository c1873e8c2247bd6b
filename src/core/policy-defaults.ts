// The monitor's policy and its safe defaults: what every config layer starts from (a module of its own so
// the permission hook can read a frozen policy without loading the config-file machinery).

/** The monitor's policy: what to do about approvals, silence and death, and whom to tell. */
export interface Policy {
  approvals: { mode: 'notify' | 'auto' | 'deny'; allow: string[]; deny: string[] };
  /** Seconds: poke after `pokeAfter` of silence, interrupt `interruptAfter` later, kill at `killAfter` (0 = never). */
  silence: { pokeAfter: number; poke: string; interruptAfter: number; killAfter: number };
  /** A dead worker with a session is resumed (`maxResumes`); one with nothing to resume is rerun from its prompt (`maxReruns`). */
  death: { resume: boolean; maxResumes: number; rerun: boolean; maxReruns: number };
  notify: { command: string[]; tmux: boolean };
  /** A worker at a usage or rate limit is never poked; with `resume` it gets `nudge` once the limit resets. */
  limits: { resume: boolean; nudge: string };
  /** How long an ended run's tmux session stays open before the monitor closes it (`1h`, `7d`, `forever`). */
  sessions: { keepAfterEnd: string };
  /** At most `perRun` workers of a run live at once (`--max-parallel` overrides it for a pattern run), and
   * `global` across all runs; 0: no limit. Over a limit, `spawn` queues the worker. */
  concurrency: { perRun: number; global?: number };
  /** The spending limits of a pattern run that gives no --budget-* flag (0: none). */
  budget?: { usd: number; tokens: number; minutes: number };
  /** The silence keys some config file set: an agent profile's silence defaults give way to them. */
  silenceSet?: string[];
}

/** Commands never approved automatically, whatever the allow list says. */
export const DEFAULT_DENY = [
  'rm\\s+-[a-zA-Z]*r[a-zA-Z]*f|rm\\s+-[a-zA-Z]*f[a-zA-Z]*r', 'git\\s+push\\s+.*(--force|-f\\b)', '\\bsudo\\b', '\\bmkfs', '\\bdd\\s+if=',
  'chmod\\s+-R\\s+777', '(curl|wget)[^|]*\\|\\s*(sudo\\s+)?(ba|z)?sh', 'git\\s+reset\\s+--hard', 'git\\s+clean\\s+-[a-z]*f',
  '\\bshutdown\\b|\\breboot\\b', 'DROP\\s+(TABLE|DATABASE)', '>\\s*/dev/sd',
  // A worker must not get its own supervision loosened by asking the monitor to run it.
  'orch-tmux\\s+(trust|policy)\\b',
];

/** Safe defaults: notify on approvals, poke after 5 min, interrupt 10 min later, resume the dead twice. */
export const DEFAULT_POLICY: Policy = {
  approvals: { mode: 'notify', allow: ['.*'], deny: DEFAULT_DENY },
  silence: { pokeAfter: 300, poke: '', interruptAfter: 600, killAfter: 0 },
  death: { resume: true, maxResumes: 2, rerun: true, maxReruns: 1 },
  notify: { command: [], tmux: true },
  limits: { resume: true, nudge: 'The usage limit has reset. Continue the task from where you left off.' },
  sessions: { keepAfterEnd: '1h' },
  concurrency: { perRun: 0, global: 0 },
  budget: { usd: 0, tokens: 0, minutes: 0 },
};

