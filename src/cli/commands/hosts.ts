import { LOCAL, loadHosts, untrustedHostsFile } from '../../sites/hosts.js';
import { HostUnreachableError, runOnHost } from '../../sites/ssh.js';
import { runProgram } from '../../os/run-program.js';
import { printJson, type Command } from '../command.js';
import { table } from '../../views/table.js';
import { type Host } from '../../core/host.js';
import { HOST_PROBE_TIMEOUT_MS } from '../../core/timing.js';

/** The agent CLIs looked for on each host. */
const AGENTS = ['codex', 'claude', 'gemini'];

// Prints the tmux version, then one `name path` line per agent CLI found on the PATH given (or the host's own).
const PROBE = `[ -n "$1" ] && PATH=$1; shift; tmux -V 2>/dev/null || echo "tmux missing"
for a do p=$(command -v "$a" 2>/dev/null) && echo "$a $p"; done; true`;

/** One host as `hosts` reports it. */
export interface HostReport {
  name: string;
  ssh?: string;
  dir?: string;
  maxWorkers?: number;
  /** Names of what a worker there gets of your environment besides its agent profile's forwardEnv: its env and forward keys. */
  sends?: string[];
  reachable: boolean;
  tmux: string | null;
  agents: Record<string, string | null>;
  error?: string;
}

function parseProbe(name: string, out: string, extra: Partial<HostReport>): HostReport {
  const [first, ...rest] = out.trim().split('\n');
  const found = new Map(rest.map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
  const tmux = /^tmux (\S+)/.exec(first ?? '')?.[1] ?? null;
  return { name, ...extra, reachable: true, tmux, agents: Object.fromEntries(AGENTS.map((a) => [a, found.get(a) ?? null])) };
}

// Probes a host over its shared connection (bounded by ssh's ConnectTimeout and a 20 s limit).
async function probe(host: Host): Promise<HostReport> {
  const extra = { ssh: host.ssh, dir: host.dir, maxWorkers: host.maxWorkers, sends: [...new Set([...Object.keys(host.env), ...host.forward])].sort() };
  try {
    const r = await runOnHost(host, ['sh', '-c', PROBE, 'sh', host.env.PATH ?? '', ...AGENTS], { timeoutMs: HOST_PROBE_TIMEOUT_MS });
    return parseProbe(host.name, r.stdout, extra);
  } catch (error) {
    if (!(error instanceof HostUnreachableError)) throw error;
    return { name: host.name, ...extra, reachable: false, tmux: null, agents: {}, error: error.message };
  }
}

/** `orch-tmux hosts`: the machines of hosts.yaml, each asked (in parallel) whether it answers, its tmux and agent CLIs. */
export const command: Command = {
  name: 'hosts',
  summary: 'List the hosts workers may run on (hosts.yaml), with reachability, tmux and agent CLIs found',
  usage: 'hosts [--json]',
  details: [
    'Hosts come from ~/.config/orch-tmux/hosts.yaml (and .orch/hosts.yaml), e.g.',
    '  hosts:',
    '    box1: { ssh: me@box1.example.com, dir: .orch-tmux/runs, maxWorkers: 8 }',
    'ssh is anything `ssh` accepts (aliases, ports, keys and jump hosts from your ssh config). A host needs',
    'sh, tar and tmux; one ssh connection per host is opened and shared by every call (ControlMaster).',
    'A project\'s .orch/hosts.yaml counts only once trusted (`orch-tmux trust .orch/hosts.yaml`).',
    'A host gets of your environment only what its agent profile\'s forwardEnv and the host\'s env: and',
    'forward: [NAME, ...] name (SENDS lists the host\'s part); everything else stays here.',
  ].join('\n'),
  options: {},
  positionals: [0, 0],
  async run(ctx) {
    const hosts = loadHosts(ctx.env, ctx.cwd);
    const local = await runProgram('/bin/sh', ['-c', PROBE, 'sh', ctx.env.PATH ?? '', ...AGENTS], { timeoutMs: HOST_PROBE_TIMEOUT_MS });
    const reports = [parseProbe(LOCAL, local.stdout, {}), ...(await Promise.all([...hosts.values()].map(probe)))];
    const ignored = untrustedHostsFile(ctx.env, ctx.cwd);
    if (ignored) ctx.err(`orch-tmux hosts: ${ignored} is ignored until you trust it (orch-tmux trust ${ignored})\n`);
    if (ctx.json) printJson(ctx, { hosts: reports, ...(ignored ? { ignored: [ignored] } : {}) });
    else {
      ctx.out(table(['HOST', 'SSH', 'REACHABLE', 'TMUX', 'SENDS', 'AGENTS'], reports.map((h) => [
        h.name, h.ssh ?? '', h.reachable ? 'yes' : 'no', h.tmux ?? '-', h.name === LOCAL ? '(all)' : h.sends?.join(',') || '-', h.reachable ? AGENTS.filter((a) => h.agents[a]).join(',') || 'none' : h.error ?? '',
      ])));
      if (hosts.size) ctx.out('SENDS: the names of your environment a host gets, besides each agent profile\'s forwardEnv (codex: OPENAI_API_KEY, ...).\n');
      if (!hosts.size) ctx.out('No hosts configured: add them to ~/.config/orch-tmux/hosts.yaml (see `orch-tmux hosts --help`).\n');
    }
    return 0;
  },
};
