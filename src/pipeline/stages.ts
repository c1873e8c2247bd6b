// A pattern's stages as the drive runs them: the workers of each stage (named and checked), the rounds a
// verdict's FAIL adds, the prompt each worker gets, and what each stage may write.
import { declaredVariables } from '../agents/template.js';
import type { TemplateRegistry } from '../agents/templates.js';
import { UsageError } from '../core/errors.js';
import { checkWorkerName } from '../core/names.js';
import type { RunRecord } from '../core/run.js';
import { expandItems, itemValues, type Item } from './items.js';
import { interpolate, type Pattern, type Stage } from './pattern.js';

/** One worker a stage will run. */
export interface PlannedWorker {
  name: string;
  stage: Stage;
  item?: Item;
}

/** One stage as the drive runs it: its workers, and its round (2 and up: a verdict's FAIL sent it back). */
export interface StageRun {
  stage: Stage;
  workers: PlannedWorker[];
  round: number;
}

/** The workers of every stage, named and checked (names unique across the run). */
export function planWorkers(pattern: Pattern, values: Record<string, string>, noSynth: boolean): PlannedWorker[][] {
  const seen = new Set<string>();
  return pattern.stages.filter((s) => !(noSynth && s.agent === 'synth')).map((stage) =>
    expandItems(stage, values).map((item) => {
      const raw = stage.name ? interpolate(stage.name, { ...values, ...itemValues(item) }) : item ? `${stage.id}-${item.id}` : stage.id;
      const name = checkWorkerName(raw);
      if (seen.has(name)) throw new UsageError(`Pattern ${pattern.name}: worker name \`${name}\` comes up twice: give stage ${stage.id} a distinct \`name\``);
      seen.add(name);
      return { name, stage, item };
    }),
  );
}

/** The stage runs of a pattern, in order, all in round 1. */
export function stageRuns(pattern: Pattern, values: Record<string, string>, noSynth: boolean): StageRun[] {
  return planWorkers(pattern, values, noSynth).map((workers) => ({ stage: workers[0]!.stage, workers, round: 1 }));
}

/** The next round of a stage run: the same workers, named `<name>-<round>`. */
export function nextRound(r: StageRun, round: number): StageRun {
  const base = (name: string) => (r.round > 1 && name.endsWith(`-${r.round}`) ? name.slice(0, -`-${r.round}`.length) : name);
  return { ...r, round, workers: r.workers.map((w) => ({ ...w, name: checkWorkerName(`${base(w.name)}-${round}`) })) };
}

/** A plan step's title for a stage run. */
export function stepTitle(r: StageRun): string {
  return `${r.stage.id}${r.round > 1 ? ` (round ${r.round})` : ''}: ${r.workers.length} worker${r.workers.length === 1 ? '' : 's'}`;
}

/** Renders one worker's prompt: stage vars filled from pattern values, the item, earlier results and the context; `feedback` is a verdict's FAIL sent back to it. */
export function renderPrompt(templates: TemplateRegistry, w: PlannedWorker, values: Record<string, string>, needs: Record<string, string>, context: Record<string, string>, run?: RunRecord, feedback?: string): string {
  const t = templates.get(w.stage.template);
  if (!t) throw new UsageError(`Stage ${w.stage.id}: unknown template \`${w.stage.template}\`: see \`orch-tmux templates list\``);
  const declared = declaredVariables(t, (n) => templates.get(n));
  const scope = { ...values, ...itemValues(w.item), ...needs };
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(context)) if (k in declared) vars[k] = v;
  if ('worker' in declared) vars.worker = w.name;
  if ('run_dir' in declared && run) vars.run_dir = run.dir;
  for (const [k, v] of Object.entries(w.stage.vars)) vars[k] = interpolate(v, scope);
  if (feedback !== undefined) vars.feedback = feedback;
  return templates.render(t.name, vars);
}

/** --rounds needs a verdict stage that names a stage to send its FAIL back to, whose template takes `feedback`. */
export function checkRounds(pattern: Pattern, rounds: number, templates: TemplateRegistry): void {
  if (rounds === 1) return;
  const judge = pattern.stages.find((s) => s.verdict?.retry);
  if (!judge) throw new UsageError(`--rounds ${rounds}: pattern ${pattern.name} has no verdict stage with \`verdict.retry\` (a stage its FAIL goes back to): drop --rounds`);
  const target = pattern.stages.find((s) => s.id === judge.verdict!.retry)!;
  const t = templates.get(target.template);
  if (t && !('feedback' in declaredVariables(t, (n) => templates.get(n)))) {
    throw new UsageError(`--rounds ${rounds}: stage ${target.id}'s template ${target.template} takes no \`feedback\` variable, so the verifier's findings could not reach it: add one (see templates/prompts/implementer.md)`);
  }
}

/** Writers write in their tree; verifiers (scratch) write only in a copy; everyone else reads. */
export function sandboxOf(stage: Stage): 'workspace-write' | 'read-only' {
  return stage.write || stage.scratch ? 'workspace-write' : 'read-only';
}

/** A run whose stages write somewhere gets a worktree under --worktrees. */
export function needsWorktree(pattern: Pattern): boolean {
  return pattern.stages.some((s) => s.write || s.scratch);
}
