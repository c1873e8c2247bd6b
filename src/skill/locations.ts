// Where each agent reads Agent Skills from (checked against each agent's documentation and measured; the
// versions are in docs/agents-orchestrating.md): codex ~/.agents/skills (gemini reads it too), claude
// ~/.claude/skills, gemini ~/.gemini/skills (where `gemini skills install` puts one); the same folders under
// the project for --project (gemini's `--scope workspace` writes .gemini/skills).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';

/** The agents whose skill folders we know. */
export const SKILL_AGENTS = ['codex', 'claude', 'gemini'] as const;
export type SkillAgent = (typeof SKILL_AGENTS)[number];

/** The skill's folder name (its `name:`). */
export const SKILL_NAME = 'orch-tmux';

/** One folder the skill goes in, and which agents read it there. */
export interface SkillTarget {
  dir: string;
  readers: SkillAgent[];
}

/** The folders for `--agent` and the scope; `notes` say what was chosen and why, for people. */
export function skillTargets(agent: SkillAgent | 'all', scope: 'user' | 'project', env: NodeJS.ProcessEnv, cwd: string): { targets: SkillTarget[]; notes: string[] } {
  let base: string;
  if (scope === 'project') base = resolve(cwd);
  else if (env.HOME) base = resolve(env.HOME);
  else throw new UsageError('HOME is not set, so there is no home folder to install the skill in: set HOME, or use --project');
  const shared: SkillTarget = { dir: join(base, '.agents', 'skills', SKILL_NAME), readers: ['codex', 'gemini'] };
  const claude: SkillTarget = { dir: join(base, '.claude', 'skills', SKILL_NAME), readers: ['claude'] };
  const gemini: SkillTarget = { dir: join(base, '.gemini', 'skills', SKILL_NAME), readers: ['gemini'] };
  const notes: string[] = [];
  // Gemini reads .agents/skills as an alias of its own folder; a second copy makes it print "Skill conflict detected".
  if (existsSync(gemini.dir) && (agent === 'all' || agent === 'codex')) notes.push(`gemini now reads ${shared.dir}; the copy in ${gemini.dir} is a second one (gemini warns "Skill conflict detected"): remove it`);
  switch (agent) {
    case 'codex': return { targets: [shared], notes };
    case 'claude': return { targets: [claude], notes };
    case 'gemini':
      if (existsSync(join(shared.dir, 'SKILL.md'))) return { targets: [shared], notes: [`gemini reads ${shared.dir} (the copy codex reads too): updated there, no second copy in ${gemini.dir}`] };
      return { targets: [gemini], notes };
    case 'all': return { targets: [shared, claude], notes };
  }
}
