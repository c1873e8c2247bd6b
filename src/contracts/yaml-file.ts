import { isMap, isSeq, LineCounter, parseDocument, visit, type Node } from 'yaml';
import { UsageError } from '../core/errors.js';

/** A path into a parsed file: mapping keys and list positions, as zod reports them. */
export type DataPath = readonly PropertyKey[];

/** Where a contract's file is, for its one-line errors: `LABEL FILE:LINE: ...`. */
export interface FilePlace {
  /** What the file is to the user, before its name: `Agent profile `, `--context `, or nothing. */
  label: string;
  file: string;
}

/** A YAML file's data and the line of any path into it. */
export interface YamlFile {
  value: unknown;
  /** The line of a path's key (or list item); of its parent when the key is missing. */
  lineOf(path: DataPath): number | undefined;
}

/** The start of a one-line error: `LABEL FILE:LINE` (no line when it is not known). */
export function placeText(place: FilePlace, line: number | undefined): string {
  return `${place.label}${place.file}${line ? `:${line}` : ''}`;
}

/** Parses YAML keeping line positions; a syntax error is one line `FILE:LINE: bad YAML: ... (column C)`. */
export function parseYamlFile(text: string, place: FilePlace): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const bad = doc.errors[0];
  if (bad) {
    const pos = bad.linePos?.[0];
    const what = String(bad.message).split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new UsageError(`${placeText(place, pos?.line)}: bad YAML: ${what}${pos ? ` (column ${pos.col})` : ''}`);
  }
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (error) {
    // Only aliases fail here (one with no anchor before it, or too many): point at the first one.
    let offset: number | undefined;
    visit(doc, { Alias: (_key, node) => { offset ??= node.range?.[0]; return visit.BREAK; } });
    throw new UsageError(`${placeText(place, offset === undefined ? undefined : lines.linePos(offset).line)}: bad YAML: ${(error as Error).message}`);
  }
  const lineOf = (path: DataPath): number | undefined => {
    const parent = (path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents) as Node | null | undefined;
    const last = path.at(-1);
    let node: Node | undefined;
    if (path.length > 0 && isMap(parent)) node = parent.items.find((p) => String((p.key as { value?: unknown } | null)?.value) === String(last))?.key as Node | undefined;
    else if (path.length > 0 && isSeq(parent) && typeof last === 'number') node = parent.items[last] as Node | undefined;
    const offset = node?.range?.[0] ?? parent?.range?.[0];
    return offset === undefined ? 1 : lines.linePos(offset).line;
  };
  return { value, lineOf };
}
