// The real Codex CLI and Claude Code as the ORCHESTRATOR, against loopback stubs that script the model's turns
// (orchestrate.mjs): given the skill (`orch-tmux skill install`) and the MCP server (`orch-tmux mcp install`,
// through each agent's own `mcp add`), the agent offers the skill to the model, runs review -> wait -> result
// through its own MCP client (or the same commands through its shell tool), fake workers run in tmux, and its
// final answer carries the synthesis, which `status` and the run directory agree with. Also: a real codex
// worker is refused when it calls the MCP spawn tool, and gemini's own commands install the skill and server.
import { execa } from 'execa';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { cliPath, fakeAgentProfile, repoRoot, type TestServer } from '../helpers/tmux-server.js';
import { parseOut } from '../cli/support.js';
import { claudeFor, claudeStarted, claudeTest, geminiFor, geminiTest, type AgentEnv } from './agents.js';
// @ts-expect-error plain ESM module without types
import { jsonIn } from './orchestrate.mjs';
import { codexFor, test as codexTest, type CodexEnv } from './support.js';

/** How long one orchestrating agent may take, end to end (it runs three fake workers). */
const ORCHESTRATOR_TIMEOUT_MS = 90_000;
/** The model whose codex catalog entry offers MCP tools as a namespace (gpt-5.5 defers them behind tool_search). */
const CODEX_NAMESPACE_MODEL = 'gpt-5.3-codex';

const skillDescription = (): string => {
  const text = readFileSync(join(repoRoot, 'skills', 'orch-tmux', 'SKILL.md'), 'utf8');
  return (parseYaml(/^---\n([\s\S]*?)\n---\n/.exec(text)![1]!) as { description: string }).description;
};

interface Orchestration {
  doc: string;
  env: Record<string, string | undefined>;
  prompt(way: 'mcp' | 'shell'): string;
}

/** The document, `orch-tmux` on PATH for the shell way, then the skill and the MCP server installed for `agent`. */
async function installFor(server: TestServer, agent: 'codex' | 'claude', base: Record<string, string | undefined>, work: string): Promise<Orchestration> {
  const bin = join(server.dir, 'orch-bin');
  mkdirSync(bin);
  symlinkSync(cliPath, join(bin, 'orch-tmux'));
  const env = { ...base, PATH: `${bin}:${base.PATH}` };
  const doc = join(work, 'doc.md');
  writeFileSync(doc, '# Plan\n\nShip the login fix on Friday.\n\n## Risks\n\nNone known.\n');
  const skill = await server.cli(['skill', 'install', '--agent', agent, '--json'], { env });
  expect(skill.exitCode, String(skill.stderr)).toBe(0);
  const mcp = await server.cli(['mcp', 'install', '--agent', agent, '--json'], { env });
  expect(mcp.exitCode, String(mcp.stderr)).toBe(0);
  // The agent's own `mcp add` wrote the entry, with the state folder and socket in its arguments.
  expect(parseOut(mcp).installed).toMatchObject([{ agent, how: 'agent-command', via: expect.arrayContaining(['mcp', 'add', 'orch-tmux', '--home', server.env.ORCH_TMUX_HOME, '--socket', server.name]) }]);
  return { doc, env, prompt: (way) => `Review ${doc} with a crew of workers and give me the merged answer. [[orchestrate:${way}|${doc}|${fakeAgentProfile}]]` };
}

/** What the run directory and `status` say of the run the orchestrator started: every worker done in tmux, the synthesis. */
async function checkRun(server: TestServer, run: string, answer: string): Promise<void> {
  const status = parseOut(await server.cli(['status', run, '--json']));
  expect(status.state).toBe('finished');
  expect(status.workers.map((w: { name: string; state: string }) => `${w.name}:${w.state}`)).toEqual(['clarity:done', 'risks:done', 'synth:done']);
  for (const w of status.workers) expect(JSON.parse(readFileSync(join(status.dir, 'workers', w.name, 'worker.json'), 'utf8')).paneId).toMatch(/^%\d+$/);
  const synthesis = readFileSync(join(status.dir, 'synthesis.md'), 'utf8');
  expect(synthesis).toMatch(/^fake-agent done\nsha256: [0-9a-f]{64}/);
  expect(answer).toContain(`(run ${run}):\n${synthesis}`);
}

describe('codex as the orchestrator', () => {
  async function orchestrate(server: TestServer, way: 'mcp' | 'shell'): Promise<{ codex: CodexEnv; answer: string; calls: { tool: string; args: Record<string, unknown>; output: string }[] }> {
    const codex = await codexFor(server);
    const o = await installFor(server, 'codex', codex.env, codex.work);
    // The shell way needs a shell that reaches tmux and writes the state folder: outside codex's sandbox.
    const sandbox = way === 'shell' ? ['--sandbox', 'danger-full-access'] : [];
    const r = await execa('codex', ['exec', '--skip-git-repo-check', '-m', CODEX_NAMESPACE_MODEL, ...sandbox, '-'], { input: o.prompt(way), env: o.env, extendEnv: false, cwd: codex.work, reject: false, timeout: ORCHESTRATOR_TIMEOUT_MS });
    expect(r.exitCode, r.stderr.slice(-2000)).toBe(0);
    const turns = codex.stub.requests.filter((q) => q.kind === 'turn' || q.kind === 'tool-output');
    // The first model request offers the skill (name and description) and, for gpt-5.3-codex, the tools as a namespace.
    const first = JSON.stringify(turns[0]!.body);
    expect(first).toContain(`- orch-tmux: ${skillDescription()} (file: `);
    const namespace = (turns[0]!.body as { tools: { type: string; name: string; tools?: { name: string }[] }[] }).tools.find((t) => t.type === 'namespace' && t.name === 'mcp__orch_tmux');
    expect(namespace?.tools?.map((t) => t.name)).toEqual(expect.arrayContaining(['review', 'wait', 'result', 'spawn', 'status', 'approve']));
    // The calls as the last request carries them, each with what codex returned for it.
    const input = (turns.at(-1)!.body as { input: { type: string; name?: string; namespace?: string; arguments?: string; call_id?: string; output?: unknown }[] }).input;
    // An MCP tool's output comes back as a list of input_text items ("Wall time ...", then the tool's text).
    const text = (o: unknown) => (typeof o === 'string' ? o : (o as { text: string }[]).map((p) => p.text).join('\n'));
    const outputs = new Map(input.filter((i) => i.type === 'function_call_output').map((i) => [i.call_id, text(i.output)]));
    const calls = input.filter((i) => i.type === 'function_call').map((i) => ({ tool: i.namespace ? `${i.namespace}.${i.name}` : i.name!, args: JSON.parse(i.arguments!), output: outputs.get(i.call_id) ?? '' }));
    return { codex, answer: r.stdout, calls };
  }

  codexTest('through its MCP client: review, wait, result as namespace tools; the answer is the synthesis', async ({ server }) => {
    const { codex, answer, calls } = await orchestrate(server, 'mcp');
    try {
      expect(calls.map((c) => c.tool)).toEqual(['mcp__orch_tmux.review', ...calls.slice(1, -1).map(() => 'mcp__orch_tmux.wait'), 'mcp__orch_tmux.result']);
      const started = jsonIn(calls[0]!.output);
      expect(started).toMatchObject({ detached: true, run: expect.any(String) });
      expect(jsonIn(calls.at(-2)!.output)).toMatchObject({ run: started.run, state: 'finished', ended: [{ name: 'clarity', state: 'done' }, { name: 'risks', state: 'done' }, { name: 'synth', state: 'done' }], running: [] });
      await checkRun(server, started.run, answer);
      expect(jsonIn(calls.at(-1)!.output).text).toBe(readFileSync(join(started.dir, 'synthesis.md'), 'utf8'));
    } finally {
      await codex.stub.close();
    }
  });

  codexTest('through its shell tool, following the skill\'s commands (--detach, wait --timeout, status, result --json)', async ({ server }) => {
    const { codex, answer, calls } = await orchestrate(server, 'shell');
    try {
      const commands = calls.map((c) => String(c.args.cmd));
      expect(calls.every((c) => c.tool === 'exec_command')).toBe(true);
      expect(commands[0]).toMatch(/^orch-tmux review '.*doc\.md' --agent '.*fake\.yaml' --lenses clarity,risks --detach --json$/);
      expect(commands.at(-1)).toMatch(/^orch-tmux result \S+ synth --json$/);
      const started = jsonIn(calls[0]!.output);
      expect(started).toMatchObject({ detached: true });
      await checkRun(server, started.run, answer);
    } finally {
      await codex.stub.close();
    }
  });
});

codexTest('a real codex worker cannot start workers through the MCP server: refused (nested_spawn) from its runner ancestor, codex passing it no environment', async ({ server }) => {
  const codex = await codexFor(server);
  try {
    const config = join(codex.home, 'config.toml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('model = "gpt-5.5"', `model = "${CODEX_NAMESPACE_MODEL}"`));
    expect((await server.cli(['mcp', 'install', '--agent', 'codex'], { env: codex.env })).exitCode).toBe(0);
    const run = parseOut(await server.cli(['new', '--json', '--cwd', codex.work], { env: codex.env }));
    const call = JSON.stringify({ run: run.id, workers: [{ name: 'nested', prompt: 'hello' }], agent: fakeAgentProfile });
    const spawned = await server.cli(['spawn', run.id, 'w', '--agent', 'codex', '--prompt', `Start a helper. [[mcp:spawn:${call}]]`], { env: codex.env });
    expect(spawned.exitCode, String(spawned.stderr)).toBe(0);
    expect((await server.cli(['wait', run.id, '--timeout', '60'], { env: codex.env })).exitCode).toBe(0);
    // What codex handed back to the model is the server's refusal, with the reason: the runner among its ancestors.
    const returned = codex.stub.requests.filter((q) => q.kind === 'tool-output').map((q) => JSON.stringify(q.body.input!.at(-1)));
    expect(returned).toHaveLength(1);
    expect(returned[0]).toContain('\\"code\\":\\"nested_spawn\\"');
    expect(returned[0]).toMatch(/ancestor process \d+ is sh orch-runner/);
    expect(readFileSync(join(run.dir, 'workers', 'w', 'result.md'), 'utf8')).toContain('nested_spawn');
    expect(parseOut(await server.cli(['status', run.id, '--json'])).workers.map((w: { name: string }) => w.name)).toEqual(['w']);
    expect(parseOut(await server.cli(['ls', '--json'])).runs).toHaveLength(1);
  } finally {
    await codex.stub.close();
  }
});

describe('claude as the orchestrator', () => {
  async function orchestrate(server: TestServer, way: 'mcp' | 'shell'): Promise<{ claude: AgentEnv; answer: string; calls: { tool: string; input: Record<string, unknown>; output: string }[] }> {
    const claude = await claudeFor(server);
    // Onboarding done first: `claude mcp add` then adds to the same ~/.claude.json.
    claudeStarted(claude.home, claude.env, [claude.work]);
    const o = await installFor(server, 'claude', { ...claude.env, ENABLE_TOOL_SEARCH: 'false' }, claude.work);
    const allowed = way === 'mcp' ? 'mcp__orch-tmux' : 'Bash';
    const r = await execa('claude', ['-p', '--output-format', 'json', '--allowedTools', allowed], { input: o.prompt(way), env: o.env, extendEnv: false, cwd: claude.work, reject: false, timeout: ORCHESTRATOR_TIMEOUT_MS });
    expect(r.exitCode, `${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`).toBe(0);
    const result = JSON.parse(r.stdout) as { result: string; is_error: boolean; permission_denials: unknown[] };
    expect(result).toMatchObject({ is_error: false, permission_denials: [] });
    const requests = claude.stub.requests.filter((q) => q.url?.startsWith('/v1/messages') && !q.url.includes('count_tokens')).map((q) => q.body as { tools?: { name: string; description?: string }[]; messages: { role: string; content: unknown }[] });
    const main = requests.filter((b) => b.tools?.length);
    // The first model request offers the skill (through the Skill tool's listing) and the MCP tools by name.
    const first = JSON.stringify(main[0]);
    expect(first).toContain('orch-tmux');
    expect(first).toContain(skillDescription().slice(0, 200));
    expect(main[0]!.tools!.map((t) => t.name)).toEqual(expect.arrayContaining(['Skill', 'Bash', 'mcp__orch-tmux__review', 'mcp__orch-tmux__wait', 'mcp__orch-tmux__result']));
    const messages = main.at(-1)!.messages;
    const parts = messages.flatMap((m) => (Array.isArray(m.content) ? (m.content as { type: string; id?: string; name?: string; input?: Record<string, unknown>; tool_use_id?: string; content?: unknown }[]) : []));
    const text = (c: unknown) => (typeof c === 'string' ? c : (c as { text: string }[]).map((p) => p.text).join('\n'));
    const results = new Map(parts.filter((p) => p.type === 'tool_result').map((p) => [p.tool_use_id, text(p.content)]));
    const calls = parts.filter((p) => p.type === 'tool_use').map((p) => ({ tool: p.name!, input: p.input!, output: results.get(p.id) ?? '' }));
    return { claude, answer: result.result, calls };
  }

  claudeTest('through its MCP client: mcp__orch-tmux__review, wait, result; the answer is the synthesis', async ({ server }) => {
    const { claude, answer, calls } = await orchestrate(server, 'mcp');
    try {
      expect(calls.map((c) => c.tool)).toEqual(['mcp__orch-tmux__review', ...calls.slice(1, -1).map(() => 'mcp__orch-tmux__wait'), 'mcp__orch-tmux__result']);
      const started = jsonIn(calls[0]!.output);
      expect(started).toMatchObject({ detached: true, run: expect.any(String) });
      expect(jsonIn(calls.at(-2)!.output)).toMatchObject({ run: started.run, state: 'finished', running: [] });
      await checkRun(server, started.run, answer);
    } finally {
      await claude.stub.close();
    }
  });

  claudeTest('through its Bash tool, following the skill\'s commands', async ({ server }) => {
    const { claude, answer, calls } = await orchestrate(server, 'shell');
    try {
      expect(calls.every((c) => c.tool === 'Bash')).toBe(true);
      expect(String(calls[0]!.input.command)).toMatch(/^orch-tmux review '.*doc\.md' .* --detach --json$/);
      expect(String(calls.at(-1)!.input.command)).toMatch(/^orch-tmux result \S+ synth --json$/);
      const started = jsonIn(calls[0]!.output);
      await checkRun(server, started.run, answer);
    } finally {
      await claude.stub.close();
    }
  });
});

geminiTest('gemini: `skill install` and `mcp install` through gemini\'s own commands; gemini lists the skill with its description and connects to the server', async ({ server }) => {
  const gemini = await geminiFor(server);
  try {
    const skill = parseOut(await server.cli(['skill', 'install', '--agent', 'gemini', '--json'], { env: gemini.env }));
    expect(skill.installed).toEqual([{ dir: join(gemini.home, '.gemini', 'skills', 'orch-tmux'), readers: ['gemini'], action: 'created' }]);
    const mcp = parseOut(await server.cli(['mcp', 'install', '--agent', 'gemini', '--json'], { env: gemini.env }));
    expect(mcp.installed).toMatchObject([{ agent: 'gemini', how: 'agent-command' }]);
    // gemini starts MCP servers only in a trusted folder.
    writeFileSync(join(gemini.home, '.gemini', 'trustedFolders.json'), JSON.stringify({ [gemini.work]: 'TRUST_FOLDER' }));
    const run = (args: string[]) => execa('gemini', args, { env: gemini.env, extendEnv: false, cwd: gemini.work, reject: false, timeout: ORCHESTRATOR_TIMEOUT_MS });
    const servers = await run(['mcp', 'list']);
    expect(`${servers.stdout}\n${servers.stderr}`).toMatch(/orch-tmux: .*dist\/cli\.js mcp --home .* \(stdio\) - Connected/);
    const skills = await run(['skills', 'list']);
    expect(`${skills.stdout}\n${skills.stderr}`).toContain(`Description: ${skillDescription()}`);
  } finally {
    await gemini.stub.close();
  }
});
