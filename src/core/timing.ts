// Every timeout, interval and delay of orch-tmux, named once, with why. (The window's runner, a POSIX sh
// script, names its own at its top: scripts/orch-runner.)

// -- processes and tmux --
/** One tmux client call, start to exit (wait-for passes its own). */
export const TMUX_CALL_TIMEOUT_MS = 15_000;
/** A program asked to stop (SIGTERM) is killed (SIGKILL) this long after. */
export const KILL_AFTER_TERM_MS = 2_000;
/** A record lock another process holds is waited for this long, then the command fails (`locked`). */
export const LOCK_WAIT_MS = 10_000;
/** A lock file younger than this that cannot be read is being written by its taker (not torn). */
export const TORN_LOCK_MS = 5_000;

// -- starting workers --
/** How long a spawn, resume or rerun waits for the runner to report that the agent started. */
export const START_TIMEOUT_MS = 15_000;
/** How often a starting worker's window is looked for (its runner may have died before it set remain-on-exit). */
export const START_WINDOW_CHECK_MS = 1_000;
/** How often a remote worker's start facts are brought home while it starts. */
export const REMOTE_START_POLL_MS = 50;
/** A pending worker whose window did not open after this long is not going to start (its starter died?). */
export const START_NOTICE_MS = 5_000;
/** A pending worker is lost when nobody started it within this time. */
export const START_GRACE_MS = 20_000;

// -- waiting and settling --
/** How often wait checks the files and tmux when no change came (a runner killed -9 writes nothing). */
export const FALLBACK_CHECK_MS = 10_000;
/** How often `wait` looks at a followed pattern run when no file event came. */
export const RUN_CHANGE_FALLBACK_MS = 1_000;
/** The settle step stays this long for the rest of a burst of ends after its queue emptied. */
export const SETTLE_LINGER_MS = 2_000;
/** A queued end counts as on its way to a settle step this long (one letting go and taking the lock again). */
export const QUEUE_GRACE_MS = 1_000;
/** A remote fact's time came home by tar in whole seconds: a start may be up to this much after it shows. */
export const REMOTE_FACT_CLOCK_MS = 1_000;

// -- the monitor and the screen --
/** A poke's own echo moves #{window_activity} (1 s resolution): activity this soon after it is not the agent. */
export const POKE_ECHO_MS = 1_000;
/** A screen must have changed this long after a hook line to count as news the hook did not report. */
export const HOOK_SCREEN_SLACK_MS = 1_000;
/** A pattern run's stage whose next worker waits for a slot other runs hold (concurrency.global) looks again this often. */
export const QUEUE_POLL_MS = 1_000;
/** The longest single sleep while a driver waits for a usage limit to reset (then it looks again). */
export const LIMIT_WAIT_STEP_MS = 3_600_000;
/** A notify command is stopped after this long. */
export const NOTIFY_TIMEOUT_MS = 10_000;
/** A notify command's output is read at most this long after it exits (a child of it may hold the pipe). */
export const NOTIFY_OUTPUT_GRACE_MS = 1_000;
/** The approval decider's wake-up of the worker's and the server's channels is given this long. */
export const HOOK_SIGNAL_TIMEOUT_MS = 5_000;
/** How long an agent waits for one hook to answer, in seconds (approvals may start Node and notify). */
export const HOOK_TIMEOUT_S = { approval: 30, other: 10 } as const;

// -- sending keys --
/** After the text is pasted, how long before Enter is pressed. */
export const SEND_SETTLE_MS = 120;
/** How long the submitted text is looked for on the screen before the send counts as not confirmed. */
export const SEND_CONFIRM_MS = 2_500;
/** How often the screen is looked at while confirming a send. */
export const SEND_POLL_MS = 25;

// -- git and files --
/** A quick git question (rev-parse, config, diff --quiet, stash create). */
export const GIT_QUICK_TIMEOUT_MS = 30_000;
/** A git command that may write many files (worktree add, add -A, commit, diff of a whole change). */
export const GIT_TIMEOUT_MS = 120_000;
/** tar of a worker's files for a host, or of what it sends back. */
export const TAR_TIMEOUT_MS = 30_000;

// -- ssh --
/** One call over a host's shared connection. */
export const SSH_CALL_TIMEOUT_MS = 30_000;
/** Starting a host's shared connection (the master), start to ready. */
export const SSH_MASTER_START_MS = 20_000;
/** How long a caller waits for another process's master to be ready. */
export const SSH_MASTER_WAIT_MS = 15_000;
/** How often a caller looks for that master. */
export const SSH_MASTER_POLL_MS = 50;
/** A session the host refused (MaxSessions) is tried again after this, growing by as much each time. */
export const SSH_SESSION_RETRY_MS = 25;
/** ssh's ConnectTimeout and ServerAliveInterval (seconds) and ServerAliveCountMax: a dead link is noticed in ~10 s. */
export const SSH_CONNECT_TIMEOUT_S = 5;
export const SSH_ALIVE_INTERVAL_S = 5;
export const SSH_ALIVE_COUNT = 2;
/** A shared connection stays this many idle seconds (ControlPersist). */
export const SSH_PERSIST_S = 600;
/** Asking a host what it has (tmux, agents). */
export const HOST_PROBE_TIMEOUT_MS = 20_000;

// -- commands --
/** `doctor` asking a program its version, or a shell what it is. */
export const VERSION_PROBE_TIMEOUT_MS = 10_000;
/** Reading or writing the crontab. */
export const CRONTAB_TIMEOUT_MS = 30_000;
/** An agent's own `mcp add` (its Node start included). */
export const AGENT_COMMAND_TIMEOUT_MS = 60_000;
/** `kill`'s default grace between the interrupt key and SIGTERM, in seconds. */
export const KILL_GRACE_DEFAULT_S = 5;
/** The monitor kills a stalled worker with this grace. */
export const MONITOR_KILL_GRACE_MS = 2_000;
/** `monitor --watch`: the default interval between passes when nothing wakes it, in seconds. */
export const MONITOR_INTERVAL_DEFAULT_S = 30;

// -- the board --
/** How often the board's clocks move when nothing else happens. */
export const BOARD_CLOCK_MS = 5_000;
/** The board waits this long for a run's files when nothing woke it (then looks again). */
export const BOARD_IDLE_WAKE_MS = 60_000;
/** After one digit, how long the board waits for a second before jumping to that window. */
export const BOARD_DIGIT_WAIT_MS = 600;
/** How long the board waits for run.json when it starts before the run's maker has written it. */
export const BOARD_RUN_RECORD_WAIT_MS = 10_000;

// -- stopping workers --
/** After SIGTERM, how long `kill` waits for the worker to end before SIGKILL. */
export const KILL_TERM_WAIT_MS = 1_000;
/** After SIGKILL, how long `kill` waits for the end to be recorded. */
export const KILL_KILL_WAIT_MS = 2_000;
/** #{window_activity} has one-second resolution: an activity second that had not ended when last looked counts as moved. */
export const ACTIVITY_RESOLUTION_MS = 1_000;

/** No bound: the longest delay a Node timer takes (a `wait-for` that only a signal or the caller ends). */
export const NO_TIMEOUT_MS = 2 ** 31 - 1;
