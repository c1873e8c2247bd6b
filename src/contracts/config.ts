import { defineContract, type Zod } from './contract.js';
import { commonParts, emptyMeansDefaults } from './parts.js';
import { addRegexIssues } from './regex.js';
import { parseDuration } from '../core/format.js';
import type { DataPath } from './yaml-file.js';

/** The monitor-policy contract (~/.config/orch-tmux/config.yaml, .orch/config.yaml, `policy --from FILE`); `FILE:LINE: ...` names a problem. */
export const configContract = defineContract('a config file', configSchema);

// Every key optional: a later file's key wins over an earlier one's, and a key no file sets keeps its default.
function configSchema(z: Zod) {
  const { strings, seconds } = commonParts(z);
  return z.strictObject({
    approvals: emptyMeansDefaults(z.strictObject({
      mode: z.enum(['notify', 'auto', 'deny']).optional().meta({ description: 'notify (default) | auto (answer with the profile\'s approve keys) | deny' }),
      allow: strings.optional().meta({ description: 'Regexes: auto answers only prompts matching allow and no deny pattern (default [".*"]).' }),
      deny: strings.optional().meta({ description: 'Regexes added to the built-in deny list (rm -rf, git push --force, sudo, ...).' }),
    })),
    silence: emptyMeansDefaults(z.strictObject({
      pokeAfter: seconds.optional().meta({ description: 'Seconds of silence (not at a prompt) before Enter or `poke` is sent (default 300).' }),
      poke: z.union([z.string(), z.number()], { error: 'text' }).nullable().transform((v) => (v === null ? '' : String(v))).optional()
        .meta({ description: 'The text sent as the poke (default: just Enter).' }),
      interruptAfter: seconds.optional().meta({ description: 'Seconds after the poke before the interrupt key; the worker is reported stalled (default 600).' }),
      killAfter: seconds.optional().meta({ description: 'Seconds before the worker is killed (0: never, the default).' }),
    })),
    death: emptyMeansDefaults(z.strictObject({
      resume: z.boolean().optional().meta({ description: 'An agent that died without a result is resumed with its session id (default true).' }),
      maxResumes: z.number().int({ error: 'a whole number, 0 or more' }).min(0, { error: 'a whole number, 0 or more' }).optional().meta({ description: 'Default 2.' }),
      rerun: z.boolean().optional().meta({ description: 'A worker that failed or was lost with nothing to resume (no session, or no resume in its profile) starts the task again from its prompt (default true). Never a killed worker, one the agent itself failed, or a writer whose workspace changed.' }),
      maxReruns: z.number().int({ error: 'a whole number, 0 or more' }).min(0, { error: 'a whole number, 0 or more' }).optional().meta({ description: 'Default 1. Reruns do not count toward maxResumes.' }),
    })),
    notify: emptyMeansDefaults(z.strictObject({
      command: z.union([strings, z.string().transform((line) => (line.trim() ? line.trim().split(/\s+/) : []))], { error: 'a list of strings (argv) or one command line' })
        .optional().meta({ description: 'Gets one JSON event per line on stdin (never in argv).' }),
      tmux: z.boolean().optional().meta({ description: 'Also `display-message` to attached clients (default true).' }),
    })),
    sessions: emptyMeansDefaults(z.strictObject({
      keepAfterEnd: z.union([z.string(), z.number()]).refine((v) => parseDuration(v) !== undefined, { error: 'a duration like 30m, 12h or 7d, a number of seconds, or forever' })
        .transform((v) => String(v)).optional()
        .meta({ description: 'How long the monitor keeps an ended run\'s tmux session open (default 1h; forever: never closed; 0: at the next pass).' }),
    })),
    concurrency: emptyMeansDefaults(z.strictObject({
      perRun: z.number().int({ error: 'a whole number from 0 to 64' }).min(0, { error: 'a whole number from 0 to 64' }).max(64, { error: 'a whole number from 0 to 64' }).optional()
        .meta({ description: 'At most this many workers of a run live at once: a pattern run\'s stages start the rest in order as others end (--max-parallel overrides it), `spawn` queues them (default 0: no limit).' }),
      global: z.number().int({ error: 'a whole number from 0 to 1024' }).min(0, { error: 'a whole number from 0 to 1024' }).max(1024, { error: 'a whole number from 0 to 1024' }).optional()
        .meta({ description: 'At most this many workers live across all runs, checked when a worker starts: over it, `spawn` queues the worker and a pattern run\'s stage waits (default 0: no limit).' }),
    })),
    budget: emptyMeansDefaults(z.strictObject({
      usd: z.number().min(0, { error: 'an amount in US dollars, 0 or more' }).optional()
        .meta({ description: 'The --budget-usd of every pattern run that gives none (default 0: no budget).' }),
      tokens: z.number().int({ error: 'a whole number of tokens, 0 or more' }).min(0, { error: 'a whole number of tokens, 0 or more' }).optional()
        .meta({ description: 'The --budget-tokens of every pattern run that gives none (default 0: no budget).' }),
      minutes: z.number().min(0, { error: 'a number of minutes, 0 or more' }).optional()
        .meta({ description: 'The --budget-minutes of every pattern run that gives none (default 0: no budget).' }),
    })),
    limits: emptyMeansDefaults(z.strictObject({
      resume: z.boolean().optional().meta({ description: 'A worker at a usage or rate limit gets `nudge` once the limit resets (default true). It is never poked while limited.' }),
      nudge: z.union([z.string(), z.number()], { error: 'text' }).transform((v) => String(v)).optional().meta({ description: 'The text sent when the limit resets.' }),
    })),
  }).superRefine((c, ctx) => {
    for (const list of ['allow', 'deny'] as const) addRegexIssues(ctx, (c.approvals[list] ?? []).map((re, i): [DataPath, string] => [['approvals', list, i], re]));
  }).meta({ title: 'orch-tmux config', description: 'The monitor\'s policy: approvals, silence, death, ended sessions, concurrency and whom to tell. Frozen into each run when it starts.' });
}
