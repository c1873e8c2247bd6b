import { parse as parseYaml } from 'yaml';

/** The Agent Skills standard's limit on `description`. */
export const DESCRIPTION_MAX_CHARS = 1024;

/** A SKILL.md's YAML front matter (name, description) and its body; throws naming what is missing. */
export function readFrontMatter(text: string): { name: string; description: string; body: string } {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!m) throw new Error('SKILL.md has no YAML front matter (--- lines)');
  const meta = (parseYaml(m[1]!) ?? {}) as Record<string, unknown>;
  if (typeof meta.name !== 'string' || typeof meta.description !== 'string') throw new Error('SKILL.md front matter needs name and description');
  if (meta.description.length > DESCRIPTION_MAX_CHARS) throw new Error(`SKILL.md description is ${meta.description.length} characters: the standard allows ${DESCRIPTION_MAX_CHARS}`);
  return { name: meta.name, description: meta.description, body: text.slice(m[0].length) };
}
