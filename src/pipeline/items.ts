import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { slugOf } from '../core/names.js';
import { pickLenses } from './lenses.js';
import { interpolate, type Stage } from './pattern.js';
import { splitSections } from './sections.js';

/** One thing a fan-out stage runs a worker for; its fields are `{{item.*}}` in the stage's vars. */
export interface Item {
  id: string;
  index: string;
  title: string;
  description: string;
  text: string;
}

/** The items of a stage: lenses, sections of a file, 1..N, or a comma list; one empty item for a single worker. */
export function expandItems(stage: Stage, values: Record<string, string>): (Item | undefined)[] {
  if (!stage.foreach) return [undefined];
  const over = interpolate(stage.over ?? '', values);
  switch (stage.foreach) {
    case 'lenses':
      return pickLenses(over).map((l, i) => ({ id: l.id, index: String(i + 1), title: l.title, description: l.description, text: '' }));
    case 'sections': {
      const sections = splitSections(readFileSync(over, 'utf8'));
      if (sections.length > 32) throw new UsageError(`Stage ${stage.id}: ${sections.length} sections is more than 32 workers: split the document into fewer top-level sections`);
      return sections.map((s) => ({ id: `s${s.index}`, index: String(s.index), title: s.title, description: '', text: s.text }));
    }
    case 'count': {
      const n = Number(over);
      if (!Number.isInteger(n) || n < 1 || n > 8) throw new UsageError(`Stage ${stage.id}: expected a count from 1 to 8, got ${JSON.stringify(over)}`);
      return Array.from({ length: n }, (_, i) => ({ id: String(i + 1), index: String(i + 1), title: `${i + 1} of ${n}`, description: '', text: '' }));
    }
    case 'list': {
      const parts = over.split(',').map((s) => s.trim()).filter(Boolean);
      if (parts.length === 0 || parts.length > 16) throw new UsageError(`Stage ${stage.id}: expected 1 to 16 comma-separated items, got ${parts.length}`);
      return parts.map((p, i) => ({ id: slugOf(p), index: String(i + 1), title: p, description: '', text: p }));
    }
  }
}

/** The item's fields as `item.*` values. */
export function itemValues(item: Item | undefined): Record<string, string> {
  if (!item) return {};
  return { 'item.id': item.id, 'item.index': item.index, 'item.title': item.title, 'item.description': item.description, 'item.text': item.text };
}
