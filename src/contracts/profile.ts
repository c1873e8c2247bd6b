import { defineContract, type Zod } from './contract.js';
import { commonParts, emptyMeansDefaults } from './parts.js';
import { addRegexIssues } from './regex.js';
import { HOOK_FACTS, HOOK_INSTALLERS } from '../core/hooks.js';

/** Our sandbox modes; a profile maps each to its agent's own flags. */
export const SANDBOX_MODES = ['read-only', 'workspace-write', 'danger-full-access'] as const;

/** The agent-profile contract (templates/agents/*.yaml, .orch/agents/, --agent FILE); `Agent profile FILE:LINE: ...` names a problem. */
export const profileContract = defineContract('an agent profile', profileSchema);

// How to start, feed, read, resume and drive one agent CLI.
function profileSchema(z: Zod) {
  const { strings, scalarText, seconds } = commonParts(z);
  const pathError = "a path like .result or .data[0].text into the agent's JSON";
  const jsonPath = z.string({ error: pathError }).regex(/^(\.[A-Za-z_][\w-]*|\[\d+\])+$/, { error: pathError });
  const jsonPaths = z.strictObject({
    result: jsonPath.meta({ description: 'The answer.' }),
    sessionId: jsonPath.optional().meta({ description: 'The session id, recorded the moment it shows (jsonl) or at the end (json).' }),
    error: jsonPath.optional().meta({ description: 'True when the agent says the turn failed, whatever the exit code.' }),
    errorText: z.union([jsonPath, z.array(jsonPath).min(1)]).optional().meta({ description: 'Why it failed, for the reason: a path, or a list of paths of which the first non-empty text counts.' }),
    denied: jsonPath.optional().meta({ description: 'Tool calls it was refused (non-empty: the worker is blocked).' }),
    usage: jsonPath.optional().meta({ description: 'Token usage, for the end event.' }),
    cost: jsonPath.optional().meta({ description: 'Cost, for the end event.' }),
  });
  const screenStates = z.strictObject({
    working: strings.optional(),
    approval: strings.optional(),
    gate: strings.optional().meta({ description: 'Startup dialogs (trust this folder, use this key): reported, never answered.' }),
    idle: strings.optional(),
    rateLimited: strings.optional(),
    footer: strings.optional(),
  });
  const agentKeys = z.strictObject({
    approve: strings.default(['y']),
    deny: strings.default(['Escape']),
    interrupt: strings.default(['C-c']),
    submit: strings.default(['Enter']),
  });
  const sandbox = z.strictObject({ 'read-only': strings.optional(), 'workspace-write': strings.optional(), 'danger-full-access': strings.optional() } satisfies Record<(typeof SANDBOX_MODES)[number], unknown>);
  return z.strictObject({
    name: z.string().min(1).meta({ description: 'The agent\'s name.' }),
    description: z.string().optional(),
    mode: z.enum(['exec', 'interactive']).default('exec').meta({ description: 'exec: one-shot, exits when done | interactive: a long-lived TUI.' }),
    command: strings.min(1).meta({ description: 'The argv; placeholders: {{promptFile}}, {{lastMessageFile}}, {{workerDir}}, {{runDir}}, {{cwd}}, {{sandbox}}, {{webSearch}}, {{budgetUsd}}, {{hooks}}, {{sessionId}}, {{newSessionId}}, any --var; "{{@name}}" expands to several words.' }),
    prompt: z.enum(['stdin', 'arg', 'file', 'none']).default('stdin').meta({ description: 'stdin | arg (last argv item) | file ({{promptFile}} in command) | none.' }),
    lastMessage: z.enum(['file', 'stdout', 'pane', 'json', 'jsonl']).default('stdout').meta({ description: 'Where the answer is: file ({{lastMessageFile}}) | stdout | pane | json | jsonl (with `json:` paths).' }),
    json: jsonPaths.optional().meta({ description: 'Paths (.a.b, .a[0]) into the agent\'s JSON output, for lastMessage json or jsonl; result is required.' }),
    sessionId: z.strictObject({
      from: z.enum(['output', 'pane', 'stdout', 'stderr']).default('output'),
      regex: z.string().meta({ description: 'Its first group is the session id.' }),
    }).optional().meta({ description: 'How to learn the id that resume needs.' }),
    resume: strings.optional().meta({ description: 'The argv that resumes a session ({{sessionId}}).' }),
    resumePrompt: z.string().optional().meta({ description: 'The text a resumed exec agent gets on stdin.' }),
    sessionMissing: z.string().optional().meta({ description: 'A regex for what the agent prints when it has no such session to resume: the task starts again.' }),
    env: emptyMeansDefaults(z.record(z.string(), scalarText)).meta({ description: 'Extra environment.' }),
    forwardEnv: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name' })).optional()
      .meta({ description: 'The caller\'s variables this agent needs on another host (its API keys and endpoints): a host gets only these, its hosts.yaml env and forward, nothing else.' }),
    states: emptyMeansDefaults(screenStates).meta({ description: 'Regexes for the monitor, matched per line in the live part of the screen.' }),
    keys: emptyMeansDefaults(agentKeys).meta({ description: 'tmux key names for approve, deny, interrupt, submit.' }),
    sandbox: sandbox.optional().meta({ description: 'Our sandbox modes to the agent\'s own flags; a whole "{{sandbox}}" item expands to them.' }),
    webSearch: strings.optional().meta({ description: 'The agent\'s own flags that turn web search on; a whole "{{webSearch}}" item expands to them for stages that ask for it.' }),
    budgetUsd: strings.optional().meta({ description: 'The agent\'s own flags that cap one session\'s spending in US dollars (Claude Code: [--max-budget-usd]); a whole "{{budgetUsd}}" item expands to them and what is left of the run\'s --budget-usd when the worker starts, to nothing without a budget.' }),
    hooks: z.strictObject({
      install: z.enum(HOOK_INSTALLERS).meta({ description: 'How the agent loads hooks for one invocation: codex (-c hooks.<Event>=...) | claude (--settings FILE).' }),
      events: z.record(z.string().regex(/^[A-Za-z]+$/, { error: 'an event name like SessionStart' }), z.enum(HOOK_FACTS)).meta({ description: 'The agent\'s events to our facts: session, working, tool, approval (decided by the run\'s policy), turn_done.' }),
    }).optional().meta({ description: 'Lifecycle hooks: the worker\'s state comes from them first; a whole "{{hooks}}" item in command and resume installs them.' }),
    silence: z.strictObject({ pokeAfter: seconds.optional(), interruptAfter: seconds.optional(), killAfter: seconds.optional() })
      .optional().meta({ description: 'Silence defaults (seconds) for this agent, under what the policy files set.' }),
    rerun: z.boolean().default(true).meta({ description: 'false: a worker that failed with nothing to resume is never started again from its prompt (work not safe to repeat).' }),
    exitCodes: z.record(z.string().regex(/^\d{1,3}$/, { error: 'exit codes like "55"' }), scalarText).optional().meta({ description: 'What the agent\'s own exit codes mean, for the reason a failed worker shows.' }),
    proven: scalarText.optional().meta({ description: 'The agent CLI version this profile was proven with (doctor shows it beside the one found).' }),
  }).superRefine((p, ctx) => {
    const structured = p.lastMessage === 'json' || p.lastMessage === 'jsonl';
    if (p.prompt === 'file' && !p.command.some((c) => c.includes('{{promptFile}}'))) ctx.addIssue({ code: 'custom', path: ['prompt'], message: '`prompt: file` needs {{promptFile}} in `command`' });
    if (p.lastMessage === 'file' && !p.command.some((c) => c.includes('{{lastMessageFile}}'))) ctx.addIssue({ code: 'custom', path: ['lastMessage'], message: '`lastMessage: file` needs {{lastMessageFile}} in `command`' });
    if (structured && !p.json) ctx.addIssue({ code: 'custom', path: ['lastMessage'], message: `\`lastMessage: ${p.lastMessage}\` needs \`json: { result: .path }\` (where the answer is in the agent's JSON)` });
    if (!structured && p.json) ctx.addIssue({ code: 'custom', path: ['json'], message: '`json` is only read with `lastMessage: json` or `lastMessage: jsonl`' });
    if (p.hooks && !p.command.some((c) => /^\{\{\s*hooks\s*\}\}$/.test(c))) ctx.addIssue({ code: 'custom', path: ['hooks'], message: '`hooks` needs a whole "{{hooks}}" item in `command` (and in `resume`), where the agent\'s hook flags go' });
    addRegexIssues(ctx, [[['sessionId', 'regex'], p.sessionId?.regex], [['sessionMissing'], p.sessionMissing]]);
    for (const [state, list] of Object.entries(p.states)) addRegexIssues(ctx, (list ?? []).map((re, i) => [['states', state, i], re]), 'm');
  }).meta({ title: 'orch-tmux agent profile', description: 'How to start, feed, read, resume and drive one agent CLI.' });
}
