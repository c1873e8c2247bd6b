import { UsageError } from '../../core/errors.js';
import { TemplateRegistry, templateDirs } from '../../agents/templates.js';
import { printJson, type Command, type Context } from '../command.js';
import { builtinPatterns, loadPattern, patternPath, type Pattern } from '../../pipeline/pattern.js';
import { describePattern } from '../../views/pattern-help.js';
import { table } from '../../views/table.js';

/** `orch-tmux templates`: list templates (built-in and user overrides) or show one. */
export const command: Command = {
  name: 'templates',
  summary: 'List or show prompt templates',
  usage: 'templates [list | show NAME|PATTERN] [--json]',
  details: 'Your own templates in .orch/templates/ or $XDG_CONFIG_HOME/orch-tmux/templates/ override built-ins by name.',
  options: {},
  positionals: [0, 2],
  async run(ctx, _values, [verb = 'list', name]) {
    const registry = new TemplateRegistry(templateDirs(ctx.cwd, ctx.env));
    if (verb === 'list' && name === undefined) {
      const rows = registry.list().map((t) => ({ name: t.name, origin: registry.origin.get(t.name), description: t.description, file: t.file }));
      if (ctx.json) printJson(ctx, { templates: rows });
      else ctx.out(table(['NAME', 'FROM', 'DESCRIPTION'], rows.map((r) => [r.name, r.origin ?? '', r.description])));
      return 0;
    }
    if (verb === 'show' && name) {
      const t = registry.get(name);
      if (!t) return showPattern(ctx, name);
      if (ctx.json) printJson(ctx, { ...t, origin: registry.origin.get(t.name) });
      else ctx.out(`# ${t.name} (${t.file})\n${t.description}\n\nVariables:\n${Object.entries(t.variables).map(([k, v]) => `  ${k}${v.required ? ' (required)' : v.default ? ` (default ${JSON.stringify(v.default)})` : ''}: ${v.description ?? ''}`).join('\n')}\n\n${t.body}\n`);
      return 0;
    }
    throw new UsageError('Usage: orch-tmux templates [list | show NAME]');
  },
};

// `templates show review-fix`: a pattern's variables and stages, when no template has that name.
function showPattern(ctx: Context, name: string): number {
  let pattern: Pattern;
  try {
    pattern = loadPattern(patternPath(name, ctx.cwd));
  } catch (error) {
    if (!(error instanceof UsageError) || /[/.]/.test(name)) throw error;
    throw new UsageError(`Unknown template or pattern ${JSON.stringify(name)}: see \`orch-tmux templates list\` (patterns: ${builtinPatterns().join(', ')})`);
  }
  if (ctx.json) printJson(ctx, { pattern });
  else ctx.out(describePattern(pattern));
  return 0;
}
