import type { AgentProfile } from '../agents/profile.js';
import { loadProfile } from '../agents/resolve.js';
import type { Context, Values } from './command.js';
import { str } from './command.js';

export { looksBinary, readUserFile } from '../os/files.js';

/** The agent used when no --agent is given: ORCH_TMUX_AGENT, else codex. */
export function defaultAgent(env: NodeJS.ProcessEnv): string {
  return env.ORCH_TMUX_AGENT || 'codex';
}

/** The agent profile from --agent, else the default agent. */
export function agentOption(ctx: Context, values: Values, flag = 'agent'): AgentProfile {
  return loadProfile(str(values, flag) ?? defaultAgent(ctx.env), ctx.cwd);
}

/** Placeholder names a profile uses beyond the built-in ones (filled from --var). */
export function profilePlaceholders(profile: AgentProfile): Set<string> {
  const names = new Set<string>();
  for (const item of [...profile.command, ...(profile.resume ?? [])]) {
    for (const m of item.matchAll(/\{\{\s*@?([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)) names.add(m[1]!);
  }
  return names;
}
