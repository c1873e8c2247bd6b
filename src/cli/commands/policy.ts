import { resolve } from 'node:path';
import { findRun } from '../../store/run.js';
import { describeIgnored, readPolicySnapshot, refreezePolicy, resolvePolicy, type ResolvedPolicy } from '../../store/policy.js';
import { printJson, str, type Command } from '../command.js';

/** `orch-tmux policy`: the policy frozen into a run, where each key came from; `--from FILE` freezes a new one. */
export const command: Command = {
  name: 'policy',
  summary: 'Show the policy frozen into a run (and where each key came from), or freeze a new one from a file',
  usage: 'policy <run> [--from FILE] [--json]',
  details: [
    'A run\'s policy is frozen when it starts: later edits to config files change nothing for it.',
    'It comes from ~/.config/orch-tmux/config.yaml (all of it) and the run\'s .orch/config.yaml (all of it',
    'once you `orch-tmux trust` it, else only what tightens: a stricter approvals.mode, deny patterns,',
    'shorter silence limits). --from FILE freezes a new policy with FILE on top, all of it applied.',
  ].join('\n'),
  options: { from: { type: 'string' } },
  positionals: [1, 1],
  async run(ctx, values, [ref]) {
    const run = findRun(ref!);
    const from = str(values, 'from');
    let resolved: ResolvedPolicy | undefined;
    if (from !== undefined) {
      resolved = resolvePolicy(run.cwd, ctx.env, resolve(ctx.cwd, from));
      refreezePolicy(run.dir, resolved, from);
      for (const line of describeIgnored(resolved.ignored)) ctx.err(`${line}\n`);
    }
    resolved ??= readPolicySnapshot(run.dir) ?? resolvePolicy(run.cwd, ctx.env);
    if (ctx.json) {
      printJson(ctx, { run: run.id, ...resolved });
      return 0;
    }
    const lines: string[] = [];
    for (const [section, body] of Object.entries(resolved.policy)) {
      if (section === 'silenceSet') continue;
      for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
        lines.push(`${section}.${key}: ${JSON.stringify(value)}  (${resolved.sources[`${section}.${key}`] ?? 'default'})`);
      }
    }
    ctx.out(`${[...lines, ...describeIgnored(resolved.ignored)].join('\n')}\n`);
    return 0;
  },
};
