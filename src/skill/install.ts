// Installs the shipped skill folder into an agent's skill folder: all folders checked before any is written,
// each written whole (a temporary folder renamed into place), with a manifest of what was written so a later
// install can tell an edited skill (left alone without --force) from our own (updated, or left as it is).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { UsageError } from '../core/errors.js';
import { skillDir } from '../os/package.js';
import type { SkillTarget } from './locations.js';

/** The file beside the skill's own files that records what orch-tmux wrote (name, version, a hash per file). */
export const MANIFEST_FILE = '.orch-tmux-install.json';

/** Siblings of the skill's folder while it is written and swapped in (dot files: no agent reads them as skills). */
const SKILL_TMP_PREFIX = 'orch-tmux-skill-new-';
const SKILL_OLD_PREFIX = 'orch-tmux-skill-old-';

/** What install did in one folder. */
export type InstallAction = 'created' | 'updated' | 'unchanged' | 'replaced';

/** One folder's outcome. */
export interface InstallResult extends SkillTarget {
  action: InstallAction;
}

interface Manifest {
  name: string;
  version: string;
  files: Record<string, string>;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Every file of a folder (relative path -> bytes), the manifest left out. */
function readTree(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let entries;
  try {
    entries = readdirSync(root, { recursive: true, withFileTypes: true });
  } catch {
    return files; // absent, or a file where the folder should be (then it counts as someone's)
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    // parentPath is Node 20.12+; older 20.x name it path.
    const rel = relative(root, join(entry.parentPath ?? (entry as { path?: string }).path ?? root, entry.name));
    if (rel !== MANIFEST_FILE) files.set(rel, readFileSync(join(root, rel)));
  }
  return files;
}

/** The skill as shipped in the package: its files by relative path. */
export function shippedSkill(): Map<string, Buffer> {
  return readTree(skillDir);
}

const sameTree = (a: Map<string, Buffer>, b: Map<string, Buffer>) => a.size === b.size && [...a].every(([k, v]) => b.get(k)?.equals(v));

function readManifest(dir: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

// What a folder holds now: nothing, our skill as shipped, our skill as an older install wrote it, or someone's edit.
function folderState(dir: string, shipped: Map<string, Buffer>): 'absent' | 'current' | 'ours' | 'edited' {
  if (!existsSync(dir)) return 'absent';
  const now = readTree(dir);
  if (sameTree(now, shipped)) return 'current';
  const manifest = readManifest(dir);
  if (!manifest) return 'edited';
  const recorded = Object.entries(manifest.files);
  const untouched = recorded.length === now.size && recorded.every(([rel, hash]) => now.has(rel) && sha256(now.get(rel)!) === hash);
  return untouched ? 'ours' : 'edited';
}

// Writes the skill into a sibling temporary folder, then swaps it in: a reader sees the old skill or the new one.
function writeSkill(dir: string, shipped: Map<string, Buffer>, version: string): void {
  const tag = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const tmp = join(dirname(dir), `.${SKILL_TMP_PREFIX}${tag}`);
  const old = join(dirname(dir), `.${SKILL_OLD_PREFIX}${tag}`);
  mkdirSync(tmp, { recursive: true, mode: 0o755 });
  try {
    for (const [rel, bytes] of shipped) {
      mkdirSync(dirname(join(tmp, rel)), { recursive: true });
      writeFileSync(join(tmp, rel), bytes, { mode: 0o644 });
    }
    const manifest: Manifest = { name: 'orch-tmux', version, files: Object.fromEntries([...shipped].map(([rel, bytes]) => [rel, sha256(bytes)])) };
    writeFileSync(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
}

/** Installs the skill in every target; a folder someone edited stops the whole install unless `force`. */
export function installSkill(targets: SkillTarget[], o: { force: boolean; version: string }): InstallResult[] {
  const shipped = shippedSkill();
  if (!shipped.has('SKILL.md')) throw new Error(`orch-tmux: the package has no skill at ${skillDir}`);
  const states = targets.map((t) => ({ target: t, state: folderState(t.dir, shipped) }));
  const edited = states.filter((s) => s.state === 'edited');
  if (edited.length && !o.force) {
    throw new UsageError(`${edited.map((s) => s.target.dir).join(' and ')} ${edited.length > 1 ? 'hold skills' : 'holds a skill'} that orch-tmux did not write or that was edited since: nothing was written; keep your edits, or replace them with --force`, { code: 'skill_edited' });
  }
  for (const t of targets) mkdirSync(dirname(t.dir), { recursive: true });
  return states.map(({ target, state }) => {
    // A current skill without a manifest (copied by hand) gets one, so later installs know it.
    if (state === 'current' && readManifest(target.dir)) return { ...target, action: 'unchanged' };
    writeSkill(target.dir, shipped, o.version);
    const action: InstallAction = state === 'absent' ? 'created' : state === 'edited' ? 'replaced' : state === 'current' ? 'unchanged' : 'updated';
    return { ...target, action };
  });
}
