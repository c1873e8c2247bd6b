// The scripted model of an orchestrating agent, shared by the codex and claude stubs: given the directive
// [[orchestrate:WAY|DOC|AGENT]] and the tool calls made so far (with what each returned), it picks the next
// turn, following the orch-tmux skill: start a review detached, wait in bounded steps until the run has
// ended, read the synthesis, answer with it. WAY is `mcp` (orch-tmux's MCP tools) or `shell` (the CLI
// through the agent's shell tool, --json). Each stub turns the step into its API's tool call.

export const ORCHESTRATE = /\[\[orchestrate:(mcp|shell)\|([^|\]]+)\|([^|\]]+)\]\]/;

/** Calls after which the script gives up (a run that never ends must not loop a test forever). */
const MAX_CALLS = 40;

/** The first JSON object in a tool's output text (agents wrap it: codex adds "Wall time" and "Output:" lines). */
export function jsonIn(text) {
  for (let start = text.indexOf('{'); start >= 0; start = text.indexOf('{', start + 1)) {
    for (let end = text.lastIndexOf('}'); end > start; end = text.lastIndexOf('}', end - 1)) {
      try {
        return JSON.parse(text.slice(start, end + 1));
      } catch {
        /* a shorter span, then a later start */
      }
    }
  }
  return undefined;
}

/** The orch-tmux command a shell line runs (`orch-tmux wait ...` -> `wait`). */
export function shellTool(command) {
  return /(?:^|\s)orch-tmux\s+([a-z]+)/.exec(command)?.[1] ?? 'shell';
}

const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The next turn: { tool, args } (an MCP tool), { command } (a shell line), or { final } (the answer).
 * history: [{ tool, output }] in call order (tool: the MCP tool's name, or the orch-tmux subcommand).
 */
export function nextStep(way, doc, agent, history) {
  const call = (tool, args, cli) => (way === 'mcp' ? { tool, args } : { command: `orch-tmux ${cli} --json` });
  const last = history.at(-1);
  if (!last) return call('review', { doc, agent, lenses: ['clarity', 'risks'] }, `review ${quote(doc)} --agent ${quote(agent)} --lenses clarity,risks --detach`);
  if (history.length >= MAX_CALLS) return { final: `orchestration gave up after ${history.length} calls` };
  const out = jsonIn(last.output);
  if (!out) return { final: `orchestration failed: ${last.tool} returned no JSON: ${last.output.slice(0, 300)}` };
  const failure = out.error ?? (out.code && out.message ? out : undefined);
  if (failure) return { final: `orchestration failed: ${last.tool}: ${failure.code}: ${failure.message}` };
  const run = out.run;
  const wait = () => call('wait', { run, timeout: 20 }, `wait ${run} --timeout 20`);
  switch (last.tool) {
    case 'review':
      return wait();
    case 'wait':
      // MCP: the tool follows a pattern run to its end (state finished). Shell: `wait` covers the workers that
      // exist, so the run's own state decides, from status.
      if (way === 'shell') return call('status', { run }, `status ${run}`);
      return out.state === 'finished' && out.running.length === 0 ? call('result', { run, worker: 'synth' }) : wait();
    case 'status':
      return out.state === 'finished' ? call('result', { run, worker: 'synth' }, `result ${run} synth`) : wait();
    case 'result':
      return { final: `Merged review of ${doc} (run ${out.run}):\n${out.text}` };
    default:
      return { final: `orchestration failed: unexpected tool ${last.tool}` };
  }
}
