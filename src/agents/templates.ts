import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { templatesDir } from '../os/package.js';
import { parseTemplate, renderTemplate, type Template } from './template.js';
import { UsageError } from '../core/errors.js';

/** Folders of prompt templates, highest priority first: project, user, built-in. */
export function templateDirs(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): string[] {
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return [join(cwd, '.orch', 'templates'), join(config, 'orch-tmux', 'templates'), join(templatesDir, 'prompts')];
}

/** All templates by name; a user's template overrides a built-in of the same name. */
export class TemplateRegistry {
  private readonly byName = new Map<string, Template>();
  readonly origin = new Map<string, 'project' | 'user' | 'builtin'>();

  constructor(dirs: string[] = templateDirs()) {
    const kinds = ['project', 'user', 'builtin'] as const;
    dirs.forEach((dir, i) => {
      if (!existsSync(dir)) return;
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) {
        const path = join(dir, file);
        const t = parseTemplate(readFileSync(path, 'utf8'), path);
        if (!this.byName.has(t.name)) {
          this.byName.set(t.name, t);
          this.origin.set(t.name, kinds[Math.min(i, 2)]!);
        }
      }
    });
  }

  get(name: string): Template | undefined {
    return this.byName.get(name);
  }

  list(): Template[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Renders a template by name (strict). */
  render(name: string, vars: Record<string, string>): string {
    const t = this.byName.get(name);
    if (!t) throw new UsageError(`Unknown template \`${name}\`: see \`orch-tmux templates list\``);
    return renderTemplate(t, vars, (n) => this.byName.get(n));
  }
}
