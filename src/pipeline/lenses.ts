import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../core/errors.js';
import { templatesDir } from '../os/package.js';

/** A review lens: id (as typed in --lenses), title, and what a reviewer looks for. */
export interface Lens {
  id: string;
  title: string;
  description: string;
}

/** The built-in lenses from templates/lenses.yaml, in file order. */
export function loadLenses(): Lens[] {
  const raw = parseYaml(readFileSync(join(templatesDir, 'lenses.yaml'), 'utf8')) as Record<string, { title: string; description: string }>;
  return Object.entries(raw).map(([id, v]) => ({ id, title: v.title, description: String(v.description).trim() }));
}

/** The lenses a review uses by default. */
export const DEFAULT_LENSES = ['clarity', 'correctness', 'risks'];

/** Parses `a,b,c` into 2-4 known, distinct lenses; anything else is a usage error naming it. */
export function pickLenses(list: string): Lens[] {
  const all = loadLenses();
  const ids = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length < 2 || ids.length > 4) throw new UsageError(`Expected 2 to 4 lenses, got ${ids.length} (${ids.join(',') || 'none'}): pick from ${all.map((l) => l.id).join(', ')}`);
  const picked = ids.map((id) => {
    const lens = all.find((l) => l.id === id || l.title.toLowerCase() === id.toLowerCase());
    if (!lens) throw new UsageError(`Unknown lens ${JSON.stringify(id)}: pick from ${all.map((l) => l.id).join(', ')}`);
    return lens;
  });
  if (new Set(picked.map((l) => l.id)).size !== picked.length) throw new UsageError(`Lens listed twice in ${JSON.stringify(list)}: give distinct lenses`);
  return picked;
}
