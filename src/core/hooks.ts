// Pure: what agents' lifecycle hooks say (our facts for their events, a hooks.jsonl line) and the answers to
// permission requests, shared by the runner's hook installer, the store's readers and the decider.

/** What a hook line says about the worker: our words for the agent's events. */
export const HOOK_FACTS = ['session', 'working', 'tool', 'approval', 'turn_done'] as const;

/** One of our hook facts. */
export type HookFact = (typeof HOOK_FACTS)[number];

/** How an agent loads hooks for one invocation: codex takes `-c hooks.<Event>=...`, claude a `--settings` file. */
export const HOOK_INSTALLERS = ['codex', 'claude'] as const;

/** A profile's `hooks:`: how to install them, and which of the agent's events mean which fact. */
export interface HookSpec {
  install: (typeof HOOK_INSTALLERS)[number];
  events: Record<string, HookFact>;
}

/** One line of hooks.jsonl: when, what it means, the agent's own event, and (approvals) what was decided. */
export interface HookLine {
  time: string;
  fact: HookFact;
  event: Record<string, unknown> | null;
  decision?: 'allow' | 'deny' | 'ask';
  why?: string;
  /** 1-based line number in hooks.jsonl, for `explain`. */
  line: number;
}

/** The session id the agent's SessionStart hook gave, newest first. */
export function hookSessionId(lines: HookLine[]): string | undefined {
  for (const l of [...lines].reverse()) {
    const id = l.fact === 'session' ? l.event?.session_id : undefined;
    if (typeof id === 'string' && id) return id;
  }
  return undefined;
}

/** What an approval request asks, as text the allow and deny lists match: the command itself for a shell tool. */
export function requestText(event: Record<string, unknown> | null): string {
  const tool = String(event?.tool_name ?? 'tool');
  const input = event?.tool_input as Record<string, unknown> | undefined;
  if (input && typeof input.command === 'string') return input.command;
  return `${tool} ${JSON.stringify(input ?? {})}`;
}

/** The agent's answer to a permission request (codex and claude read the same shape); nothing for "ask". */
export function decisionOutput(event: string, decision: 'allow' | 'deny' | 'ask', why: string): string {
  if (decision === 'ask') return '';
  const body = decision === 'allow' ? { behavior: 'allow' } : { behavior: 'deny', message: why };
  return `${JSON.stringify({ hookSpecificOutput: { hookEventName: event, decision: body } })}\n`;
}
