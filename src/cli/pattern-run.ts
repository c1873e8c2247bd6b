// What `review` and `run` share: start (or resume) a pattern run, in the foreground or detached into tmux.
import { parseHostsOption } from '../supervise/placement.js';
import { UsageError } from '../core/errors.js';
import { boardCommand, cliScript } from '../os/package.js';
import { drivePatternRun } from '../pipeline/drive.js';
import { readContextFile, type PatternEnv, type PatternInputs } from '../pipeline/inputs.js';
import { runOutputs } from '../pipeline/judge.js';
import { startPatternRun } from '../pipeline/start.js';
import { runSummary, terminalProgress } from '../views/progress.js';
import { Board, useColour } from '../views/board.js';
import { applyHint } from '../pipeline/workspace.js';
import { TemplateRegistry, templateDirs } from '../agents/templates.js';
import { runPaths, runsRoot } from '../core/paths.js';
import { ensureSession, findRun, tmuxForRun } from '../store/run.js';
import { resolvePolicy } from '../store/policy.js';
import { forwardedEnv } from '../supervise/launch.js';
import { writeEnvFile } from '../runner/codec.js';
import { printJson, str, type Context, type Values } from './command.js';
import { defaultAgent } from './inputs.js';
import { type RunRecord } from '../core/run.js';

/** Options `review` and `run` both take. */
export const PATTERN_OPTIONS = {
  agent: { type: 'string' }, 'synth-agent': { type: 'string' }, context: { type: 'string' },
  detach: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, resume: { type: 'string' },
  name: { type: 'string' }, session: { type: 'string' }, 'run-dir': { type: 'string' }, hosts: { type: 'string' },
  'max-parallel': { type: 'string' }, 'budget-usd': { type: 'string' }, 'budget-tokens': { type: 'string' }, 'budget-minutes': { type: 'string' },
} as const;

/** The most live workers --max-parallel may allow in one run. */
const MAX_PARALLEL = 64;

/** The pattern environment for this invocation. */
export function patternEnv(ctx: Context, values: Values): PatternEnv {
  return { server: ctx.server, env: ctx.env, cwd: ctx.cwd, runsRoot: runsRoot(str(values, 'run-dir'), ctx.env), templates: new TemplateRegistry(templateDirs(ctx.cwd, ctx.env)), warn: (line) => ctx.err(`${line}\n`) };
}

/** Inputs from the flags both commands share. */
export function sharedInputs(ctx: Context, values: Values): Pick<PatternInputs, 'agent' | 'synthAgent' | 'dryRun' | 'context' | 'hosts' | 'maxParallel' | 'budgetUsd' | 'budgetTokens' | 'budgetMinutes'> {
  const context = str(values, 'context');
  const hosts = str(values, 'hosts');
  const most = str(values, 'max-parallel');
  if (most !== undefined && !(/^\d+$/.test(most) && Number(most) >= 1 && Number(most) <= MAX_PARALLEL)) {
    throw new UsageError(`Expected --max-parallel to be a whole number from 1 to ${MAX_PARALLEL}, got ${JSON.stringify(most)}`);
  }
  const budget = str(values, 'budget-usd');
  if (budget !== undefined && !(/^\d*\.?\d+$/.test(budget) && Number(budget) > 0)) {
    throw new UsageError(`Expected --budget-usd to be an amount in US dollars above 0 (like 0.50), got ${JSON.stringify(budget)}`);
  }
  const tokens = str(values, 'budget-tokens');
  if (tokens !== undefined && !(/^\d+$/.test(tokens) && Number(tokens) >= 1)) {
    throw new UsageError(`Expected --budget-tokens to be a whole number of tokens above 0 (like 200000), got ${JSON.stringify(tokens)}`);
  }
  const minutes = str(values, 'budget-minutes');
  if (minutes !== undefined && !(/^\d*\.?\d+$/.test(minutes) && Number(minutes) > 0)) {
    throw new UsageError(`Expected --budget-minutes to be a number of minutes above 0 (like 90), got ${JSON.stringify(minutes)}`);
  }
  // Without the flags, the config's budget (0: none) applies; a project file may only lower it until trusted.
  const byConfig = configBudget(ctx);
  return {
    maxParallel: most === undefined ? undefined : Number(most),
    budgetUsd: budget === undefined ? byConfig.usd : Number(budget),
    budgetTokens: tokens === undefined ? byConfig.tokens : Number(tokens),
    budgetMinutes: minutes === undefined ? byConfig.minutes : Number(minutes),
    hosts: hosts === undefined ? undefined : parseHostsOption(hosts, ctx.env, ctx.cwd),
    agent: str(values, 'agent') ?? defaultAgent(ctx.env),
    synthAgent: str(values, 'synth-agent'),
    dryRun: values['dry-run'] === true,
    context: context ? readContextFile(context) : {},
  };
}

/** Starts a new pattern run (checked and rendered first), then drives it here or detached in tmux. */
export async function startAndDrive(ctx: Context, values: Values, inputs: PatternInputs): Promise<number> {
  const penv = patternEnv(ctx, values);
  const run = await startPatternRun(penv, inputs, { name: str(values, 'name'), session: str(values, 'session') });
  if (values.detach) return detach(ctx, run);
  return drive(ctx, run, penv);
}

/** Carries on an existing run: keeps finished workers, starts what is missing or failed. */
export async function resumeRun(ctx: Context, values: Values, ref: string): Promise<number> {
  const run = findRun(ref);
  if (typeof run.inputs?.patternFile !== 'string') {
    throw new UsageError(`Run ${run.id} was not started by \`review\` or \`run\`, so it has no pattern to resume: resume one worker with \`orch-tmux resume ${run.id} <worker>\``);
  }
  const tmux = tmuxForRun(run, ctx.server);
  await ensureSession(run, tmux);
  if (values.detach) return detach(ctx, run);
  // Templates and agent profiles are looked up where the run started, not where --resume is typed.
  return drive(ctx, run, patternEnv({ ...ctx, cwd: run.cwd }, values));
}

async function drive(ctx: Context, run: RunRecord, penv: PatternEnv): Promise<number> {
  // Detached into the run's first window: the driver's progress is the board there.
  if (ctx.env.ORCH_TMUX_DRIVER === run.id && process.stdout.isTTY && !ctx.json) return driveOnBoard(ctx, run, penv);
  const tmux = tmuxForRun(run, ctx.server);
  const attach = `tmux ${tmux.serverArgs.join(' ')} attach -t '=${run.session}'`.replace(/\s+/g, ' ');
  const live = ctx.isTTY && !ctx.json;
  const rehearsal = (run.inputs as unknown as PatternInputs).dryRun;
  if (rehearsal && !ctx.json) ctx.err(`run ${run.id}: a rehearsal (--dry-run): no agent runs; each worker's window shows the prompt and the command it would run\n`);
  if (live) ctx.err(`run ${run.id}: watch with: ${attach}\n`);
  const outcome = await drivePatternRun(penv, run, tmux, live ? terminalProgress(ctx.err) : undefined);
  const { synthesis } = runOutputs(run);
  if (ctx.json) {
    printJson(ctx, {
      run: run.id, session: run.session, dir: run.dir, ok: outcome.ok, outcome: outcome.outcome, reason: outcome.reason ?? null,
      outputs: outcome.outputs, synthesis: synthesis ?? null, changes: outcome.changes ?? null, attach, workers: outcome.workers,
    });
  } else {
    for (const w of outcome.workers) if (w.state !== 'done') ctx.err(`worker ${w.name} ${w.state}${w.reason ? `: ${w.reason}` : ''}\n`);
    if (!outcome.ok && outcome.reason) ctx.err(`run failed: ${outcome.reason}\n`);
    const main = synthesis ?? Object.values(outcome.outputs)[0];
    ctx.out(`${main ? `${main}\n` : `results in ${run.dir}/workers/\n`}`);
    if (outcome.changes) ctx.err(applyHint(outcome.changes, outcome.changes.source, outcome.ok ? undefined : outcome.reason ?? 'a worker failed'));
    ctx.err(`read the workers: ${attach}\n`);
    const where = main ? `; ${synthesis ? 'synthesis' : 'output'}: ${main}` : `; results in ${run.dir}/workers/`;
    ctx.err(`${runSummary(outcome.workers, Date.parse(run.created), Date.now())}${rehearsal ? ' (a rehearsal: no agent ran)' : ''}${where}\n`);
  }
  return outcome.ok ? 0 : 1;
}

// The board in the driver's own window (it watches the run's files itself), with a line on how the drive
// goes. At the end the driver hands the window to the board process (respawn-pane), so nothing of the
// driver stays running once the run is over.
async function driveOnBoard(ctx: Context, run: RunRecord, penv: PatternEnv): Promise<number> {
  const tmux = tmuxForRun(run, ctx.server);
  const board = new Board(run, { out: process.stdout, input: process.stdin, colour: useColour(ctx.env, process.stdout), tmux });
  void board.show();
  board.setDriver(`${run.pattern ?? 'pattern'}: driving (pid ${process.pid})`);
  let ok = false;
  try {
    ok = (await drivePatternRun({ ...penv, warn: (line) => board.setDriver(line) }, run, tmux)).ok;
  } finally {
    board.close();
    const pane = ctx.env.TMUX_PANE;
    if (pane) await tmux.respawnPane(pane, boardCommand(), { kill: true, cwd: run.cwd, env: { ORCH_TMUX_RUN_DIR: run.dir } }).catch(() => undefined);
  }
  return ok ? 0 : 1;
}

// The driver moves into the run's first window, so it outlives this command and a person can watch it.
async function detach(ctx: Context, run: RunRecord): Promise<number> {
  const tmux = tmuxForRun(run, ctx.server);
  const target = `=${run.session}:orch`;
  await tmux.run([['set-option', '-w', '-t', target, 'remain-on-exit', 'on']]);
  writeEnvFile(runPaths(run.dir).driverEnv, forwardedEnv(ctx.env));
  await tmux.respawnPane(target, [process.execPath, cliScript, 'run', '--resume', run.id, '--socket', run.socketPath], {
    kill: true, cwd: run.cwd, env: { ORCH_TMUX_DRIVER: run.id, ORCH_TMUX_ENV_FILE: runPaths(run.dir).driverEnv },
  });
  if (ctx.json) printJson(ctx, { run: run.id, session: run.session, dir: run.dir, detached: true });
  else ctx.out(`${run.id}\n`);
  return 0;
}

// The budget in the caller's config files (`budget: {usd, tokens, minutes}`; 0 or unset: none).
function configBudget(ctx: Context): { usd?: number; tokens?: number; minutes?: number } {
  const b = resolvePolicy(ctx.cwd, ctx.env).policy.budget;
  return { usd: b?.usd || undefined, tokens: b?.tokens || undefined, minutes: b?.minutes || undefined };
}
