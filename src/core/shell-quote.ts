// Quoting for a POSIX shell, in one place: text shown for people to paste (a rehearsal's command, `attach`),
// a crontab line, a hook's command, and the argv run on a host over ssh.

/** One word, always single-quoted (' written as '\''): the shell reads it back byte for byte. */
export function shellWord(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** One word, quoted only when it needs it; a leading `=` is quoted too (zsh expands `=name` to a path). */
export function quoteWord(s: string): string {
  return /^[A-Za-z0-9_@%+:,./-][A-Za-z0-9_@%+=:,./-]*$/.test(s) ? s : shellWord(s);
}

/** An argv as one command line for a POSIX shell. */
export function quoteForShell(argv: readonly string[]): string {
  return argv.map(quoteWord).join(' ');
}
