import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';
import { templatesDir } from '../paths.js';

/** A pattern variable: text, a file (read and checked), a lens list, or a small integer. */
export interface PatternVariable {
  description?: string;
  default?: string;
  required: boolean;
  type: 'text' | 'file' | 'lenses' | 'int';
}

/** One stage: a single worker, or a fan-out over lenses, sections of a file, a count or a list. */
export interface Stage {
  id: string;
  template: string;
  foreach?: 'lenses' | 'sections' | 'count' | 'list';
  /** What to fan out over: `{{lenses}}`, `{{doc}}`, `{{n}}`, `a,b,c`. */
  over?: string;
  /** Worker name; `{{item.id}}` for fan-outs. Defaults to the stage id (or `<id>-<item.id>`). */
  name?: string;
  vars: Record<string, string>;
  needs: string[];
  /** Writers get workspace-write and run one at a time per working tree. */
  write: boolean;
  /** `synth` stages use --synth-agent and are skipped by --no-synth. */
  agent: 'main' | 'synth';
  /** Copy the stage's result to this file in the run directory (e.g. synthesis.md). */
  output?: string;
}

/** A YAML pipeline of stages (templates/patterns/*.yaml or a user's file). */
export interface Pattern {
  name: string;
  description: string;
  variables: Record<string, PatternVariable>;
  stages: Stage[];
  file: string;
}

const PATTERN_KEYS = ['name', 'description', 'variables', 'stages'];
const STAGE_KEYS = ['id', 'template', 'foreach', 'over', 'name', 'vars', 'needs', 'write', 'agent', 'output'];
const VAR_KEYS = ['description', 'default', 'required', 'type'];

/** Built-in pattern names. */
export function builtinPatterns(): string[] {
  return ['review', 'review-fix', 'scout-act-verify', 'split', 'research', 'options'];
}

/** Finds a pattern by built-in name, project/user folder, or file path. */
export function patternPath(ref: string, cwd = process.cwd()): string {
  if (ref.includes('/') || ref.endsWith('.yaml') || ref.endsWith('.yml')) {
    const path = resolve(cwd, ref);
    if (!existsSync(path)) throw new UsageError(`Pattern file ${JSON.stringify(ref)} does not exist: check the path`);
    return path;
  }
  for (const dir of [join(cwd, '.orch', 'patterns'), join(templatesDir, 'patterns')]) {
    const path = join(dir, `${ref}.yaml`);
    if (/^[a-z0-9][a-z0-9-]*$/.test(ref) && existsSync(path)) return path;
  }
  throw new UsageError(`Unknown pattern ${JSON.stringify(ref)}: use one of ${builtinPatterns().join(', ')} or a path to a YAML file`);
}

/** Loads and checks a pattern file; every problem names the file and, where known, the line. */
export function loadPattern(path: string): Pattern {
  const text = readFileSync(path, 'utf8');
  let raw: Record<string, unknown>;
  try {
    raw = parseYaml(text) as Record<string, unknown>;
  } catch (error) {
    const line = (error as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new UsageError(`${path}${line ? `:${line}` : ''}: bad YAML: ${String((error as Error).message).split('\n')[0]}`);
  }
  const lineOf = (key: string) => {
    const i = text.split('\n').findIndex((l) => new RegExp(`^\\s*-?\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`).test(l));
    return i >= 0 ? `:${i + 1}` : '';
  };
  const fail = (msg: string, key?: string): never => {
    throw new UsageError(`${path}${key ? lineOf(key) : ''}: ${msg}`);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('a pattern is a YAML mapping with name, variables and stages');
  for (const k of Object.keys(raw)) if (!PATTERN_KEYS.includes(k)) fail(`unknown key \`${k}\` (known: ${PATTERN_KEYS.join(', ')})`, k);
  if (typeof raw.name !== 'string') fail('`name` is required');
  const variables: Record<string, PatternVariable> = {};
  for (const [name, spec] of Object.entries((raw.variables ?? {}) as Record<string, Record<string, unknown>>)) {
    const s = spec ?? {};
    for (const k of Object.keys(s)) if (!VAR_KEYS.includes(k)) fail(`variable \`${name}\` has unknown key \`${k}\``, name);
    const type = (s.type ?? 'text') as PatternVariable['type'];
    if (!['text', 'file', 'lenses', 'int'].includes(type)) fail(`variable \`${name}\` has unknown type \`${String(s.type)}\` (text, file, lenses, int)`, name);
    variables[name] = { description: s.description as string | undefined, default: s.default === undefined ? undefined : String(s.default), required: s.required === true, type };
  }
  if (!Array.isArray(raw.stages) || raw.stages.length === 0) fail('`stages` must be a non-empty list', 'stages');
  const ids = new Set<string>();
  const stages = (raw.stages as Record<string, unknown>[]).map((s) => {
    if (!s || typeof s !== 'object') fail('each stage is a mapping', 'stages');
    for (const k of Object.keys(s)) if (!STAGE_KEYS.includes(k)) fail(`stage ${String(s.id)}: unknown key \`${k}\` (known: ${STAGE_KEYS.join(', ')})`, k);
    if (typeof s.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(s.id)) fail('each stage needs an `id` like `review`', 'id');
    const id = s.id as string;
    if (ids.has(id)) fail(`stage id \`${id}\` is used twice`, 'id');
    if (typeof s.template !== 'string') fail(`stage ${id}: \`template\` is required`, 'template');
    const foreach = s.foreach as Stage['foreach'];
    if (foreach !== undefined && !['lenses', 'sections', 'count', 'list'].includes(foreach)) fail(`stage ${id}: \`foreach\` must be lenses, sections, count or list`, 'foreach');
    if (foreach && typeof s.over !== 'string') fail(`stage ${id}: \`foreach\` needs \`over\``, 'over');
    const needs = (s.needs ?? []) as string[];
    for (const n of needs) if (!ids.has(n)) fail(`stage ${id}: needs \`${n}\`, which is not an earlier stage`, 'needs');
    ids.add(id);
    const agent = (s.agent ?? 'main') as Stage['agent'];
    if (agent !== 'main' && agent !== 'synth') fail(`stage ${id}: \`agent\` is main or synth`, 'agent');
    const vars: Record<string, string> = {};
    for (const [k, v] of Object.entries((s.vars ?? {}) as Record<string, unknown>)) vars[k] = String(v);
    const stage: Stage = { id, template: s.template as string, foreach, over: s.over as string | undefined, name: s.name as string | undefined, vars, needs, write: s.write === true, agent, output: s.output as string | undefined };
    checkReferences(stage, variables, (msg) => fail(msg, id));
    return stage;
  });
  return { name: raw.name as string, description: String(raw.description ?? ''), variables, stages, file: path };
}

const REF = /\{\{\s*([a-zA-Z_][\w.-]*)\s*\}\}/g;

/** Names a stage may use: the pattern's variables (and `<file>_text`), `item.*` in fan-outs, `needs.<stage>`. */
function checkReferences(stage: Stage, variables: Record<string, PatternVariable>, fail: (msg: string) => never): void {
  const known = new Set<string>(Object.keys(variables));
  for (const [n, v] of Object.entries(variables)) if (v.type === 'file') known.add(`${n}_text`);
  for (const text of [stage.over ?? '', stage.name ?? '', ...Object.values(stage.vars)]) {
    for (const m of text.matchAll(REF)) {
      const ref = m[1]!;
      if (known.has(ref)) continue;
      if (ref.startsWith('item.') && stage.foreach) continue;
      if (ref.startsWith('needs.') && stage.needs.includes(ref.slice(6))) continue;
      fail(`stage ${stage.id}: unknown reference {{${ref}}} (pattern variables: ${[...known].join(', ')}; item.* in fan-outs; needs.<stage> for stages listed in needs)`);
    }
  }
}

/** Fills `{{name}}` references from a flat mapping (values are inserted as they are, never re-scanned). */
export function interpolate(text: string, values: Record<string, string>): string {
  return text.replace(REF, (_m, name: string) => values[name] ?? '');
}
