import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { configContract } from '../contracts/config.js';
import { checkContract } from '../contracts/contract.js';
import { parseYamlFile } from '../contracts/yaml-file.js';
import { UsageError } from '../core/errors.js';
import { isTrusted } from '../contracts/trust.js';
import { parseDuration } from '../core/format.js';
import { DEFAULT_POLICY, type Policy } from '../core/policy-defaults.js';
import { frozenPolicy, type ResolvedPolicy } from './policy-snapshot.js';
export { DEFAULT_DENY, DEFAULT_POLICY, type Policy } from '../core/policy-defaults.js';
export { readPolicySnapshot, refreezePolicy, snapshotPolicy, type ResolvedPolicy } from './policy-snapshot.js';


/** The user's own config file: everything in it applies. */
export function userConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(config, 'orch-tmux', 'config.yaml');
}

/** A project's config file (it comes with the tree): only what tightens applies, unless the user trusted it. */
export function projectConfigFile(projectDir: string): string {
  return join(projectDir, '.orch', 'config.yaml');
}

type Layer = Partial<{ [K in keyof Policy]: Partial<Policy[K]> }>;

// Reads one config file against the contract; undefined when there is no such file.
function readLayer(path: string): { layer: Layer; text: string } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const place = { label: '', file: path };
  const yaml = parseYamlFile(text, place);
  return { layer: checkContract(configContract, yaml.value ?? {}, place, yaml.lineOf), text };
}

const STRICTNESS = { auto: 0, notify: 1, deny: 2 } as const;

// Whether an untrusted file may set this key to this value over the current one: only what tightens.
function tightens(section: string, key: string, value: unknown, current: unknown): boolean {
  switch (`${section}.${key}`) {
    case 'approvals.mode': return STRICTNESS[value as Policy['approvals']['mode']] > STRICTNESS[current as Policy['approvals']['mode']];
    case 'approvals.deny': return true;
    case 'silence.pokeAfter':
    case 'silence.interruptAfter': return (value as number) < (current as number);
    case 'silence.killAfter': return (value as number) > 0 && ((current as number) === 0 || (value as number) < (current as number));
    case 'death.resume': return value === false;
    case 'death.maxResumes': return (value as number) < (current as number);
    case 'death.rerun': return value === false;
    case 'death.maxReruns': return (value as number) < (current as number);
    case 'notify.tmux': return value === true;
    case 'limits.resume': return value === false;
    // Closing ended sessions sooner only tidies up; keeping them longer (or forever) is the user's to choose.
    case 'sessions.keepAfterEnd': return (parseDuration(value as string) ?? Infinity) < (parseDuration(current as string) ?? Infinity);
    // Fewer workers at once only slows a run down; more is the user's to choose.
    case 'concurrency.perRun':
    case 'concurrency.global':
    case 'budget.usd':
    case 'budget.tokens':
    case 'budget.minutes': return (value as number) > 0 && (!current || (value as number) < (current as number));
    default: return false; // allow lists, the poke text and the notify command only loosen or run things
  }
}

/**
 * The policy from the user's config (all of it), the project's `.orch/config.yaml` (all of it when the user
 * trusted this content with `orch-tmux trust`, else only what tightens) and a file given on the command line
 * (all of it). The deny list only grows. Throws UsageError naming a broken file.
 */
export function resolvePolicy(projectDir: string, env: NodeJS.ProcessEnv = process.env, commandLine?: string): ResolvedPolicy {
  const policy: Policy = structuredClone(DEFAULT_POLICY);
  const sources: Record<string, string> = {};
  const ignored: ResolvedPolicy['ignored'] = [];
  const silenceSet = new Set<string>();
  const layers: { file: string; full: boolean }[] = [{ file: userConfigFile(env), full: true }, { file: projectConfigFile(projectDir), full: false }];
  if (commandLine) layers.push({ file: commandLine, full: true });
  for (const { file, full } of layers) {
    const read = readLayer(file);
    if (!read) {
      if (file === commandLine) throw new UsageError(`Policy file ${JSON.stringify(file)} cannot be read: check the path`);
      continue;
    }
    const trusted = full || isTrusted(file, read.text, env);
    const refused: string[] = [];
    for (const section of Object.keys(read.layer) as (keyof Policy)[]) {
      const base = policy[section] as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(read.layer[section] as Record<string, unknown>)) {
        if (!trusted && !tightens(section, k, v, base[k])) {
          if (JSON.stringify(v) !== JSON.stringify(base[k])) refused.push(`${section}.${k}`);
          continue;
        }
        base[k] = section === 'approvals' && k === 'deny' ? [...new Set([...(base[k] as string[]), ...(v as string[])])] : v;
        sources[`${section}.${k}`] = file;
        if (section === 'silence') silenceSet.add(k);
      }
    }
    if (refused.length) ignored.push({ file, keys: refused });
  }
  return { policy: silenceSet.size ? { ...policy, silenceSet: [...silenceSet] } : policy, sources, ignored };
}

/** Checks a policy file (YAML, known keys, valid regexes); throws UsageError naming the problem. Returns its text. */
export function checkPolicyFile(path: string): string {
  const read = readLayer(path);
  if (!read) throw new UsageError(`Policy file ${JSON.stringify(path)} cannot be read: check the path`);
  return read.text;
}

/** One line for people: what an untrusted file was not allowed to loosen, and how to allow it. */
export function describeIgnored(ignored: ResolvedPolicy['ignored']): string[] {
  return ignored.map((i) => `orch-tmux: ${i.file} is not trusted: ignored ${i.keys.join(', ')} (only what tightens applies; \`orch-tmux trust ${i.file}\` to allow it)`);
}

/** The policy for one run: its snapshot, or (a run made before snapshots) the files as they are now. */
export function loadPolicy(runDir: string, projectDir: string, env: NodeJS.ProcessEnv = process.env): Policy {
  return frozenPolicy(runDir) ?? resolvePolicy(projectDir, env).policy;
}

/** The policy for one worker: its agent profile's silence defaults, where no config file set the key. */
export function workerPolicy(policy: Policy, rec: { silence?: Partial<Record<'pokeAfter' | 'interruptAfter' | 'killAfter', number>> }): Policy {
  if (!rec.silence) return policy;
  const silence = { ...policy.silence };
  for (const [k, v] of Object.entries(rec.silence)) if (v !== undefined && !policy.silenceSet?.includes(k)) silence[k as 'pokeAfter'] = v;
  return { ...policy, silence };
}
