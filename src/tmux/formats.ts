import { TmuxError } from './errors.js';

// One separator that never occurs in the fields we ask for (ASCII unit separator).
const SEP = '\x1f';

/** Builds a `-F` string from tmux format variable names, e.g. ['pane_id','pane_dead']. */
export function formatOf(fields: readonly string[]): string {
  return fields.map((f) => `#{${f}}`).join(SEP);
}

/** Parses `-F` output into records keyed by the same names; a line with the wrong field count is an error. */
export function parseFormatted<F extends string>(subcommand: string, fields: readonly F[], stdout: string): Record<F, string>[] {
  const rows: Record<F, string>[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const parts = line.split(SEP);
    if (parts.length !== fields.length) {
      throw new TmuxError(subcommand, fields, 0, `expected ${fields.length} fields, got ${parts.length} in ${JSON.stringify(line)}`);
    }
    const row = {} as Record<F, string>;
    fields.forEach((f, i) => (row[f] = parts[i] as string));
    rows.push(row);
  }
  return rows;
}

/** Escapes `#` so tmux's format expansion (new-window -c, pipe-pane) leaves text as it is. */
export function escapeFormat(text: string): string {
  // `##` expands to `#`, but a run of `#` right before `[` (a style, `#[fg=red]`) is kept as it is,
  // doubled or not (tmux 3.3a: `-c 'a##[x]'` gives the folder `a##[x]`), so such runs stay unescaped.
  return text.replace(/#+/g, (run, at: number) => (text[at + run.length] === '[' ? run : run + run));
}

/** Quotes text for the one place tmux insists on a shell command (pipe-pane): single quotes, `%` and `#` escaped. */
export function shellQuoteForTmux(text: string): string {
  // pipe-pane's command also goes through strftime before the formats (tmux 3.3a: `%s` became the
  // epoch in a log file name), so `%` is doubled; -c and new-window commands do not do this.
  return escapeFormat(`'${text.replace(/'/g, `'\\''`).replace(/%/g, '%%')}'`);
}
