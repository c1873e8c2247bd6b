import { HostUnreachableError, runOnHost } from '../../sites/ssh.js';
import { workerPaths } from '../../core/paths.js';
import { TmuxError, TmuxNotInstalledError } from '../../tmux/index.js';
import { cleanTranscript, transcriptTail } from '../../os/transcript.js';
import { printJson, type Command } from '../command.js';
import { numberOption } from '../options.js';
import { findWorker } from '../target.js';

// A screen without the empty rows below the last output: a dead pane's tmux note ("Pane is dead ...") at the
// bottom of the window follows the last output directly.
function withoutBlankTail(rows: string[]): string[] {
  const trim = (r: string[]) => {
    const out = [...r];
    while (out.length && out[out.length - 1]!.trim() === '') out.pop();
    return out;
  };
  const body = trim(rows);
  const last = body[body.length - 1];
  return last !== undefined && /^Pane is dead\b/.test(last) ? [...trim(body.slice(0, -1)), last] : body;
}

/** `orch-tmux log`: the live screen (with history) while the pane exists, else the transcript. */
export const command: Command = {
  name: 'log',
  summary: 'Print a worker\'s screen or transcript',
  usage: 'log <run> <worker> [--lines N] [--transcript] [--json]',
  details: 'Reads the pane (ANSI stripped) while it exists; --transcript, or a vanished pane, reads workers/<worker>/pane.log.',
  options: { lines: { type: 'string' }, transcript: { type: 'boolean' } },
  positionals: [2, 2],
  async run(ctx, values, [runRef, name]) {
    const t = findWorker(ctx, runRef!, name!);
    const lines = numberOption(values, 'lines', 50, 1, 100_000);
    let text: string | undefined;
    let source = 'pane';
    if (!values.transcript && t.worker.paneId) {
      try {
        const screen = await t.tmux.capturePane(t.worker.paneId, { start: -lines, strip: true });
        text = withoutBlankTail(screen.split('\n')).slice(-lines).join('\n');
      } catch (error) {
        // A host that does not answer: the copy brought home is shown, and says so.
        if (!(error instanceof TmuxError || error instanceof HostUnreachableError) || error instanceof TmuxNotInstalledError) throw error;
      }
    }
    // A remote worker's transcript stays on its host: fetched from there, else the copy brought home at its end.
    if (text === undefined && t.worker.host && t.worker.hostDir) {
      const r = await runOnHost(t.worker.host, ['tail', '-c', String(256 * 1024), workerPaths(t.worker.hostDir, t.worker.name).paneLog]).catch(() => undefined);
      if (r?.exitCode === 0) {
        source = 'transcript';
        text = cleanTranscript(r.stdout).slice(-lines).join('\n');
      }
    }
    if (text === undefined) {
      source = t.worker.host ? 'transcript (the copy here)' : 'transcript';
      text = transcriptTail(workerPaths(t.run.dir, t.worker.name).paneLog, lines).join('\n');
    }
    if (ctx.json) printJson(ctx, { run: t.run.id, worker: t.worker.name, source, text });
    else ctx.out(`${text}\n`);
    return 0;
  },
};
