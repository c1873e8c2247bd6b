// Options `skill install` and `mcp install` share: which agent, and user or project scope.
import { UsageError } from '../core/errors.js';
import { SKILL_AGENTS, type SkillAgent } from '../skill/locations.js';
import { str, type Values } from './command.js';

/** `--agent` for install commands: one of the agents, or all (the default). */
export function agentChoice(values: Values): SkillAgent | 'all' {
  const agent = str(values, 'agent') ?? 'all';
  if (agent !== 'all' && !(SKILL_AGENTS as readonly string[]).includes(agent)) throw new UsageError(`Expected --agent ${SKILL_AGENTS.join(', ')} or all, got ${JSON.stringify(agent)}`);
  return agent as SkillAgent | 'all';
}

/** `--user` (the default) or `--project`, not both. */
export function scopeChoice(values: Values): 'user' | 'project' {
  if (values.user && values.project) throw new UsageError('Give --user or --project, not both');
  return values.project ? 'project' : 'user';
}
