// `orch-tmux mcp` at the protocol level, with the SDK's own client over stdio and the server given none of
// orch-tmux's environment (as codex starts it): every tool listed with a JSON Schema and called, answers that
// agree with the CLI and the run directory, bad arguments refused by the schema, failures carrying the code.
import { execa } from 'execa';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, repoRoot, test } from '../helpers/tmux-server.js';
import { parseOut } from '../cli/support.js';
import { bareEnv, connectMcp, serverArgs, type McpSession } from './support.js';

const TOOL_NAMES = ['review', 'run', 'new', 'spawn', 'status', 'wait', 'result', 'log', 'explain', 'send', 'approve', 'deny', 'kill', 'resume', 'plan', 'report'];

/** Waits (bounded calls of the wait tool) until nothing of the run still runs. */
async function waitAll(mcp: McpSession, run: string): Promise<{ ended: { name: string; state: string }[]; running: string[] }> {
  for (let i = 0; i < 10; i++) {
    const w = await mcp.call('wait', { run, timeout: 20 });
    expect(w.isError, JSON.stringify(w.json)).toBe(false);
    if (w.json.running.length === 0) return w.json;
  }
  throw new Error(`run ${run} still running after 10 waits`);
}

describe('orch-tmux mcp', () => {
  test('every tool listed and called: answers agree with the CLI and the run directory; bad arguments and failures are tool errors with a code', async ({ server }) => {
    const mcp = await connectMcp(server);
    try {
      const { tools } = await mcp.client.listTools();
      expect(tools.map((t) => t.name)).toEqual(TOOL_NAMES);
      for (const t of tools) {
        expect(t.inputSchema, t.name).toMatchObject({ type: 'object', additionalProperties: false });
        expect(t.description!.length, t.name).toBeGreaterThan(10);
      }
      expect(tools.find((t) => t.name === 'wait')!.inputSchema.properties!.timeout).toMatchObject({ maximum: 50, default: 20 });
      // Annotations: codex asks before a tool that may destroy or reach out (refused outright under `codex exec`).
      const hints = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
      expect(tools.filter((t) => t.annotations?.readOnlyHint).map((t) => t.name)).toEqual(['status', 'wait', 'result', 'log', 'explain', 'report']);
      expect(tools.filter((t) => t.annotations?.destructiveHint).map((t) => t.name)).toEqual(['kill']);
      expect(hints.review).toEqual({ readOnlyHint: false, destructiveHint: false, openWorldHint: false });

      // new + spawn (two workers, prompt texts), wait, result: the same as the CLI reads from the run directory.
      const made = await mcp.call('new', { name: 'mcp-test' });
      expect(made.isError).toBe(false);
      const run = made.json.id as string;
      const spawned = await mcp.call('spawn', { run, agent: fakeAgentProfile, workers: [{ name: 'a', prompt: 'First. [[reply:alpha answer]]' }, { name: 'b', prompt: 'Second. [[reply:beta answer]]' }] });
      expect(spawned).toMatchObject({ isError: false, json: { run, workers: [{ name: 'a' }, { name: 'b' }] } });
      const waited = await waitAll(mcp, run);
      expect(waited.ended).toEqual([{ name: 'a', state: 'done' }, { name: 'b', state: 'done' }]);
      const result = await mcp.call('result', { run, worker: 'a' });
      expect(result.json).toMatchObject({ worker: 'a', state: 'done', text: 'alpha answer' });
      expect(readFileSync(result.json.path, 'utf8')).toBe('alpha answer');
      const status = await mcp.call('status', { run });
      const cli = parseOut(await server.cli(['status', run, '--json']));
      expect(status.json).toEqual({ run, state: cli.state, dir: cli.dir, workers: cli.workers.map((w: { name: string; state: string; result: string }) => ({ name: w.name, state: w.state, result: w.result })) });
      const full = await mcp.call('status', { run, full: true });
      expect(full.json.policy).toEqual(cli.policy);
      expect(full.bytes).toBeGreaterThan(status.bytes * 2);
      expect((await mcp.call('status')).json.runs.map((r: { run: string }) => r.run)).toEqual([run]);

      const log = await mcp.call('log', { run, worker: 'b', lines: 5 });
      expect(log.json.text.split('\n').length).toBeLessThanOrEqual(5);
      expect((await mcp.call('explain', { run, worker: 'b' })).json).toMatchObject({ worker: 'b', state: 'done' });
      expect((await mcp.call('plan', { run, action: 'set', steps: ['scout', 'fix', 'verify'] })).json.plan.steps.map((s: { status: string }) => s.status)).toEqual(['in_progress', 'pending', 'pending']);
      expect((await mcp.call('plan', { run, action: 'done', step: 1 })).json.plan.steps.map((s: { status: string }) => s.status)).toEqual(['completed', 'in_progress', 'pending']);
      expect(JSON.parse(readFileSync(join(cli.dir, 'plan.json'), 'utf8')).steps[1].status).toBe('in_progress');
      expect((await mcp.call('report', { run })).json.text).toContain('alpha answer');

      // A worker that has ended: send, approve and deny refuse with the CLI's code; resume of a done worker too.
      for (const [tool, args] of [['send', { text: 'more' }], ['approve', {}], ['deny', {}]] as const) {
        expect(await mcp.call(tool, { run, worker: 'a', ...args }), tool).toMatchObject({ isError: true, json: { code: 'worker_ended', message: expect.stringContaining('has ended') } });
      }
      const resumed = await mcp.call('resume', { run, worker: 'a' });
      expect(resumed.isError).toBe(true);
      expect(resumed.json.code).toMatch(/^worker_/);
      // A worker still running: the bounded wait says so (timed out, what runs), and kill ends it.
      await mcp.call('spawn', { run, agent: fakeAgentProfile, workers: [{ name: 'h', prompt: 'Hang. [[hang]]' }] });
      expect((await mcp.call('wait', { run, timeout: 0.5 })).json).toEqual({ run, state: 'active', timedOut: true, exitCode: 124, ended: [{ name: 'a', state: 'done' }, { name: 'b', state: 'done' }], running: ['h'] });
      expect((await mcp.call('kill', { run, worker: 'h', grace: 0 })).json).toMatchObject({ run, workers: [{ name: 'h', state: 'killed' }] });
      expect((await mcp.call('status', { run })).json.workers.at(-1)).toMatchObject({ name: 'h', state: 'killed' });

      // review and run start detached: the answer (the run id) comes back at once; rehearsals here.
      const doc = join(server.dir, 'work', 'doc.md');
      writeFileSync(doc, '# Plan\n\nShip it.\n');
      const review = await mcp.call('review', { doc, agent: fakeAgentProfile, lenses: ['clarity', 'risks'], dryRun: true });
      expect(review.json).toMatchObject({ detached: true, run: expect.any(String) });
      const pattern = await mcp.call('run', { pattern: 'review', vars: { doc }, agent: fakeAgentProfile, dryRun: true });
      expect(pattern.json).toMatchObject({ detached: true });
      const rehearsed = await waitAll(mcp, review.json.run);
      expect(rehearsed.ended.map((w) => w.name).sort()).toEqual(['clarity', 'risks', 'synth']);
      expect(readFileSync(join(review.json.dir, 'synthesis.md'), 'utf8')).toMatch(/rehearsal/i);
      await waitAll(mcp, pattern.json.run);

      // Bad arguments: refused by the schema before anything runs, as tool errors naming the argument.
      const bad = [
        ['spawn', { run: 5, workers: [] }, /run/],
        ['wait', { run, timeout: 99 }, /timeout/],
        ['status', { run, colour: true }, /colour|Unrecognized/i],
        ['spawn', { run, workers: [{ name: 'x', prompt: 'p', template: 't' }] }, /exactly one of prompt/],
        ['plan', { run, action: 'start' }, /needs step/],
        ['nosuch', {}, /the tools are/],
      ] as const;
      for (const [tool, args, message] of bad) {
        const r = await mcp.call(tool, args as Record<string, unknown>);
        expect(r, `${tool} ${JSON.stringify(args)}`).toMatchObject({ isError: true, json: { code: tool === 'nosuch' ? 'unknown_tool' : 'bad_arguments', message: expect.stringMatching(message) } });
      }
      // A failure of the command itself carries the CLI's code.
      expect(await mcp.call('result', { run: 'no-such-run', worker: 'a' })).toMatchObject({ isError: true, json: { code: 'unknown_run' } });
      expect(await mcp.call('spawn', { run, workers: [{ name: 'c', promptFile: join(server.dir, 'missing.md') }], agent: fakeAgentProfile })).toMatchObject({ isError: true, json: { code: 'bad_usage', message: expect.stringContaining('does not exist') } });
      expect(existsSync(join(cli.dir, 'workers', 'c'))).toBe(false);
    } finally {
      await mcp.close();
    }
  });

  test('inside a worker: review, run, new and spawn are refused (nested_spawn, with the reason), from the environment or from an orch-tmux runner among the server\'s ancestors', async ({ server }) => {
    const run = String((await server.cli(['new'])).stdout).trim();
    const byEnv = await connectMcp(server, { env: bareEnv(server, { ORCH_TMUX_WORKER: `${run}/w` }) });
    try {
      const r = await byEnv.call('spawn', { run, workers: [{ name: 'x', prompt: 'hi' }], agent: fakeAgentProfile });
      expect(r).toMatchObject({ isError: true, json: { code: 'nested_spawn', message: expect.stringContaining(`inside worker ${run}/w`) } });
      expect((await byEnv.call('status', { run })).isError).toBe(false);
    } finally {
      await byEnv.close();
    }
    // A stand-in runner (a shell script named orch-runner) that starts the server as its child, with no
    // ORCH_TMUX_WORKER: what a codex worker's MCP server looks like.
    const runner = join(server.dir, 'scripts', 'orch-runner');
    mkdirSync(join(server.dir, 'scripts'));
    writeFileSync(runner, '#!/bin/sh\n"$@"\n');
    chmodSync(runner, 0o755);
    const byAncestor = await connectMcp(server, { command: '/bin/sh', args: [runner, process.execPath, ...serverArgs(server)] });
    try {
      for (const [tool, args] of [['new', {}], ['review', { doc: runner }], ['run', { pattern: 'review' }], ['spawn', { run, workers: [{ name: 'x', prompt: 'hi' }] }]] as const) {
        const r = await byAncestor.call(tool, args as Record<string, unknown>);
        expect(r, tool).toMatchObject({ isError: true, json: { code: 'nested_spawn', message: expect.stringMatching(/ancestor process \d+ is sh orch-runner/) } });
      }
      expect((await byAncestor.call('status', { run })).json.workers).toEqual([]);
    } finally {
      await byAncestor.close();
    }
    expect(parseOut(await server.cli(['ls', '--json'])).runs).toHaveLength(1);
  });

  test('the MCP Inspector CLI lists the tools', async ({ server }) => {
    // inspector-cli 1.0.3 finds its own package.json relative to the working directory: run it from its build folder.
    const inspector = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'inspector-cli', 'build');
    const r = await execa(process.execPath, [join(inspector, 'cli.js'), '--cli', process.execPath, ...serverArgs(server), '--method', 'tools/list'], { cwd: inspector, env: bareEnv(server), extendEnv: false, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const listed = JSON.parse(r.stdout) as { tools: { name: string; inputSchema: { type: string } }[] };
    expect(listed.tools.map((t) => t.name)).toEqual(TOOL_NAMES);
    expect(listed.tools.every((t) => t.inputSchema.type === 'object')).toBe(true);
  });
});
