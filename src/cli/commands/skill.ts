import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { skillDir } from '../../os/package.js';
import { readFrontMatter } from '../../skill/front-matter.js';
import { installSkill, shippedSkill } from '../../skill/install.js';
import { skillTargets } from '../../skill/locations.js';
import { packageVersion } from '../../os/version.js';
import { printJson, type Command, type Context, type Values } from '../command.js';
import { agentChoice, scopeChoice } from '../install-options.js';

function install(ctx: Context, values: Values): number {
  const { targets, notes } = skillTargets(agentChoice(values), scopeChoice(values), ctx.env, ctx.cwd);
  const results = installSkill(targets, { force: values.force === true, version: packageVersion() });
  if (ctx.json) printJson(ctx, { skill: 'orch-tmux', installed: results, notes });
  else {
    for (const r of results) ctx.out(`${r.action} ${r.dir} (read by ${r.readers.join(', ')})\n`);
    for (const n of notes) ctx.err(`orch-tmux skill: note: ${n}\n`);
  }
  return 0;
}

function show(ctx: Context): number {
  const files = shippedSkill();
  const text = files.get('SKILL.md')!.toString('utf8');
  const { name, description } = readFrontMatter(text);
  if (ctx.json) printJson(ctx, { name, description, dir: skillDir, files: [...files.keys()].sort(), text });
  else ctx.out(`${text}\n(${join(skillDir, 'SKILL.md')}; more in ${join(skillDir, 'references')}/)\n`);
  return 0;
}

/** `orch-tmux skill`: install the Agent Skill that teaches an agent to orchestrate with orch-tmux, or print it. */
export const command: Command = {
  name: 'skill',
  summary: 'Install the orch-tmux Agent Skill for codex, claude or gemini (or print it)',
  usage: 'skill install [--agent codex|claude|gemini|all] [--user | --project] [--force] [--json]\n       orch-tmux skill show [--json]',
  details: [
    'install copies skills/orch-tmux/ (SKILL.md and references/) where the agents read skills:',
    '  codex: ~/.agents/skills/orch-tmux (gemini reads it too); claude: ~/.claude/skills/orch-tmux;',
    '  gemini: ~/.gemini/skills/orch-tmux, unless the ~/.agents copy is there; all (the default): ~/.agents and ~/.claude.',
    '--project: the same folders under the current directory (.agents/skills, .claude/skills, .gemini/skills).',
    'Each copy carries a manifest (.orch-tmux-install.json): installing again updates our own copy, leaves a',
    'current one alone, and refuses (exit 2, nothing written) a copy someone edited, unless --force.',
  ].join('\n'),
  options: { agent: { type: 'string' }, user: { type: 'boolean' }, project: { type: 'boolean' }, force: { type: 'boolean' } },
  positionals: [1, 1],
  async run(ctx, values, [verb]) {
    if (verb === 'install') return install(ctx, values);
    if (verb === 'show') {
      if (['agent', 'user', 'project', 'force'].some((k) => values[k] !== undefined)) throw new UsageError('`skill show` takes no options but --json: it prints the skill as shipped');
      return show(ctx);
    }
    throw new UsageError(`Unknown skill action ${JSON.stringify(verb)}: use install or show`);
  },
};
