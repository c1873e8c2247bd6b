// Errors the CLI maps to exit codes: UsageError (2) is the user's to fix, the rest are ours or the world's.
// Each carries a stable `code` that `--json` prints, so a program can branch on it (docs/agents-orchestrating.md, "Errors").

/** Base of every error orch-tmux raises on purpose; `exitCode` is what the CLI exits with. */
export class OrchError extends Error {
  exitCode = 1;
  /** A stable, snake_case name of the problem for programs (`{"error": {"code": ...}}`). */
  code: string;
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options);
    this.name = new.target.name;
    this.code = options?.code ?? 'failed';
  }
}

/** Bad usage or bad input: one line naming the problem and the fix; exit 2, nothing created. */
export class UsageError extends OrchError {
  override exitCode = 2;
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, { ...options, code: options?.code ?? 'bad_usage' });
  }
}

/** A bounded wait ran out; exit 124 like timeout(1). */
export class TimeoutError extends OrchError {
  override exitCode = 124;
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, { ...options, code: options?.code ?? 'timed_out' });
  }
}
