import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
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
  /** Verifiers: may write (run tests, build), but only in a throw-away copy of the tree, or in the run's
   * worktree with --worktrees; never in the user's tree. */
  scratch: boolean;
  /** Researchers: the agent's web search is turned on where its profile maps it (`webSearch:`). */
  web: boolean;
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
const STAGE_KEYS = ['id', 'template', 'foreach', 'over', 'name', 'vars', 'needs', 'write', 'scratch', 'web', 'agent', 'output'];
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
    if (!statSync(path).isFile()) throw new UsageError(`Pattern ${JSON.stringify(ref)} is a directory or device, not a file: give a YAML file`);
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
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const bad = doc.errors[0];
  if (bad) {
    const line = bad.linePos?.[0]?.line;
    throw new UsageError(`${path}${line ? `:${line}` : ''}: bad YAML: ${String(bad.message).split('\n')[0]}`);
  }
  const raw = doc.toJS() as Record<string, unknown>;
  // The line of a key (`['stages', 2, 'template']`) from the parsed document; a missing key gives its parent's line.
  const lineOf = (keys: (string | number)[]): string => {
    const parent = (keys.length > 1 ? doc.getIn(keys.slice(0, -1), true) : doc.contents) as Node | null | undefined;
    const last = keys.at(-1);
    let node: Node | undefined;
    if (isMap(parent)) node = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === last)?.key as Node | undefined;
    else if (isSeq(parent) && typeof last === 'number') node = parent.items[last] as Node | undefined;
    const offset = node?.range?.[0] ?? parent?.range?.[0];
    return offset === undefined ? '' : `:${lines.linePos(offset).line}`;
  };
  const fail = (msg: string, keys?: (string | number)[]): never => {
    throw new UsageError(`${path}${keys ? lineOf(keys) : ''}: ${msg}`);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('a pattern is a YAML mapping with name, variables and stages');
  for (const k of Object.keys(raw)) if (!PATTERN_KEYS.includes(k)) fail(`unknown key \`${k}\` (known: ${PATTERN_KEYS.join(', ')})`, [k]);
  if (typeof raw.name !== 'string') fail('`name` is required');
  const variables: Record<string, PatternVariable> = {};
  for (const [name, spec] of Object.entries((raw.variables ?? {}) as Record<string, Record<string, unknown>>)) {
    const s = spec ?? {};
    for (const k of Object.keys(s)) if (!VAR_KEYS.includes(k)) fail(`variable \`${name}\` has unknown key \`${k}\``, ['variables', name, k]);
    const type = (s.type ?? 'text') as PatternVariable['type'];
    if (!['text', 'file', 'lenses', 'int'].includes(type)) fail(`variable \`${name}\` has unknown type \`${String(s.type)}\` (text, file, lenses, int)`, ['variables', name, 'type']);
    variables[name] = { description: s.description as string | undefined, default: s.default === undefined ? undefined : String(s.default), required: s.required === true, type };
  }
  if (!Array.isArray(raw.stages) || raw.stages.length === 0) fail('`stages` must be a non-empty list', ['stages']);
  const ids = new Set<string>();
  const stages = (raw.stages as Record<string, unknown>[]).map((s, i) => {
    if (!s || typeof s !== 'object') fail('each stage is a mapping', ['stages', i]);
    for (const k of Object.keys(s)) if (!STAGE_KEYS.includes(k)) fail(`stage ${String(s.id)}: unknown key \`${k}\` (known: ${STAGE_KEYS.join(', ')})`, ['stages', i, k]);
    if (typeof s.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(s.id)) fail('each stage needs an `id` like `review`', ['stages', i, 'id']);
    const id = s.id as string;
    if (ids.has(id)) fail(`stage id \`${id}\` is used twice`, ['stages', i, 'id']);
    if (typeof s.template !== 'string') fail(`stage ${id}: \`template\` is required`, ['stages', i, 'template']);
    const foreach = s.foreach as Stage['foreach'];
    if (foreach !== undefined && !['lenses', 'sections', 'count', 'list'].includes(foreach)) fail(`stage ${id}: \`foreach\` must be lenses, sections, count or list`, ['stages', i, 'foreach']);
    if (foreach && typeof s.over !== 'string') fail(`stage ${id}: \`foreach\` needs \`over\``, ['stages', i, 'over']);
    const needs = (s.needs ?? []) as string[];
    if (!Array.isArray(needs) || needs.some((n) => typeof n !== 'string')) fail(`stage ${id}: \`needs\` is a list of earlier stage ids, like [review]`, ['stages', i, 'needs']);
    for (const n of needs) if (!ids.has(n)) fail(`stage ${id}: needs \`${n}\`, which is not an earlier stage`, ['stages', i, 'needs']);
    ids.add(id);
    const agent = (s.agent ?? 'main') as Stage['agent'];
    if (agent !== 'main' && agent !== 'synth') fail(`stage ${id}: \`agent\` is main or synth`, ['stages', i, 'agent']);
    const vars: Record<string, string> = {};
    for (const [k, v] of Object.entries((s.vars ?? {}) as Record<string, unknown>)) vars[k] = String(v);
    const stage: Stage = { id, template: s.template as string, foreach, over: s.over as string | undefined, name: s.name as string | undefined, vars, needs, write: s.write === true, scratch: s.scratch === true, web: s.web === true, agent, output: s.output as string | undefined };
    checkReferences(stage, variables, (msg) => fail(msg, ['stages', i]));
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
