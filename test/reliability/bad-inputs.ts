// The bad-input table: every command with missing, extra or malformed arguments and files. Each row must
// exit 2 with one line on stderr containing `expect`. docs/reliability.md carries the same table (a test
// checks it); `{token}`s stand for fixtures made by the test (see TOKENS).

/** One bad input: the command line (with tokens), the fragment the one-line message must contain. */
export interface BadInput {
  command: string;
  args: string[];
  expect: string;
  /** Extra environment for this row. */
  env?: Record<string, string>;
  /** Root reads a chmod 000 file: the row is skipped (with a printed reason) when running as root. */
  notAsRoot?: boolean;
  /** Longer than usual (ms) before the row counts as hung. */
  timeoutMs?: number;
}

/** What each token in a row stands for. */
export const TOKENS: Record<string, string> = {
  '{run}': 'a run made for the table: workers done1 and done2 finished, tui an idle interactive agent',
  '{fake}': 'the fake agent profile (test/fixtures/agents/fake.yaml)',
  '{doc}': 'a small Markdown document',
  '{file}': 'a regular file',
  '{missing}': 'a path that does not exist',
  '{dir}': 'a directory',
  '{binary}': 'a file with NUL bytes',
  '{latin1}': 'a text file that is not UTF-8 (latin-1)',
  '{huge}': 'a 65 MiB sparse file (truncate), over every size limit',
  '{unreadable}': 'a file with mode 000 (row skipped as root: root reads it anyway)',
  '{fifo}': 'a named pipe (FIFO) nobody writes to: reading it would block forever',
  '{empty}': 'an empty file',
  '{bad-profile}': 'an agent profile with an unknown key',
  '{no-program}': 'an agent profile whose program is not installed',
  '{bad-pattern}': 'a pattern file with an unknown key',
  '{bad-context}': 'a --context file with an unknown key',
  '{long}': '201 characters',
};

const row = (command: string, line: string, expect: string, extra: Omit<BadInput, 'command' | 'args' | 'expect'> = {}): BadInput => ({
  command, args: split(line), expect, ...extra,
});

/** Splits a row's command line on spaces; 'single quotes' group, \n inside quotes is a newline, '' is empty. */
function split(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|(\S+)/g)) out.push(m[1] !== undefined ? m[1].replace(/\\n/g, '\n').replace(/\\x01/g, '\x01') : m[2]!);
  return out;
}

export const BAD_INPUTS: BadInput[] = [
  // review
  row('review', 'review', 'Give the document'),
  row('review', 'review {doc} {doc} --agent {fake}', 'Wrong number of arguments'),
  row('review', 'review {doc} --agent {fake} --bogus', "Unknown option '--bogus'"),
  row('review', 'review {missing} --agent {fake}', 'does not exist'),
  row('review', 'review {dir} --agent {fake}', 'is a directory'),
  row('review', 'review {binary} --agent {fake}', 'looks binary'),
  row('review', 'review {latin1} --agent {fake}', 'looks binary'),
  row('review', 'review {huge} --agent {fake}', '-byte limit'),
  row('review', 'review {unreadable} --agent {fake}', 'cannot be read', { notAsRoot: true }),
  row('review', 'review {fifo} --agent {fake}', 'not a regular file', { timeoutMs: 10_000 }),
  row('review', 'review {empty} --agent {fake}', 'is empty'),
  row('review', 'review {doc} --agent {fake} --lenses clarity', 'Expected 2 to 4 lenses'),
  row('review', 'review {doc} --agent {fake} --lenses clarity,correctness,risks,evidence,audience', 'Expected 2 to 4 lenses'),
  row('review', 'review {doc} --agent {fake} --lenses clarity,nope', 'Unknown lens'),
  row('review', 'review {doc} --agent {fake} --lenses clarity,clarity', 'Lens listed twice'),
  row('review', 'review {doc} --agent nope', 'Unknown agent'),
  row('review', 'review {doc} --agent {missing}.yaml', 'does not exist'),
  row('review', 'review {doc} --agent {bad-profile}', 'unknown key'),
  row('review', 'review {doc} --agent {no-program}', 'is not on PATH'),
  row('review', 'review {doc} --agent {fake} --context {missing}', 'does not exist'),
  row('review', 'review {doc} --agent {fake} --context {dir}', 'is a directory'),
  row('review', 'review {doc} --agent {fake} --context {bad-context}', 'unknown key'),
  row('review', 'review {doc} --agent {fake} --context {binary}', '--context'),
  row('review', 'review {doc} --agent {fake} --session \'bad name\'', 'Expected a tmux session name'),
  row('review', 'review {doc} --agent {fake} --name=', 'Expected a run name'),
  row('review', 'review {doc} --agent {fake} --name', 'argument missing'),
  row('review', 'review {doc} --agent {fake} --run-dir {file}', 'not a directory'),
  row('review', 'review {doc} --resume {run}', 'not both'),
  row('review', 'review --resume nope', 'Unknown run'),
  row('review', 'review --resume {run}', 'no pattern to resume'),
  // run
  row('run', 'run', 'Give a pattern'),
  row('run', 'run nope', 'Unknown pattern'),
  row('run', 'run {missing}.yaml', 'does not exist'),
  row('run', 'run {dir}/', 'is a directory'),
  row('run', 'run {bad-pattern} --agent {fake}', 'unknown key'),
  row('run', 'run {binary} --agent {fake}', 'a pattern is a YAML mapping'),
  row('run', 'run review --agent {fake}', 'Missing variable `doc`'),
  row('run', 'run review --agent {fake} --var doc={doc} --var bogus=1', 'Unknown variable `bogus`'),
  row('run', 'run review --agent {fake} --var =x', 'Expected --var name=value'),
  row('run', 'run review --agent {fake} --var novalue', 'Expected --var name=value'),
  row('run', 'run review --agent {fake} --var doc={binary}', 'looks binary'),
  row('run', 'run review --agent {fake} --var doc={missing}', 'does not exist'),
  row('run', 'run review --agent {fake} --var doc={doc} --var lenses=clarity', 'Expected 2 to 4 lenses'),
  row('run', 'run review --resume {run}', 'not both'),
  // new
  row('new', 'new extra', 'Wrong number of arguments'),
  row('new', 'new --bogus', "Unknown option '--bogus'"),
  row('new', 'new --cwd {missing}', 'is not a directory'),
  row('new', 'new --cwd {file}', 'is not a directory'),
  row('new', "new --session 'a b'", 'Expected a tmux session name'),
  row('new', 'new --session keepalive', 'already exists'),
  row('new', "new --name 'a\\nb'", 'Expected a run name'),
  row('new', 'new --name {long}', 'Expected a run name'),
  row('new', 'new --run-dir {file}', 'not a directory'),
  // spawn
  row('spawn', 'spawn {run}', 'Wrong number of arguments'),
  row('spawn', 'spawn {run} s01 --agent {fake}', 'Give exactly one of'),
  row('spawn', 'spawn {run} s02 --agent {fake} --prompt a --prompt-file {doc}', 'Give exactly one of'),
  row('spawn', 'spawn {run} Bad --agent {fake} --prompt x', 'Expected a worker name'),
  row('spawn', 'spawn {run} s03 --agent {fake} --prompt-file {missing}', 'does not exist'),
  row('spawn', 'spawn {run} s04 --agent {fake} --prompt-file {dir}', 'is a directory'),
  row('spawn', 'spawn {run} s05 --agent {fake} --prompt-file {huge}', '-byte limit'),
  row('spawn', 'spawn {run} s06 --agent {fake} --prompt-file {unreadable}', 'cannot be read', { notAsRoot: true }),
  row('spawn', 'spawn {run} s07 --agent {fake} --prompt-file {fifo}', 'not a regular file', { timeoutMs: 10_000 }),
  row('spawn', 'spawn {run} s08 --agent {fake} --prompt-file {empty}', 'empty'),
  row('spawn', 'spawn {run} s09 --agent {fake} --prompt=', 'empty'),
  row('spawn', 'spawn {run} s10 --agent {fake} --template nope', 'Unknown template'),
  row('spawn', 'spawn {run} s11 --agent {fake} --template reviewer', 'Missing required variable'),
  row('spawn', 'spawn {run} s12 --agent {fake} --template reviewer --var bogus=1', 'Unknown variable `bogus`'),
  row('spawn', 'spawn {run} s13 --agent {fake} --prompt x --sandbox yolo', 'Expected --sandbox'),
  row('spawn', 'spawn {run} s14 --agent {fake} --prompt x --cwd {missing}', 'is not a directory'),
  row('spawn', 'spawn {run} s15 --agent nope --prompt x', 'Unknown agent'),
  row('spawn', 'spawn {run} s16 --agent {no-program} --prompt x', 'is not on PATH'),
  row('spawn', 'spawn {run} done1 --agent {fake} --prompt x', 'already exists'),
  row('spawn', 'spawn nope s17 --agent {fake} --prompt x', 'Unknown run'),
  row('spawn', 'spawn {run} s18 --agent {fake} --prompt x --var 1bad=2', 'Expected --var name=value'),
  row('spawn', 'spawn {run} s19 --agent {fake} --prompt x', 'Refusing to spawn from inside worker', { env: { ORCH_TMUX_WORKER: 'some-run/some-worker' } }),
  // status, wait, result, log
  row('status', 'status {run} extra', 'Wrong number of arguments'),
  row('status', 'status nope', 'Unknown run'),
  row('status', "status '\\x01'", 'Expected a run id'),
  row('status', 'status --all --bogus', "Unknown option '--bogus'"),
  row('status', 'status --socket', 'argument missing'),
  row('wait', 'wait', 'Wrong number of arguments'),
  row('wait', 'wait {run} nope', 'Unknown worker'),
  row('wait', 'wait {run} --timeout abc', 'Expected --timeout'),
  row('wait', 'wait {run} --timeout=-1', 'Expected --timeout'),
  row('wait', 'wait {run} --timeout', 'argument missing'),
  row('result', 'result {run}', 'Wrong number of arguments'),
  row('result', 'result {run} nope', 'Unknown worker'),
  row('log', 'log {run} done1 --lines 0', 'Expected --lines'),
  row('log', 'log {run} done1 --lines x', 'Expected --lines'),
  row('log', 'log {run} nope', 'Unknown worker'),
  // send, keys, kill, resume
  row('send', 'send {run} tui', 'Give the message'),
  row('send', 'send {run} tui hi --file {doc}', 'one of them'),
  row('send', "send {run} tui ''", 'empty'),
  row('send', 'send {run} tui --file {missing}', 'does not exist'),
  row('send', 'send {run} tui --file {dir}', 'is a directory'),
  row('send', 'send {run} tui --file {binary}', 'binary'),
  row('send', 'send {run} tui --file {huge}', '-byte limit'),
  row('send', 'send {run} tui hi --settle-ms x', 'Expected --settle-ms'),
  row('send', 'send {run} done2 hi --settle-ms 0', 'done', { timeoutMs: 20_000 }),
  row('send', 'send {run}', 'name a worker or give --all'),
  row('send', 'send {run} --all', 'Give the message'),
  row('send', 'send {run} --all tui hi', 'name no worker'),
  row('send', 'send {run} --all hi --force', 'name that worker instead of --all'),
  row('keys', 'keys {run} tui', 'Wrong number of arguments'),
  row('keys', "keys {run} tui 'hello world'", 'Expected tmux key names'),
  row('keys', 'keys {run} nope Enter', 'Unknown worker'),
  row('approve', 'approve {run}', 'Wrong number of arguments'),
  row('approve', 'approve {run} nope', 'Unknown worker'),
  row('approve', 'approve {run} done1', 'has ended'),
  row('deny', 'deny {run} tui', 'not waiting at an approval prompt'),
  row('kill', 'kill {run} nope', 'Unknown worker'),
  row('kill', 'kill {run} Bad', 'Expected a worker name'),
  row('kill', 'kill {run} --grace x', 'Expected --grace'),
  row('resume', 'resume {run} tui', 'kill it first'),
  row('resume', 'resume {run} nope', 'Unknown worker'),
  row('resume', 'resume {run} done1', 'done'),
  // plan, monitor, cron
  row('plan', 'plan {run} start 1', 'has no plan'),
  row('plan', 'plan {run} bogus', 'Unknown plan action'),
  row('plan', 'plan {run} set', 'Give the steps'),
  row('plan', "plan {run} set 'a\\nb'", 'one line'),
  row('monitor', 'monitor', 'Give --once'),
  row('monitor', 'monitor --once --watch', 'Give --once'),
  row('monitor', 'monitor --watch --interval 0', 'Expected --interval'),
  row('monitor', 'monitor extra', 'Wrong number of arguments'),
  row('cron', 'cron', 'Wrong number of arguments'),
  row('cron', 'cron bogus', 'Unknown cron action'),
  row('cron', "cron print --schedule '* *'", 'five-field'),
  // ls, attach, templates, doctor, no such command
  row('ls', 'ls extra', 'Wrong number of arguments'),
  row('ls', 'ls --json=yes', 'does not take an argument'),
  row('attach', 'attach', 'Wrong number of arguments'),
  row('attach', 'attach nope', 'Unknown run'),
  row('templates', 'templates show', 'Usage'),
  row('templates', 'templates show nope', 'Unknown template'),
  row('templates', 'templates bogus', 'Usage'),
  row('doctor', 'doctor extra', 'Wrong number of arguments'),
  // skill, mcp
  row('skill', 'skill', 'Wrong number of arguments'),
  row('skill', 'skill install --agent nope', 'Expected --agent'),
  row('skill', 'skill install --user --project', 'not both'),
  row('mcp', 'mcp bogus', 'Unknown mcp action'),
  row('mcp', 'mcp install --agent nope', 'Expected --agent'),
  row('(none)', 'nope', 'unknown command'),
];

/** The row as a person reads it: the command line with tokens, quoting what has spaces or control characters. */
export function displayArgs(args: string[]): string {
  return args.map((a) => (a === '' ? "''" : /[\s\x00-\x1f']/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

/** The row's line in docs/reliability.md. */
export function docLine(r: BadInput): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const notes = [r.env ? Object.entries(r.env).map(([k, v]) => `${k}=${v}`).join(' ') : '', r.notAsRoot ? 'not as root' : ''].filter(Boolean).join('; ');
  return `| ${cell(r.command)} | \`${cell(displayArgs(r.args))}\` | ${cell(r.expect)} | ${cell(notes)} |`;
}
