#!/usr/bin/env node
// The executable: the caller's environment file, then argv -> command (main.ts); the only place that sets the exit code.
import { main } from './cli/main.js';

// A detached driver gets the caller's environment through a file it deletes on reading (env-file.ts).
if (process.env.ORCH_TMUX_ENV_FILE) {
  const { takeEnvFile } = await import('./runner/env-file.js');
  takeEnvFile(process.env.ORCH_TMUX_ENV_FILE);
  delete process.env.ORCH_TMUX_ENV_FILE;
}
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`orch-tmux: internal error: ${String(error?.stack ?? error)}\n`);
    process.exitCode = 70;
  },
);
