// Starting an attempt of a worker on its host: the attempt's files (written here by prepareRunner with the
// host's paths in them) and the runner shipped into its folder there, the caller's environment file
// deleted here once it is there, the window opened in the run's session on the host's tmux.
import { existsSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { OrchError } from '../core/errors.js';
import { workerPaths } from '../core/paths.js';

import { readFacts } from '../runner/facts.js';
import { hasPane } from '../core/panes.js';
import { type WorkerRecord } from '../core/worker.js';
import { settleWorker } from '../store/worker.js';
import { ensureRemoteSession, hostTmux, shipFiles } from '../sites/remote.js';
import { panesFor } from '../sites/seen.js';
import { runOnHost } from '../sites/ssh.js';
import { syncHostsShared } from './host-sync.js';
import { readWorker } from '../store/records.js';
import { type RunRecord } from '../core/run.js';
import { REMOTE_START_POLL_MS } from '../core/timing.js';
import { formatDuration } from '../core/format.js';

/** Ships the attempt's files and opens (or, for a resume with its window still there, respawns) the worker's window on its host. */
export async function openOnHost(run: RunRecord, rec: WorkerRecord, command: string[], attempt: number, respawn?: string): Promise<{ paneId: string }> {
  const host = rec.host!;
  const here = workerPaths(run.dir, rec.name);
  const there = workerPaths(rec.hostDir!, rec.name);
  // The first attempt takes the prompt and the empty private files; a resume only what it adds.
  const first = attempt === 0 ? [here.prompt, here.paneLog, here.lastMessage, here.stdout, here.rehearsalScreen] : [here.resumePrompt];
  const files = [...first, here.launch(attempt), here.envFile].filter((f) => existsSync(f)).map((f) => basename(f));
  try {
    await shipFiles(host, here.dir, there.dir, files);
  } finally {
    rmSync(here.envFile, { force: true });
  }
  const tmux = hostTmux(host);
  const env = { ORCH_TMUX_WORKER: `${run.id}/${rec.name}` };
  try {
    await ensureRemoteSession(host, run, rec.hostDir!);
    if (respawn) {
      await tmux.respawnPane(respawn, command, { kill: true, cwd: rec.cwd, env });
      return { paneId: respawn };
    }
    return await tmux.newWindow({ target: run.session, name: rec.name, cwd: rec.cwd, env, command });
  } catch (error) {
    // No window, no runner to read and delete the environment file: it goes now (a first start takes the folder).
    await runOnHost(host, ['rm', '-rf', '--', attempt === 0 ? there.dir : there.envFile]).catch(() => undefined);
    throw error;
  }
}

/** Waits until the host's runner reports the attempt started (or ended), bringing its facts home; then settles it. */
export async function waitForRemoteStart(run: RunRecord, name: string, timeoutMs: number, paneId?: string): Promise<WorkerRecord> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; ; round++) {
    // Many workers starting at once share each look (one sync of the run at a time).
    await syncHostsShared(run);
    const rec = readWorker(run.dir, name);
    const facts = rec ? readFacts(run.dir, name, rec.resumes) : {};
    if (rec && (facts.start || facts.exit || rec.state !== 'pending')) return settleWorker(run.dir, name, { panes: 'unknown', by: 'spawn' }) ?? rec;
    if (round > 0 && rec && paneId) {
      const panes = panesFor(rec, 'unknown');
      if (panes instanceof Map && !hasPane(panes, paneId)) throw new OrchError(`Worker ${name}'s window on ${rec.host?.name} closed before its agent started`);
    }
    if (Date.now() > deadline) throw new OrchError(`Worker ${name} did not start on ${rec?.host?.name ?? 'its host'} within ${formatDuration(timeoutMs)}: look at its window with \`orch-tmux log ${run.id} ${name}\``);
    await new Promise((r) => setTimeout(r, REMOTE_START_POLL_MS));
  }
}
