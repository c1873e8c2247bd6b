import { defineContract, type Zod } from './contract.js';
import { commonParts } from './parts.js';

/** The hosts contract (~/.config/orch-tmux/hosts.yaml, .orch/hosts.yaml): machines workers may run on, over SSH. */
export const hostsContract = defineContract('a hosts file', hostsSchema);

function hostsSchema(z: Zod) {
  const { scalarText } = commonParts(z);
  const host = z.strictObject({
    ssh: z.string({ error: 'an ssh destination (user@host, or a ~/.ssh/config alias)' }).min(1, { error: 'an ssh destination (user@host, or a ~/.ssh/config alias)' })
      .refine((s) => !s.startsWith('-') && !/[\s\x00-\x1f]/.test(s), { error: 'one ssh destination, no spaces, not starting with -' })
      .meta({ description: 'Anything `ssh` accepts as a destination: user@host, or a Host alias of your ssh config (ports, keys, jump hosts live there).' }),
    sshConfig: z.string().min(1).optional().meta({ description: 'An ssh config file to use instead of ~/.ssh/config (ssh -F).' }),
    dir: z.string().min(1).optional().meta({ description: 'Where run files go on the host (relative to its home; default .orch-tmux/runs).' }),
    cwd: z.string().min(1).optional().meta({ description: 'The folder agents run in on the host (default: the worker\'s folder there).' }),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name' }), scalarText).optional()
      .meta({ description: 'Environment for agents on this host, over the caller\'s (delivered in a 0600 file, never argv).' }),
    forward: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name' })).optional()
      .meta({ description: 'Names of the caller\'s environment variables sent to agents on this host, besides each agent profile\'s forwardEnv; nothing else of the caller\'s environment goes there.' }),
    maxWorkers: z.number().int({ error: 'a whole number, 1 or more' }).min(1, { error: 'a whole number, 1 or more' }).optional()
      .meta({ description: 'Free slots for --hosts placement: workers go where the most are free, and a run starts no more there than this at once (default 8).' }),
  });
  return z.strictObject({
    hosts: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'a host name of letters, digits, . _ -' }).refine((n) => n !== 'local', { error: '`local` is this machine and cannot be redefined' }), host).nullish()
      .transform((v) => v ?? {}),
  }).meta({ title: 'orch-tmux hosts', description: 'Machines workers may run on: each an ssh destination with sh and tmux, nothing of orch-tmux installed.' });
}
