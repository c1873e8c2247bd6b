import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';

/** The monitor's policy: what to do about approvals, silence and death, and whom to tell. */
export interface Policy {
  approvals: { mode: 'notify' | 'auto' | 'deny'; allow: string[]; deny: string[] };
  /** Seconds: poke after `pokeAfter` of silence, interrupt `interruptAfter` later, kill at `killAfter` (0 = never). */
  silence: { pokeAfter: number; poke: string; interruptAfter: number; killAfter: number };
  death: { resume: boolean; maxResumes: number };
  notify: { command: string[]; tmux: boolean };
  /** The silence keys some config file set: an agent profile's silence defaults give way to them. */
  silenceSet?: string[];
}

/** Commands never approved automatically, whatever the allow list says. */
export const DEFAULT_DENY = [
  'rm\\s+-[a-zA-Z]*r[a-zA-Z]*f|rm\\s+-[a-zA-Z]*f[a-zA-Z]*r', 'git\\s+push\\s+.*(--force|-f\\b)', '\\bsudo\\b', '\\bmkfs', '\\bdd\\s+if=',
  'chmod\\s+-R\\s+777', '(curl|wget)[^|]*\\|\\s*(sudo\\s+)?(ba|z)?sh', 'git\\s+reset\\s+--hard', 'git\\s+clean\\s+-[a-z]*f',
  '\\bshutdown\\b|\\breboot\\b', 'DROP\\s+(TABLE|DATABASE)', '>\\s*/dev/sd',
];

/** Safe defaults: notify on approvals, poke after 5 min, interrupt 10 min later, resume the dead twice. */
export const DEFAULT_POLICY: Policy = {
  approvals: { mode: 'notify', allow: ['.*'], deny: DEFAULT_DENY },
  silence: { pokeAfter: 300, poke: '', interruptAfter: 600, killAfter: 0 },
  death: { resume: true, maxResumes: 2 },
  notify: { command: [], tmux: true },
};

/** Config files, highest priority first: the run's orch-tmux.yaml, the project's .orch/config.yaml, the user's. */
export function configFiles(runDir: string, projectDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return [join(runDir, 'orch-tmux.yaml'), join(projectDir, '.orch', 'config.yaml'), join(config, 'orch-tmux', 'config.yaml')];
}

type Layer = Partial<{ [K in keyof Policy]: Partial<Policy[K]> }>;

// Checks one config file's shape; unknown keys and wrong types are named with the file.
function readLayer(path: string): Layer | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  let raw: Record<string, Record<string, unknown>>;
  try {
    raw = (parseYaml(text) ?? {}) as Record<string, Record<string, unknown>>;
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new UsageError(`${path}${line ? `:${line}` : ''}: bad YAML: ${String((error as Error).message).split('\n')[0]}`);
  }
  const fail = (msg: string): never => {
    throw new UsageError(`${path}: ${msg}`);
  };
  const layer: Layer = {};
  for (const [section, body] of Object.entries(raw)) {
    if (!(section in DEFAULT_POLICY)) fail(`unknown section \`${section}\` (known: ${Object.keys(DEFAULT_POLICY).join(', ')})`);
    const defaults = DEFAULT_POLICY[section as keyof Policy] as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body ?? {})) {
      if (!(key in defaults)) fail(`unknown key \`${section}.${key}\` (known: ${Object.keys(defaults).join(', ')})`);
      const want = defaults[key];
      if (Array.isArray(want)) {
        if (section === 'notify' && key === 'command' && typeof value === 'string') out[key] = value.trim() ? value.trim().split(/\s+/) : [];
        else if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(`\`${section}.${key}\` must be a list of strings`);
        else out[key] = value;
      } else if (typeof want === 'number') {
        if (typeof value !== 'number' || value < 0) fail(`\`${section}.${key}\` must be a number of seconds (0 or more)`);
        out[key] = value;
      } else if (typeof want === 'boolean') {
        if (typeof value !== 'boolean') fail(`\`${section}.${key}\` must be true or false`);
        out[key] = value;
      } else {
        out[key] = String(value ?? '');
      }
    }
    if (section === 'approvals' && out.mode !== undefined && !['notify', 'auto', 'deny'].includes(out.mode as string)) fail('`approvals.mode` must be notify, auto or deny');
    (layer as Record<string, unknown>)[section] = out;
  }
  for (const re of [...(layer.approvals?.allow ?? []), ...(layer.approvals?.deny ?? [])]) {
    try { new RegExp(re); } catch { fail(`invalid regex in approvals: ${re}`); }
  }
  return layer;
}

/** The policy for one run: each file's keys override those of lower files; the deny list only grows. */
export function loadPolicy(runDir: string, projectDir: string, env: NodeJS.ProcessEnv = process.env): Policy {
  const layers = configFiles(runDir, projectDir, env).map(readLayer).filter((l): l is Layer => Boolean(l)).reverse();
  const policy: Policy = structuredClone(DEFAULT_POLICY);
  for (const layer of layers) {
    for (const section of Object.keys(layer) as (keyof Policy)[]) {
      const extra = layer[section] as Record<string, unknown>;
      const base = policy[section] as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(extra)) base[k] = section === 'approvals' && k === 'deny' ? [...new Set([...(base[k] as string[]), ...(v as string[])])] : v;
    }
  }
  const silenceSet = [...new Set(layers.flatMap((l) => Object.keys(l.silence ?? {})))];
  return silenceSet.length ? { ...policy, silenceSet } : policy;
}

/** The policy for one worker: its agent profile's silence defaults, where no config file set the key. */
export function workerPolicy(policy: Policy, rec: { silence?: Partial<Record<'pokeAfter' | 'interruptAfter' | 'killAfter', number>> }): Policy {
  if (!rec.silence) return policy;
  const silence = { ...policy.silence };
  for (const [k, v] of Object.entries(rec.silence)) if (v !== undefined && !policy.silenceSet?.includes(k)) silence[k as 'pokeAfter'] = v;
  return { ...policy, silence };
}
