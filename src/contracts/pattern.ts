import type { z } from 'zod';
import { defineContract, type Zod } from './contract.js';
import type { SubjectOf } from './issue-text.js';
import { commonParts, emptyMeansDefaults } from './parts.js';
import { addRegexIssues } from './regex.js';

/** A `{{name}}` reference in a pattern's texts. */
export const PATTERN_REFERENCE = /\{\{\s*([a-zA-Z_][\w.-]*)\s*\}\}/g;

/** The pattern contract (templates/patterns/*.yaml, .orch/patterns/, `run FILE`); `FILE:LINE: ...` names a problem, `stage ID: ` the stage it is in. */
export const patternContract = defineContract('a pattern', patternSchema, stageOrVariable);

// A pattern as the schema returns it (defaults filled), before the loader adds its file.
type PatternData = z.output<typeof patternContract.schema>;
type StageData = PatternData['stages'][number];

// A pipeline of stages that run one worker or fan out; `needs` feeds earlier results into later prompts.
function patternSchema(z: Zod) {
  const { scalarText } = commonParts(z);
  const stageId = 'an id like review: lowercase letters, digits and -';
  const variable = z.strictObject({
    description: z.string().optional(),
    default: scalarText.optional(),
    required: z.boolean().default(false),
    type: z.enum(['text', 'file', 'lenses', 'int']).default('text').meta({ description: 'text | file (read and checked; `<name>_text` holds its text) | lenses | int' }),
  });
  const stage = z.strictObject({
    id: z.string({ error: stageId }).regex(/^[a-z0-9][a-z0-9-]*$/, { error: stageId }),
    template: z.string({ error: 'a prompt template name, like reviewer' }).meta({ description: 'The prompt template (templates/prompts/NAME.md or your own).' }),
    foreach: z.enum(['lenses', 'sections', 'count', 'list']).optional().meta({ description: 'Fan out: one worker per lens, section of a file, count or list item (needs `over`).' }),
    over: z.string().optional().meta({ description: 'What to fan out over: {{lenses}}, {{doc}}, {{n}}, a,b,c.' }),
    name: z.string().optional().meta({ description: 'Worker name; {{item.id}} for fan-outs. Defaults to the stage id (or <id>-<item.id>).' }),
    vars: emptyMeansDefaults(z.record(z.string(), scalarText)).meta({ description: 'The template\'s variables: pattern variables, {{item.*}} in fan-outs, {{needs.<stage>}}.' }),
    needs: z.array(z.string(), { error: 'a list of earlier stage ids, like [review]' }).default([]).meta({ description: 'Earlier stages whose results this one reads ({{needs.<stage>}}).' }),
    write: z.boolean().default(false).meta({ description: 'Writers get workspace-write and run one at a time per working tree.' }),
    scratch: z.boolean().default(false).meta({ description: 'Verifiers: may write, but only in a throw-away copy of the tree (or the run\'s worktree).' }),
    web: z.boolean().default(false).meta({ description: 'Researchers: the agent\'s web search is turned on where its profile maps it (webSearch).' }),
    agent: z.enum(['main', 'synth']).default('main').meta({ description: 'synth stages use --synth-agent and are skipped by --no-synth.' }),
    output: z.string().optional().meta({ description: 'Copy the stage\'s result to this file in the run directory (e.g. synthesis.md).' }),
    host: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'a host name from hosts.yaml, or local' }).optional()
      .meta({ description: 'Run this stage\'s workers on this host (hosts.yaml; `local` is this machine), whatever --hosts says. Read-only stages only.' }),
    verdict: z.strictObject({
      pass: z.string().meta({ description: 'A regex for a passing first line, like ^VERDICT: PASS.' }),
      fail: z.string().meta({ description: 'A regex for a failing first line, like ^VERDICT: FAIL.' }),
      retry: z.string().optional().meta({ description: 'An earlier stage that gets this stage\'s findings on a FAIL and runs again, then this stage: one round more each time, up to --rounds.' }),
    }).optional().meta({ description: 'How the stage\'s answer decides it: matched on its first non-empty line, Markdown emphasis stripped. FAIL fails the stage and the run; neither is "no verdict", a failure too.' }),
  });
  return z.strictObject({
    name: z.string(),
    description: z.string().default(''),
    variables: emptyMeansDefaults(z.record(z.string(), emptyMeansDefaults(variable))).meta({ description: 'Variables the stages use, given with --var name=value.' }),
    stages: z.array(stage).min(1, { error: 'at least one stage' }),
  }).superRefine((p, ctx) => {
    const earlier = new Set<string>();
    p.stages.forEach((s, i) => {
      const problem = (message: string, ...key: string[]) => ctx.addIssue({ code: 'custom', path: ['stages', i, ...key], message });
      if (earlier.has(s.id)) problem(`stage id \`${s.id}\` is used twice`, 'id');
      if (s.foreach && s.over === undefined) problem(`stage ${s.id}: \`foreach\` needs \`over\``, 'over');
      if (s.host && s.host !== 'local' && (s.write || s.scratch)) problem(`stage ${s.id}: \`host\` is for read-only stages (writers and verifiers work in this machine's tree)`, 'host');
      for (const n of s.needs) if (!earlier.has(n)) problem(`stage ${s.id}: needs \`${n}\`, which is not an earlier stage`, 'needs');
      if (s.verdict?.retry !== undefined && !earlier.has(s.verdict.retry)) problem(`stage ${s.id}: verdict.retry \`${s.verdict.retry}\` is not an earlier stage`, 'verdict', 'retry');
      addRegexIssues(ctx, [[['stages', i, 'verdict', 'pass'], s.verdict?.pass], [['stages', i, 'verdict', 'fail'], s.verdict?.fail]]);
      const unknown = unknownReference(s, p.variables);
      if (unknown) problem(unknown);
      earlier.add(s.id);
    });
  }).meta({ title: 'orch-tmux pattern', description: 'Stages that run one worker or fan out; `needs` feeds earlier results into later prompts.' });
}

// Names a stage may use: the pattern's variables (and `<file>_text`), `item.*` in fan-outs, `needs.<stage>`.
function unknownReference(stage: StageData, variables: PatternData['variables']): string | undefined {
  const known = new Set<string>(Object.keys(variables));
  for (const [n, v] of Object.entries(variables)) if (v.type === 'file') known.add(`${n}_text`);
  for (const text of [stage.over ?? '', stage.name ?? '', ...Object.values(stage.vars)]) {
    for (const m of text.matchAll(PATTERN_REFERENCE)) {
      const ref = m[1]!;
      if (known.has(ref)) continue;
      if (ref.startsWith('item.') && stage.foreach) continue;
      if (ref.startsWith('needs.') && stage.needs.includes(ref.slice(6))) continue;
      return `stage ${stage.id}: unknown reference {{${ref}}} (pattern variables: ${[...known].join(', ')}; item.* in fan-outs; needs.<stage> for stages listed in needs)`;
    }
  }
  return undefined;
}

// `stages[2].colour` reads better as `stage fix: \`colour\``, `variables.doc.type` as `variable \`doc\`: \`type\``.
function stageOrVariable(path: Parameters<SubjectOf>[0], value: unknown): ReturnType<SubjectOf> {
  const [section, at, ...rest] = path;
  if (section === 'stages' && typeof at === 'number') {
    const id = (value as { stages?: { id?: unknown }[] }).stages?.[at]?.id;
    return { subject: `stage ${typeof id === 'string' && id ? id : `#${at + 1}`}: `, rest };
  }
  if (section === 'variables' && at !== undefined) return { subject: `variable \`${String(at)}\`: `, rest };
  return undefined;
}
