import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { parseHosts } from '../../sites/hosts.js';
import { checkPolicyFile, projectConfigFile } from '../../store/policy.js';
import { trustFile, untrustFile } from '../../contracts/trust.js';
import { printJson, type Command } from '../command.js';

/** `orch-tmux trust`: lets a project's config loosen supervision (auto approvals, allow lists) for runs started after it. */
export const command: Command = {
  name: 'trust',
  summary: 'Trust a project\'s .orch/config.yaml (or .orch/hosts.yaml) as it is now (a changed file is untrusted again)',
  usage: 'trust [PATH] [--remove] [--json]',
  details: [
    'PATH defaults to .orch/config.yaml in the current directory. Until you trust it, a project file only',
    'tightens the policy (stricter approvals.mode, deny patterns, shorter silence limits); what loosens it',
    '(approvals.mode auto, allow lists, a notify command) is ignored with a warning. Trust is by content:',
    'its sha256 is recorded in $ORCH_TMUX_HOME/trusted.json. It applies to runs started afterwards.',
  ].join('\n'),
  options: { remove: { type: 'boolean' } },
  positionals: [0, 1],
  async run(ctx, values, [given]) {
    const path = resolve(ctx.cwd, given ?? projectConfigFile('.'));
    if (values.remove) {
      const was = untrustFile(path, ctx.env);
      if (ctx.json) printJson(ctx, { path, trusted: false, was });
      else ctx.out(`${was ? 'no longer trusted' : 'was not trusted'}: ${path}\n`);
      return 0;
    }
    // A project's hosts.yaml is trusted the same way (checked against its own contract).
    const text = basename(path) === 'hosts.yaml' ? checkHostsFile(path) : checkPolicyFile(path);
    const sha256 = trustFile(path, text, ctx.env);
    if (ctx.json) printJson(ctx, { path, trusted: true, sha256 });
    else ctx.out(`trusted: ${path} (sha256 ${sha256.slice(0, 12)}; runs started from now on use all of it)\n`);
    return 0;
  },
};

// Reads and checks a hosts file before it is trusted.
function checkHostsFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`Cannot read ${path}: give the hosts file to trust`);
  }
  parseHosts(text, path);
  return text;
}
