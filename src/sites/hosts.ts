// Hosts as data: ~/.config/orch-tmux/hosts.yaml and the project's .orch/hosts.yaml name the machines
// workers may run on. `local` is always this machine.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkContract } from '../contracts/contract.js';
import { hostsContract } from '../contracts/hosts.js';
import { parseYamlFile } from '../contracts/yaml-file.js';
import { UsageError } from '../core/errors.js';
import { isTrusted } from '../contracts/trust.js';
import type { Host } from '../core/host.js';

/** The name that always means this machine. */
export const LOCAL = 'local';

/** The hosts files, later wins: the project's (only once trusted: `orch-tmux trust .orch/hosts.yaml`), then the user's own. */
export function hostsFiles(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] {
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return [join(cwd, '.orch', 'hosts.yaml'), join(config, 'orch-tmux', 'hosts.yaml')];
}

/** Every configured host by name (a bad file is a UsageError naming its line). */
export function loadHosts(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Map<string, Host> {
  const out = new Map<string, Host>();
  const [project] = hostsFiles(env, cwd);
  for (const file of hostsFiles(env, cwd)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    // A repository's file decides where your workers (and your environment) go, and its sshConfig what ssh
    // runs: it counts only as you trusted it.
    if (file === project && !isTrusted(file, text, env)) continue;
    const data = parseHosts(text, file);
    for (const [name, h] of Object.entries(data.hosts)) {
      out.set(name, {
        name, ssh: h.ssh, sshConfig: h.sshConfig ? resolve(cwd, h.sshConfig) : undefined, dir: h.dir ?? '.orch-tmux/runs', cwd: h.cwd,
        env: h.env ?? {}, forward: h.forward ?? [], maxWorkers: h.maxWorkers ?? 8, source: file,
      });
    }
  }
  return out;
}

/** A hosts file's data, checked (a problem is one line naming FILE:LINE). */
export function parseHosts(text: string, file: string) {
  const place = { label: 'Hosts file ', file };
  const yaml = parseYamlFile(text, place);
  return checkContract(hostsContract, yaml.value ?? {}, place, yaml.lineOf);
}

/** The project's hosts file when it exists but is not trusted (so it is ignored), for `hosts` and `doctor` to say. */
export function untrustedHostsFile(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  const [project] = hostsFiles(env, cwd);
  try {
    return isTrusted(project!, readFileSync(project!, 'utf8'), env) ? undefined : project;
  } catch {
    return undefined;
  }
}

/** The named host; `local` is undefined (this machine); an unknown name is a usage error. */
export function findHost(name: string, hosts = loadHosts()): Host | undefined {
  if (name === LOCAL) return undefined;
  const host = hosts.get(name);
  if (!host) {
    const known = [LOCAL, ...hosts.keys()].join(', ');
    throw new UsageError(`Unknown host ${JSON.stringify(name)}: known hosts are ${known} (add it to ${hostsFiles()[1]})`, { code: 'unknown_host' });
  }
  return host;
}
