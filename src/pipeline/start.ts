// Starting a pattern run: everything checked and every first prompt rendered (later ones with stand-in
// results) before anything exists; then the run is made. A bad variable, template or program exits 2 and
// leaves no session, no run directory and no index entry.
import { loadProfile, profileVariables } from '../agents/resolve.js';
import { UsageError } from '../core/errors.js';
import type { RunRecord } from '../core/run.js';
import { findHost, loadHosts } from '../sites/hosts.js';
import { createRun } from '../store/run.js';
import { checkLaunch } from '../supervise/launch.js';
import { absoluteRef, agentVars, resolvePatternVars, type PatternEnv, type PatternInputs } from './inputs.js';
import { loadPattern } from './pattern.js';
import { checkRounds, needsWorktree, planWorkers, renderPrompt, sandboxOf } from './stages.js';
import { gitTop } from './workspace.js';

/** Validates everything and renders every first-stage prompt (later ones with stand-in results), then creates the run. */
export async function startPatternRun(penv: PatternEnv, inputs: PatternInputs, o: { name?: string; session?: string } = {}): Promise<RunRecord> {
  const pattern = loadPattern(inputs.patternFile);
  const main = loadProfile(inputs.agent, penv.cwd);
  const synth = loadProfile(inputs.synthAgent ?? inputs.agent, penv.cwd);
  const values = resolvePatternVars(pattern, inputs.vars, [...profileVariables(main), ...profileVariables(synth)], inputs.labels);
  const forAgents = agentVars(inputs.vars, [main, synth]);
  if (inputs.worktrees && needsWorktree(pattern) && !(await gitTop(penv.cwd))) {
    throw new UsageError(`--worktrees needs a git repository, and ${penv.cwd} is not in one: run from a git checkout or drop --worktrees`);
  }
  const stages = planWorkers(pattern, values, inputs.noSynth);
  checkRounds(pattern, inputs.rounds ?? 1, penv.templates);
  // Every worker's prompt rendered and its agent's command filled and found, before anything exists.
  for (const workers of stages) {
    for (const w of workers) {
      const needs = Object.fromEntries(w.stage.needs.map((n) => [`needs.${n}`, `(results of stage ${n})`]));
      renderPrompt(penv.templates, w, values, needs, inputs.context);
      checkLaunch(w.stage.agent === 'synth' ? synth : main, forAgents, sandboxOf(w.stage), penv.env, inputs.dryRun, w.stage.web);
      if (w.stage.host) findHost(w.stage.host, loadHosts(penv.env, penv.cwd));
    }
  }
  const docVar = Object.entries(pattern.variables).find(([, v]) => v.type === 'file')?.[0];
  // run.json keeps absolute paths, so `--resume` (or a detached driver) finds the same files from any directory.
  const saved: PatternInputs = { ...inputs, vars: { ...inputs.vars }, agent: absoluteRef(inputs.agent, penv.cwd), synthAgent: inputs.synthAgent === undefined ? undefined : absoluteRef(inputs.synthAgent, penv.cwd) };
  for (const [name, spec] of Object.entries(pattern.variables)) if (spec.type === 'file' && values[name]) saved.vars[name] = values[name]!;
  return createRun({
    name: o.name ?? (docVar ? `${pattern.name}-${values[docVar]!.split('/').pop()!.replace(/[\x00-\x1f\x7f]/g, '?')}` : pattern.name),
    cwd: penv.cwd, session: o.session, runsRoot: penv.runsRoot, server: penv.server, pattern: pattern.name,
    inputs: saved as unknown as Record<string, unknown>, agent: main.name, env: penv.env, warn: penv.warn,
  });
}
