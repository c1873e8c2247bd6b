import { parse as parseYaml } from 'yaml';
import { UsageError } from '../core/errors.js';

/** A declared template variable: required, or with a default. */
export interface VariableSpec {
  description?: string;
  default?: string;
  required: boolean;
  /** `file:line` of the declaration, for errors. */
  at?: string;
}

/** A parsed template file: front matter plus a body whose first line number is known (for errors). */
export interface Template {
  name: string;
  description: string;
  variables: Record<string, VariableSpec>;
  body: string;
  file: string;
  bodyLine: number;
  /** Line of the `variables:` key (or of the front matter's first line), for errors about undeclared names. */
  variablesLine: number;
}

const VAR_NAME = /^[a-z_][a-z0-9_]*$/;

/** Parses Markdown with YAML front matter; every problem names the file and line. */
export function parseTemplate(text: string, file: string): Template {
  const lines = text.split('\n');
  if (lines[0]?.trim() !== '---') throw new UsageError(`${file}:1: a template starts with YAML front matter between --- lines`);
  const end = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (end < 0) throw new UsageError(`${file}:1: the front matter is not closed with a --- line`);
  let meta: Record<string, unknown>;
  try {
    meta = (parseYaml(lines.slice(1, end).join('\n')) ?? {}) as Record<string, unknown>;
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line ?? 0;
    throw new UsageError(`${file}:${line + 1}: bad front matter: ${String((error as Error).message).split('\n')[0]}`);
  }
  if (typeof meta !== 'object' || Array.isArray(meta)) throw new UsageError(`${file}:2: the front matter must be a YAML mapping`);
  const lineOf = (key: string) => 1 + Math.max(1, lines.slice(0, end).findIndex((l) => l.trimStart().startsWith(`${key}:`)));
  for (const key of Object.keys(meta)) {
    if (!['name', 'description', 'variables'].includes(key)) throw new UsageError(`${file}:${lineOf(key)}: unknown front matter key \`${key}\` (known: name, description, variables)`);
  }
  if (typeof meta.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(meta.name)) throw new UsageError(`${file}:2: front matter needs \`name\` like \`reviewer\``);
  const variables: Record<string, VariableSpec> = {};
  const variablesLine = meta.variables === undefined ? 2 : lineOf('variables');
  // A variable's own line: the first `name:` after `variables:` (a variable may share a name with a top-level key).
  const varLine = (name: string) => {
    const i = lines.slice(0, end).findIndex((l, j) => j >= variablesLine && l.trimStart().startsWith(`${name}:`));
    return i >= 0 ? i + 1 : variablesLine;
  };
  const raw = (meta.variables ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new UsageError(`${file}:${lineOf('variables')}: \`variables\` must be a mapping`);
  for (const [name, spec] of Object.entries(raw)) {
    if (!VAR_NAME.test(name)) throw new UsageError(`${file}:${varLine(name)}: variable name \`${name}\` must be lower_snake_case`);
    const s = (spec ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(s)) {
      if (!['description', 'default', 'required'].includes(key)) throw new UsageError(`${file}:${varLine(name)}: variable \`${name}\` has unknown key \`${key}\``);
    }
    variables[name] = {
      description: s.description === undefined ? undefined : String(s.description),
      default: s.default === undefined || s.default === null ? undefined : String(s.default),
      required: s.required === true,
      at: `${file}:${varLine(name)}`,
    };
  }
  return {
    name: meta.name,
    description: typeof meta.description === 'string' ? meta.description : '',
    variables,
    body: lines.slice(end + 1).join('\n'),
    file,
    bodyLine: end + 2,
    variablesLine,
  };
}

const IF_OPEN = /^\{\{#if\s+([a-z_][a-z0-9_]*)\s*\}\}$/;
const IF_CLOSE = /^\{\{\/if\}\}$/;
const INCLUDE = /^\{\{>\s*([a-z0-9][a-z0-9-]*)\s*\}\}$/;
const INLINE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Every variable a template can see: its own and those of the templates it includes (its own win). */
export function declaredVariables(t: Template, lookup: (name: string) => Template | undefined, seen = new Set<string>()): Record<string, VariableSpec> {
  if (seen.has(t.name)) return {};
  seen.add(t.name);
  let merged: Record<string, VariableSpec> = {};
  t.body.split('\n').forEach((line, i) => {
    const inc = INCLUDE.exec(line.trim());
    if (!inc) return;
    const child = lookup(inc[1]!);
    if (!child) throw new UsageError(`${t.file}:${t.bodyLine + i}: unknown include \`${inc[1]}\`: no template of that name`);
    merged = { ...declaredVariables(child, lookup, seen), ...merged };
  });
  return { ...merged, ...t.variables };
}

/** Renders strictly: unknown, missing and undeclared variables and unknown includes are errors with file:line. */
export function renderTemplate(t: Template, given: Record<string, string>, lookup: (name: string) => Template | undefined): string {
  const declared = declaredVariables(t, lookup);
  for (const name of Object.keys(given)) {
    if (!(name in declared)) {
      throw new UsageError(`${t.file}:${t.variablesLine}: unknown variable \`${name}\` for template ${t.name}; it takes: ${Object.keys(declared).sort().join(', ') || 'none'}`);
    }
  }
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = given[name] ?? spec.default;
    if (value === undefined && spec.required) {
      throw new UsageError(`${spec.at ?? t.file}: missing required variable \`${name}\` for template ${t.name}: pass --var ${name}=...`);
    }
    values[name] = value ?? '';
  }
  return renderBody(t, values, declared, lookup, []);
}

function renderBody(t: Template, values: Record<string, string>, declared: Record<string, VariableSpec>, lookup: (name: string) => Template | undefined, stack: string[]): string {
  if (stack.includes(t.name)) throw new UsageError(`${t.file}: include cycle ${[...stack, t.name].join(' -> ')}`);
  const out: string[] = [];
  const open: { name: string; keep: boolean; line: number }[] = [];
  const lines = t.body.split('\n');
  lines.forEach((line, i) => {
    const at = `${t.file}:${t.bodyLine + i}`;
    const trimmed = line.trim();
    const active = open.every((o) => o.keep);
    const ifOpen = IF_OPEN.exec(trimmed);
    if (ifOpen) {
      const name = ifOpen[1]!;
      if (!(name in declared)) throw new UsageError(`${at}: \`{{#if ${name}}}\` uses undeclared variable \`${name}\`: declare it in the front matter`);
      open.push({ name, keep: (values[name] ?? '') !== '', line: t.bodyLine + i });
      return;
    }
    if (IF_CLOSE.test(trimmed)) {
      if (!open.pop()) throw new UsageError(`${at}: \`{{/if}}\` without an \`{{#if}}\``);
      return;
    }
    const inc = INCLUDE.exec(trimmed);
    if (inc) {
      const child = lookup(inc[1]!);
      if (!child) throw new UsageError(`${at}: unknown include \`${inc[1]}\`: no template of that name`);
      if (active) out.push(renderBody(child, values, declared, lookup, [...stack, t.name]).replace(/\n$/, ''));
      return;
    }
    let rendered = '';
    let last = 0;
    for (const m of line.matchAll(INLINE)) {
      const name = m[1]!;
      if (!VAR_NAME.test(name)) throw new UsageError(`${at}: \`${m[0]}\` is not a variable; tags ({{#if}}, {{/if}}, {{> name}}) go on a line of their own`);
      if (!(name in declared)) throw new UsageError(`${at}: unknown variable \`${name}\`: declare it in the front matter of ${t.name}`);
      rendered += line.slice(last, m.index) + values[name];
      last = m.index! + m[0].length;
    }
    if (active) out.push(rendered + line.slice(last));
  });
  const unclosed = open.pop();
  if (unclosed) throw new UsageError(`${t.file}:${unclosed.line}: \`{{#if ${unclosed.name}}}\` is never closed with \`{{/if}}\``);
  return out.join('\n');
}
