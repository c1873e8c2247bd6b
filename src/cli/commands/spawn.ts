import { UsageError } from '../../core/errors.js';
import { TemplateRegistry, templateDirs } from '../../agents/templates.js';
import { findHost, loadHosts } from '../../sites/hosts.js';
import { remoteRunDir } from '../../sites/remote.js';
import { findRun, tmuxForRun } from '../../store/run.js';
import { launchPrepared, prepareWorker } from '../../supervise/launch.js';
import { freeSlots, startQueued } from '../../supervise/queue.js';
import type { RunRecord } from '../../core/run.js';
import type { WorkerRecord } from '../../core/worker.js';
import type { Tmux } from '../../tmux/index.js';
import { printJson, str, type Command, type Context } from '../command.js';
import { agentOption, profilePlaceholders, readUserFile } from '../inputs.js';
import { parseVars, VAR_OPTION } from '../options.js';

/** `orch-tmux spawn`: one worker in its own window, prompt from a file, text or template. */
export const command: Command = {
  name: 'spawn',
  summary: 'Start a worker (one agent in one window) in a run',
  usage: 'spawn <run> (<worker> (--prompt-file F | --prompt TEXT | --template T [--var k=v]...) | --worker NAME=FILE...) [--agent NAME|PATH] [--host NAME] [--cwd DIR] [--sandbox MODE] [--dry-run] [--allow-nested] [--json]',
  details: [
    'Returns once the window exists and the agent has started. The prompt is written to',
    'workers/<worker>/prompt.md (0600) and reaches the agent from that file as its profile says.',
    '--worker NAME=FILE (repeatable): several workers in one call, each with its prompt file and the',
    'same other options; every one is checked before any starts, and their windows open in one tmux call.',
    '--sandbox: read-only (default), workspace-write or danger-full-access (codex profiles).',
    '--dry-run: rehearse: the window shows the prompt and command; no agent runs.',
    '--host NAME: run it on a host of hosts.yaml (`orch-tmux hosts`), in the run\'s session there; its',
    'facts and answer are brought home, so every other command works as for a local worker.',
    'Over concurrency.perRun or concurrency.global (config), a worker is not started but `queued`: spawn',
    'returns at once; the next spawn into the run or monitor pass that finds a free slot starts it.',
  ].join('\n'),
  options: {
    'prompt-file': { type: 'string' }, prompt: { type: 'string' }, template: { type: 'string' }, ...VAR_OPTION,
    agent: { type: 'string' }, cwd: { type: 'string' }, sandbox: { type: 'string' }, 'dry-run': { type: 'boolean' },
    'allow-nested': { type: 'boolean' }, worker: { type: 'string', multiple: true }, host: { type: 'string' },
  },
  positionals: [1, 2],
  async run(ctx, values, [runRef, name]) {
    const sources = ['prompt-file', 'prompt', 'template'].filter((k) => values[k] !== undefined);
    const many = (values.worker as string[] | undefined) ?? [];
    if (many.length && (name !== undefined || sources.length)) throw new UsageError('Give either <worker> with one prompt option, or --worker NAME=FILE for each worker, not both');
    if (!many.length && name === undefined) throw new UsageError('Wrong number of arguments for `orch-tmux spawn`: name the worker (spawn <run> <worker> --prompt-file F), or give --worker NAME=FILE for each worker');
    if (!many.length && sources.length !== 1) throw new UsageError('Give exactly one of --prompt-file F, --prompt TEXT or --template NAME');
    const run = findRun(runRef!);
    const profile = agentOption(ctx, values);
    const vars = parseVars(values);
    const sandbox = str(values, 'sandbox');
    if (sandbox !== undefined && !['read-only', 'workspace-write', 'danger-full-access'].includes(sandbox)) {
      throw new UsageError(`Expected --sandbox read-only, workspace-write or danger-full-access, got ${JSON.stringify(sandbox)}`);
    }
    const tmux = tmuxForRun(run, ctx.server);
    const host = values.host === undefined ? undefined : findHost(str(values, 'host')!, loadHosts(ctx.env, ctx.cwd));
    // Checked with a stand-in folder on the host first: bad input never reaches the host.
    const common = { run, tmux, profile, cwd: str(values, 'cwd'), vars, sandbox, rehearsal: values['dry-run'] === true, allowNested: values['allow-nested'] === true, env: ctx.env, host, hostDir: host ? '/' : undefined };
    const onHost = async () => (host ? { hostDir: await remoteRunDir(host, run) } : {});
    if (many.length) {
      // Every worker checked (name, prompt file, command) before any folder or window is made.
      const seen = new Set<string>();
      const planned = many.map((spec) => {
        const eq = spec.indexOf('=');
        if (eq <= 0 || eq === spec.length - 1) throw new UsageError(`Expected --worker NAME=FILE, got ${JSON.stringify(spec)}`);
        const workerName = spec.slice(0, eq);
        if (seen.has(workerName)) throw new UsageError(`Worker ${JSON.stringify(workerName)} is named twice: give each --worker its own name`);
        seen.add(workerName);
        const prompt = readUserFile(spec.slice(eq + 1), `--worker ${workerName}`);
        if (prompt.length === 0 && profile.prompt !== 'none') throw new UsageError(`The prompt file of worker ${workerName} is empty: give the agent something to do`);
        prepareWorker({ ...common, name: workerName, prompt });
        return { prompt, name: workerName };
      });
      const there = await onHost();
      const free = await slotsFor(ctx, run, tmux, host !== undefined || common.rehearsal);
      const started = await Promise.all(planned.map((p, i) => launchPrepared(tmux, run, prepareWorker({ ...common, ...there, name: p.name, prompt: p.prompt }), p.prompt, ctx.env, undefined, i >= free)));
      if (ctx.json) printJson(ctx, { run: run.id, workers: started.map((w) => ({ worker: w.name, state: w.state, paneId: w.paneId, agentPid: w.agentPid, dir: `${run.dir}/workers/${w.name}` })) });
      else ctx.out(started.map((w) => said(run, w)).join(''));
      return 0;
    }
    let prompt: string | Buffer;
    if (values['prompt-file'] !== undefined) prompt = readUserFile(str(values, 'prompt-file')!, '--prompt-file');
    else if (values.prompt !== undefined) prompt = str(values, 'prompt')!;
    else {
      const registry = new TemplateRegistry(templateDirs(ctx.cwd, ctx.env));
      const template = registry.get(str(values, 'template')!);
      if (!template) throw new UsageError(`Unknown template ${JSON.stringify(str(values, 'template'))}: see \`orch-tmux templates list\``);
      const forAgent = profilePlaceholders(profile);
      const templateVars = Object.fromEntries(Object.entries(vars).filter(([k]) => !forAgent.has(k) || k in template.variables));
      prompt = registry.render(template.name, templateVars);
    }
    if (prompt.length === 0 && profile.prompt !== 'none') throw new UsageError('The prompt is empty: give the agent something to do');
    prepareWorker({ ...common, name: name!, prompt });
    const free = await slotsFor(ctx, run, tmux, host !== undefined || common.rehearsal);
    const worker = await launchPrepared(tmux, run, prepareWorker({ ...common, ...(await onHost()), name: name!, prompt }), prompt, ctx.env, undefined, free < 1);
    if (ctx.json) printJson(ctx, { run: run.id, worker: worker.name, state: worker.state, paneId: worker.paneId, agentPid: worker.agentPid, dir: `${run.dir}/workers/${worker.name}` });
    else ctx.out(said(run, worker));
    return 0;
  },
};

// How many of this call's workers may start now: the run's queued ones go first (supervise/queue.ts).
// Workers on a host and rehearsals are not queued.
async function slotsFor(ctx: Context, run: RunRecord, tmux: Tmux, unlimited: boolean): Promise<number> {
  if (unlimited) return Number.POSITIVE_INFINITY;
  await startQueued(run, tmux, ctx.env, 'spawn');
  return freeSlots(run, ctx.env);
}

// One line per worker: started (its pane), or queued.
function said(run: RunRecord, w: WorkerRecord): string {
  return w.state === 'queued' ? `${run.id}/${w.name} queued (starts when a slot is free: concurrency limits)\n` : `${run.id}/${w.name} ${w.state} (pane ${w.paneId ?? '?'})\n`;
}
