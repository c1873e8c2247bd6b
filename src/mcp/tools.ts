// The MCP tools: one per CLI command, named after it, each a JSON Schema (from zod) for its arguments and the
// argv of the command it runs. The server runs that argv through the CLI's own main() (call.ts), so a tool
// does exactly what the command does; review and run start detached, wait is bounded so no client times out.
import type { z } from 'zod';
import { loadZod, type Zod } from '../contracts/contract.js';

/** Seconds `wait` waits when not told: well inside every client's tool timeout (codex's default is 60 s). */
export const WAIT_DEFAULT_SECONDS = 20;
/** The longest `wait` a tool call may ask for. */
export const WAIT_MAX_SECONDS = 50;
/** Lines `log` returns when not told, and at most. */
export const LOG_DEFAULT_LINES = 40;
export const LOG_MAX_LINES = 200;
/** Grace `kill` gives an agent after its interrupt key, at most (the call waits that long). */
export const KILL_MAX_GRACE_SECONDS = 30;
/** Workers one `spawn` call may start. */
export const SPAWN_MAX_WORKERS = 16;

/** Bad arguments the schema cannot say (one of several fields, a field that needs another). */
export class ToolArgumentError extends Error {}

/** The argv of one command: options first, then `--` and the positionals (so no value is read as an option). */
export interface CommandLine {
  command: string;
  options: string[];
  positionals: string[];
  /** Prompt texts the call writes to files first (spawn with several workers), by worker name. */
  promptTexts?: Record<string, string>;
}

/** One tool: its name (the command's), what it does, its arguments, and the command line it runs. */
export interface ToolSpec<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  input: S;
  /** Starts workers: refused inside a worker (workers do not start workers). */
  startsWorkers?: boolean;
  /** Reads only (status, wait, result, log, explain, report): clients may call it without asking. */
  readOnly?: boolean;
  /** Ends agents (kill). */
  destructive?: boolean;
  commandLine(args: z.output<S>): CommandLine;
}

// `--name=value` for each defined option: the value can never be read as another option.
function opts(pairs: Record<string, string | number | boolean | undefined>): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(pairs)) {
    if (value === undefined || value === false) continue;
    out.push(value === true ? `--${name}` : `--${name}=${value}`);
  }
  return out;
}

const varOpts = (v?: Record<string, string>) => Object.entries(v ?? {}).map(([k, x]) => `--var=${k}=${x}`);

function tool<S extends z.ZodObject>(spec: ToolSpec<S>): ToolSpec {
  return spec as unknown as ToolSpec;
}

// The tools' schemas, built with the zod the contracts load lazily (only the MCP server needs them).
function buildTools(z: Zod): ToolSpec[] {
  const runRef = z.string().min(1).describe('run id (or a unique prefix)');
  const workerName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/).describe('worker name');
  const agent = z.string().min(1).describe('agent profile: codex, claude, gemini, or a YAML path');
  const vars = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).describe('variables (--var k=v)');
  const full = z.boolean().describe('the CLI\'s whole --json shape instead of the compact one');

  const reviewInput = z.strictObject({
    doc: z.string().min(1).describe('the document to review (absolute path)'),
    lenses: z.array(z.string().regex(/^[^,]+$/)).min(2).max(4).optional().describe('2-4 lenses (default clarity, correctness, risks)'),
    agent: agent.optional(),
    synthAgent: agent.optional(),
    context: z.string().min(1).optional().describe('context pack: a YAML file (goal, non_goals, constraints, pointers, decisions, success)'),
    name: z.string().min(1).optional(),
    noSynth: z.boolean().optional(),
    maxParallel: z.number().int().min(1).max(64).optional().describe('at most this many workers live at once; the rest start in order as others end'),
    budgetUsd: z.number().positive().optional().describe('stop the run (outcome over_budget) once its agents\' reported cost passes this many US dollars'),
    budgetTokens: z.number().int().positive().optional().describe('stop the run (outcome over_budget) once its agents\' reported input and output tokens pass this many'),
    budgetMinutes: z.number().positive().optional().describe('stop the run (outcome over_budget) once its ended workers\' summed wall time passes this many minutes'),
    dryRun: z.boolean().optional().describe('rehearse: no agent runs'),
  });

  const runInput = z.strictObject({
    pattern: z.string().min(1).describe('review, review-fix, scout-act-verify, split, research, options, or a YAML path'),
    vars: vars.optional(),
    agent: agent.optional(),
    synthAgent: agent.optional(),
    context: z.string().min(1).optional().describe('context pack YAML file'),
    worktrees: z.union([z.boolean(), z.literal('per-writer')]).optional().describe('true: the run works in one git worktree of its own; per-writer: each writer in its own, merged after'),
    name: z.string().min(1).optional(),
    maxParallel: z.number().int().min(1).max(64).optional().describe('at most this many workers live at once; the rest start in order as others end'),
    budgetUsd: z.number().positive().optional().describe('stop the run (outcome over_budget) once its agents\' reported cost passes this many US dollars'),
    budgetTokens: z.number().int().positive().optional().describe('stop the run (outcome over_budget) once its agents\' reported input and output tokens pass this many'),
    budgetMinutes: z.number().positive().optional().describe('stop the run (outcome over_budget) once its ended workers\' summed wall time passes this many minutes'),
    dryRun: z.boolean().optional(),
  });

  const spawnWorker = z.strictObject({
    name: workerName,
    prompt: z.string().min(1).optional().describe('the task (text)'),
    promptFile: z.string().min(1).optional().describe('the task (a file)'),
    template: z.string().min(1).optional().describe('a prompt template (one worker only)'),
    vars: vars.optional(),
  });

  const spawnInput = z.strictObject({
    run: runRef,
    workers: z.array(spawnWorker).min(1).max(SPAWN_MAX_WORKERS).describe('each needs one of prompt, promptFile, template'),
    agent: agent.optional(),
    cwd: z.string().min(1).optional(),
    sandbox: z.enum(['read-only', 'workspace-write', 'danger-full-access']).optional().describe('default read-only; one writer per tree'),
    dryRun: z.boolean().optional(),
  });

  function spawnLine(a: z.output<typeof spawnInput>): CommandLine {
    const common = opts({ agent: a.agent, cwd: a.cwd, sandbox: a.sandbox, 'dry-run': a.dryRun });
    for (const w of a.workers) {
      const given = [w.prompt, w.promptFile, w.template].filter((x) => x !== undefined).length;
      if (given !== 1) throw new ToolArgumentError(`worker ${w.name}: give exactly one of prompt, promptFile or template`);
    }
    if (a.workers.length === 1) {
      const w = a.workers[0]!;
      return { command: 'spawn', options: [...common, ...opts({ prompt: w.prompt, 'prompt-file': w.promptFile, template: w.template }), ...varOpts(w.vars)], positionals: [a.run, w.name] };
    }
    if (a.workers.some((w) => w.template !== undefined || w.vars)) throw new ToolArgumentError('template and vars work for one worker at a time: give several workers a prompt or promptFile each');
    const promptTexts = Object.fromEntries(a.workers.filter((w) => w.prompt !== undefined).map((w) => [w.name, w.prompt!]));
    // Prompt texts become files first (call.ts); files are named as they are.
    const workers = a.workers.map((w) => `--worker=${w.name}=${w.promptFile ?? ''}`);
    return { command: 'spawn', options: [...common, ...workers], positionals: [a.run], promptTexts };
  }

  const planInput = z.strictObject({
    run: runRef,
    action: z.enum(['show', 'set', 'start', 'done']).default('show').describe('set: new plan (first step in progress); start N; done N (next starts)'),
    steps: z.array(z.string().min(1)).min(1).optional().describe('for set: 3-6 step titles'),
    step: z.number().int().min(1).optional().describe('for start and done: the step number'),
  });

  function planLine(a: z.output<typeof planInput>): CommandLine {
    if (a.action === 'set' && !a.steps) throw new ToolArgumentError('action set needs steps');
    if ((a.action === 'start' || a.action === 'done') && a.step === undefined) throw new ToolArgumentError(`action ${a.action} needs step`);
    const rest = a.action === 'set' ? a.steps! : a.action === 'show' ? [] : [String(a.step)];
    return { command: 'plan', options: [], positionals: [a.run, a.action, ...rest] };
  }

  const runWorker = z.strictObject({ run: runRef, worker: workerName });

  return [
    tool({
      name: 'review', startsWorkers: true, input: reviewInput,
      description: 'Start a review of a document: 2-4 read-only reviewers with different lenses, then a synthesis. Returns the run id at once (detached); then wait, then result of worker synth.',
      commandLine: (a) => ({ command: 'review', options: ['--detach', ...opts({ lenses: a.lenses?.join(','), agent: a.agent, 'synth-agent': a.synthAgent, context: a.context, name: a.name, 'no-synth': a.noSynth, 'max-parallel': a.maxParallel, 'budget-usd': a.budgetUsd, 'budget-tokens': a.budgetTokens, 'budget-minutes': a.budgetMinutes, 'dry-run': a.dryRun })], positionals: [a.doc] }),
    }),
    tool({
      name: 'run', startsWorkers: true, input: runInput,
      description: 'Start a pattern (pipeline of stages). Returns the run id at once (detached); then wait, status, result.',
      commandLine: (a) => ({ command: 'run', options: ['--detach', ...opts({ agent: a.agent, 'synth-agent': a.synthAgent, context: a.context, worktrees: a.worktrees, name: a.name, 'max-parallel': a.maxParallel, 'budget-usd': a.budgetUsd, 'budget-tokens': a.budgetTokens, 'budget-minutes': a.budgetMinutes, 'dry-run': a.dryRun }), ...varOpts(a.vars)], positionals: [a.pattern] }),
    }),
    tool({
      name: 'new', startsWorkers: true,
      input: z.strictObject({ name: z.string().min(1).optional(), cwd: z.string().min(1).optional().describe('the workers\' directory (default: the server\'s)') }),
      description: 'Create an empty run (tmux session and run directory) to spawn workers into.',
      commandLine: (a) => ({ command: 'new', options: opts({ name: a.name, cwd: a.cwd }), positionals: [] }),
    }),
    tool({
      name: 'spawn', startsWorkers: true, input: spawnInput,
      description: 'Start one or several workers in a run (all checked before any starts). Returns once their agents run.',
      commandLine: spawnLine,
    }),
    tool({
      name: 'status', readOnly: true, input: z.strictObject({ run: runRef.optional(), full: full.optional() }),
      description: 'Each worker\'s state (and reason, result path) for a run, or for every live run.',
      commandLine: (a) => ({ command: 'status', options: [], positionals: a.run ? [a.run] : [] }),
    }),
    tool({
      name: 'wait', readOnly: true, input: z.strictObject({
        run: runRef, workers: z.array(workerName).optional().describe('default: all'), any: z.boolean().optional().describe('return when the first ends'),
        timeout: z.number().min(0).max(WAIT_MAX_SECONDS).default(WAIT_DEFAULT_SECONDS).describe(`seconds, at most ${WAIT_MAX_SECONDS}`), full: full.optional(),
      }),
      description: `Wait (bounded: ${WAIT_DEFAULT_SECONDS} s by default, ${WAIT_MAX_SECONDS} s at most) until workers end. Returns which ended (state, reason) and which still run; call again while some run.`,
      commandLine: (a) => ({ command: 'wait', options: opts({ any: a.any, timeout: a.timeout }), positionals: [a.run, ...(a.workers ?? [])] }),
    }),
    tool({
      name: 'result', readOnly: true, input: runWorker,
      description: 'A worker\'s answer (its last message); for review runs the merged answer is worker synth.',
      commandLine: (a) => ({ command: 'result', options: [], positionals: [a.run, a.worker] }),
    }),
    tool({
      name: 'log', readOnly: true, input: z.strictObject({ run: runRef, worker: workerName, lines: z.number().int().min(1).max(LOG_MAX_LINES).default(LOG_DEFAULT_LINES), transcript: z.boolean().optional() }),
      description: `The tail of a worker's screen (or transcript), at most ${LOG_MAX_LINES} lines: for a stuck worker, not for its answer.`,
      commandLine: (a) => ({ command: 'log', options: opts({ lines: a.lines, transcript: a.transcript }), positionals: [a.run, a.worker] }),
    }),
    tool({
      name: 'explain', readOnly: true, input: runWorker,
      description: 'The evidence behind a worker\'s state: its newest hook line, or the screen lines and pattern (waiting for approval, idle, stalled).',
      commandLine: (a) => ({ command: 'explain', options: [], positionals: [a.run, a.worker] }),
    }),
    tool({
      name: 'send', input: z.strictObject({ run: runRef, worker: workerName, text: z.string().min(1), force: z.boolean().optional().describe('type even at an approval prompt') }),
      description: 'Type a message into an interactive worker that waits for input; submitted exactly once.',
      commandLine: (a) => ({ command: 'send', options: opts({ force: a.force }), positionals: [a.run, a.worker, a.text] }),
    }),
    tool({
      name: 'approve', input: runWorker,
      description: 'Approve the request a worker waits at; refused when the run\'s policy denies it (deny list).',
      commandLine: (a) => ({ command: 'approve', options: [], positionals: [a.run, a.worker] }),
    }),
    tool({
      name: 'deny', input: runWorker,
      description: 'Deny the request a worker waits at.',
      commandLine: (a) => ({ command: 'deny', options: [], positionals: [a.run, a.worker] }),
    }),
    tool({
      name: 'kill', destructive: true, input: z.strictObject({ run: runRef, worker: workerName.optional().describe('default: the whole run'), grace: z.number().min(0).max(KILL_MAX_GRACE_SECONDS).optional().describe('seconds after the interrupt key (default 5)') }),
      description: 'Stop a worker, or a whole run and its session (interrupt, then kill).',
      commandLine: (a) => ({ command: 'kill', options: opts({ grace: a.grace }), positionals: a.worker ? [a.run, a.worker] : [a.run] }),
    }),
    tool({
      name: 'resume', input: z.strictObject({ run: runRef, worker: workerName.optional().describe('default: carry on the whole pattern run, detached') }),
      description: 'Resume a dead worker from its agent\'s session id; without worker, carry on a review/run pattern run.',
      commandLine: (a) => (a.worker ? { command: 'resume', options: [], positionals: [a.run, a.worker] } : { command: 'run', options: ['--detach', `--resume=${a.run}`], positionals: [] }),
    }),
    tool({
      name: 'plan', input: planInput,
      description: 'Show or set a run\'s plan: 3-6 steps, exactly one in progress until all are done.',
      commandLine: planLine,
    }),
    tool({
      name: 'report', readOnly: true, input: z.strictObject({ run: runRef }),
      description: 'The story of a run as Markdown: workers, times, plan, synthesis and results.',
      commandLine: (a) => ({ command: 'report', options: ['--md'], positionals: [a.run] }),
    }),
  ];
}

let built: ToolSpec[] | undefined;

/** Every tool, in the order a client lists them. */
export function toolSpecs(): ToolSpec[] {
  return (built ??= buildTools(loadZod()));
}

/** The MCP annotations of a tool: what it touches, for clients that decide what to ask their user about. */
export function annotations(spec: ToolSpec): { readOnlyHint: boolean; destructiveHint: boolean; openWorldHint: boolean } {
  return { readOnlyHint: spec.readOnly === true, destructiveHint: spec.destructive === true, openWorldHint: false };
}

/** The JSON Schema of a tool's arguments, as clients list it (no $schema line). */
export function inputSchema(spec: ToolSpec): Record<string, unknown> {
  const { $schema: _drop, ...schema } = loadZod().toJSONSchema(spec.input, { io: 'input' }) as Record<string, unknown>;
  return schema;
}
