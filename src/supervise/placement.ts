// Where a pattern's workers run under --hosts: each on the listed host with the most free slots (its
// maxWorkers minus this run's live workers there and those placed before it), the list's order breaking ties.
// maxWorkers is a cap: the pattern driver starts no more than the listed hosts' free slots at once.
import { UsageError } from '../core/errors.js';
import { FINISHED } from '../core/worker.js';
import { findHost, LOCAL, loadHosts } from '../sites/hosts.js';
import { listWorkerNames, readWorker } from '../store/records.js';
import { type Host } from '../core/host.js';

/** Slots this machine offers when it is one of --hosts (hosts.yaml says it for the others). */
export const LOCAL_SLOTS = 8;

/** Checks --hosts a,b (known names, none twice); returns the names. */
export function parseHostsOption(text: string, env: NodeJS.ProcessEnv, cwd: string): string[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new UsageError('Expected --hosts NAME,NAME... (e.g. --hosts local,box1): see `orch-tmux hosts`', { code: 'bad_hosts' });
  const hosts = loadHosts(env, cwd);
  for (const n of names) findHost(n, hosts);
  return [...new Set(names)];
}

// The listed hosts and how many of this run's live workers each has.
function hostsInUse(runDir: string, hostNames: readonly string[], env: NodeJS.ProcessEnv, cwd: string) {
  const known = loadHosts(env, cwd);
  const hosts = hostNames.map((n) => ({ name: n, host: findHost(n, known) }));
  const used = new Map<string, number>(hostNames.map((n) => [n, 0]));
  for (const w of listWorkerNames(runDir)) {
    const rec = readWorker(runDir, w);
    if (!rec || FINISHED.has(rec.state) || rec.state === 'queued') continue;
    const at = rec.host?.name ?? LOCAL;
    if (used.has(at)) used.set(at, used.get(at)! + 1);
  }
  return { hosts, used };
}

/** How many more of this run's workers the listed hosts take now (their maxWorkers, this machine's LOCAL_SLOTS). */
export function hostRoom(runDir: string, hostNames: readonly string[], env: NodeJS.ProcessEnv, cwd: string): number {
  const { hosts, used } = hostsInUse(runDir, hostNames, env, cwd);
  return hosts.reduce((n, h) => n + Math.max(0, (h.host?.maxWorkers ?? LOCAL_SLOTS) - used.get(h.name)!), 0);
}

/** Picks a host for each worker name, in order; undefined means this machine. */
export function placeWorkers(runDir: string, names: readonly string[], hostNames: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Map<string, Host | undefined> {
  const { hosts, used } = hostsInUse(runDir, hostNames, env, cwd);
  const out = new Map<string, Host | undefined>();
  for (const name of names) {
    const free = (h: { name: string; host?: Host }) => (h.host?.maxWorkers ?? LOCAL_SLOTS) - used.get(h.name)!;
    const best = hosts.reduce((a, b) => (free(b) > free(a) ? b : a));
    used.set(best.name, used.get(best.name)! + 1);
    out.set(name, best.host);
  }
  return out;
}
