// Errors the CLI maps to exit codes: UsageError (2) is the user's to fix, the rest are ours or the world's.

/** Base of every error orch-tmux raises on purpose; `exitCode` is what the CLI exits with. */
export class OrchError extends Error {
  exitCode = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad usage or bad input: one line naming the problem and the fix; exit 2, nothing created. */
export class UsageError extends OrchError {
  override exitCode = 2;
}

/** A bounded wait ran out; exit 124 like timeout(1). */
export class TimeoutError extends OrchError {
  override exitCode = 124;
}
