import { UsageError } from '../errors.js';
import { TemplateRegistry, templateDirs } from '../prompts/registry.js';
import { findRun, tmuxForRun } from '../runs/run.js';
import { spawnWorker } from '../workers/launch.js';
import { printJson, str, type Command } from './command.js';
import { agentOption, profilePlaceholders, readUserFile } from './inputs.js';
import { parseVars, VAR_OPTION } from './options.js';

/** `orch-tmux spawn`: one worker in its own window, prompt from a file, text or template. */
export const command: Command = {
  name: 'spawn',
  summary: 'Start a worker (one agent in one window) in a run',
  usage: 'spawn <run> <worker> (--prompt-file F | --prompt TEXT | --template T [--var k=v]...) [--agent NAME|PATH] [--cwd DIR] [--sandbox MODE] [--dry-run] [--allow-nested] [--json]',
  details: [
    'Returns once the window exists and the agent has started. The prompt is written to',
    'workers/<worker>/prompt.md (0600) and reaches the agent from that file as its profile says.',
    '--sandbox: read-only (default), workspace-write or danger-full-access (codex profiles).',
    '--dry-run: rehearse: the window shows the prompt and command; no agent runs.',
  ].join('\n'),
  options: {
    'prompt-file': { type: 'string' }, prompt: { type: 'string' }, template: { type: 'string' }, ...VAR_OPTION,
    agent: { type: 'string' }, cwd: { type: 'string' }, sandbox: { type: 'string' }, 'dry-run': { type: 'boolean' },
    'allow-nested': { type: 'boolean' },
  },
  positionals: [2, 2],
  async run(ctx, values, [runRef, name]) {
    const sources = ['prompt-file', 'prompt', 'template'].filter((k) => values[k] !== undefined);
    if (sources.length !== 1) throw new UsageError('Give exactly one of --prompt-file F, --prompt TEXT or --template NAME');
    const run = findRun(runRef!);
    const profile = agentOption(ctx, values);
    const vars = parseVars(values);
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
    const sandbox = str(values, 'sandbox');
    if (sandbox !== undefined && !['read-only', 'workspace-write', 'danger-full-access'].includes(sandbox)) {
      throw new UsageError(`Expected --sandbox read-only, workspace-write or danger-full-access, got ${JSON.stringify(sandbox)}`);
    }
    const worker = await spawnWorker({
      run, tmux: tmuxForRun(run, ctx.server), name: name!, prompt, profile, cwd: str(values, 'cwd'), vars, sandbox,
      rehearsal: values['dry-run'] === true, allowNested: values['allow-nested'] === true, env: ctx.env,
    });
    if (ctx.json) printJson(ctx, { run: run.id, worker: worker.name, state: worker.state, paneId: worker.paneId, agentPid: worker.agentPid, dir: `${run.dir}/workers/${worker.name}` });
    else ctx.out(`${run.id}/${worker.name} ${worker.state} (pane ${worker.paneId ?? '?'})\n`);
    return 0;
  },
};
