// The policy frozen into a run when it starts (<run>/policy.json): this module owns that file. Light on
// purpose: the permission hook (supervise/hook-main.ts) reads it on the path of an agent's approval.
import { UsageError } from '../core/errors.js';
import { writeJsonAtomic } from '../os/atomic.js';
import { runPaths } from '../core/paths.js';
import { withLock } from '../os/lock.js';
import { commitRecord, readCommitted, settleIntent } from './commit.js';
import { DEFAULT_POLICY, type Policy } from '../core/policy-defaults.js';

/** The policy in force for a run, where each key came from, and what an untrusted file was not allowed to loosen. */
export interface ResolvedPolicy {
  policy: Policy;
  /** `section.key` -> the file that set it (`default` when none did). */
  sources: Record<string, string>;
  ignored: { file: string; keys: string[] }[];
  time?: string;
}

/** Freezes the policy into the run when it starts: later edits to config files change nothing for it. */
export function snapshotPolicy(runDir: string, resolved: ResolvedPolicy): void {
  writeJsonAtomic(runPaths(runDir).policy, { ...resolved, time: resolved.time ?? new Date().toISOString() });
}

/** Freezes a new policy into a running run, with its event in one step (`policy --from`). */
export function refreezePolicy(runDir: string, resolved: ResolvedPolicy, from: string): void {
  const path = runPaths(runDir).policy;
  withLock(runPaths(runDir).lock, () => {
    settleIntent(runDir, path);
    commitRecord(runDir, path, { ...resolved, time: resolved.time ?? new Date().toISOString() }, { kind: 'run.policy', detail: { from, ignored: resolved.ignored } });
  });
}

/** The run's frozen policy; undefined for a run made before snapshots; throws when the snapshot is damaged. */
export function readPolicySnapshot(runDir: string): ResolvedPolicy | undefined {
  const path = runPaths(runDir).policy;
  const text = readCommitted(runDir, path);
  if (text === undefined) return undefined;
  try {
    const snap = JSON.parse(text) as ResolvedPolicy;
    if (!snap?.policy?.approvals || !snap.policy.silence || !snap.policy.death || !snap.policy.notify) throw new Error('missing sections');
    return snap;
  } catch (error) {
    throw new UsageError(`${path}: damaged policy snapshot (${(error as Error).message})`);
  }
}

/** The run's frozen policy (a snapshot made before `limits`, `sessions` or `death.rerun` existed gets their defaults); undefined without one. */
export function frozenPolicy(runDir: string): Policy | undefined {
  const policy = readPolicySnapshot(runDir)?.policy;
  if (!policy) return undefined;
  const older: Partial<Policy> = policy;
  return { ...policy, death: { ...DEFAULT_POLICY.death, ...older.death }, limits: older.limits ?? DEFAULT_POLICY.limits, sessions: older.sessions ?? DEFAULT_POLICY.sessions };
}
