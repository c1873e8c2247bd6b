// --budget-usd: agents that report their cost, a budget below what the run would spend: once the reported
// cost passes it nothing new starts, the running workers are stopped, the run ends over_budget (exit 1),
// and status --json and the report give the figures.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, fixturesDir, openGate, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { readEvents, runDirs, workerRecord } from './support.js';

const jsonAgent = join(fixturesDir, 'agents', 'fake-json.yaml');

// Runs the pattern (three workers part-a, -b, -c held at gates of their own; each reports $0.0001 and 15
// tokens as it ends) with the budget flags: a's end passes nothing, b's passes the budget; the run exits 1.
async function passedAtB(server: TestServer, pattern: string, budget: string[]) {
  const running = server.cli(['run', pattern, '--agent', jsonAgent, ...budget, '--json']);
  const dir = await waitUntil(() => runDirs(server)[0], 'the run', 15_000);
  const state = (name: string) => { try { return workerRecord(dir, name).state; } catch { return undefined; } };
  await waitUntil(() => ['part-a', 'part-b', 'part-c'].every((n) => state(n) === 'running'), 'three workers running', 30_000);
  openGate(server, 'a');
  await waitUntil(() => state('part-a') === 'done', 'part-a done');
  expect(readEvents(dir).some((e) => e.kind === 'run.over-budget')).toBe(false);
  openGate(server, 'b');
  const r = await running;
  expect(r.exitCode, String(r.stderr)).toBe(1);
  return { dir, state, out: JSON.parse(String(r.stdout)) };
}

describe('--budget-usd', () => {
  test('past the budget: the running worker is stopped, the next stage never starts, the run ends over_budget with its figures', async ({ server }) => {
    // Three workers (each reports $0.0001 when it ends) held at gates of their own, then a stage after them.
    const pattern = join(server.dir, 'spend.yaml');
    writeFileSync(pattern, [
      'name: spend',
      'stages:',
      '  - id: part',
      '    template: implementer',
      '    foreach: list',
      '    over: "a,b,c"',
      '    vars: { task: "do {{item.id}} [[gate:{{item.id}}]]" }',
      '  - id: sum',
      '    template: implementer',
      '    needs: [part]',
      '    vars: { task: "sum up" }',
      '',
    ].join('\n'));
    const { dir, state, out } = await passedAtB(server, pattern, ['--budget-usd', '0.00015']);
    expect(out).toMatchObject({ ok: false, outcome: 'over_budget', reason: 'over budget: $0.0002 spent of $0.00015' });
    // c was running at the crossing: stopped. sum never started.
    expect(state('part-c')).toBe('killed');
    expect(existsSync(join(dir, 'workers', 'sum'))).toBe(false);
    const crossed = readEvents(dir).find((e) => e.kind === 'run.over-budget')!;
    expect(crossed.detail).toMatchObject({ budgetUsd: 0.00015, stopping: ['part-c'] });
    for (const n of ['part-a', 'part-b', 'part-c']) expect(Date.parse(workerRecord(dir, n).startedAt)).toBeLessThan(Date.parse(crossed.time));

    const status = JSON.parse(String((await server.cli(['status', out.run, '--json'])).stdout));
    expect(status).toMatchObject({ state: 'finished', outcome: 'over_budget', reason: 'over budget: $0.0002 spent of $0.00015', budget: { usd: 0.00015 } });
    expect(status.usage.cost).toBeGreaterThanOrEqual(0.0002);
    const report = String((await server.cli(['report', out.run, '--md'])).stdout);
    expect(report).toMatch(/state finished \(over_budget: over budget: \$0\.0002 spent of \$0\.00015\)/);
    expect(report).toMatch(/budget \$0\.00015/);
    const ls = JSON.parse(String((await server.cli(['ls', '--json'])).stdout));
    expect(ls.runs[0]).toMatchObject({ id: out.run, outcome: 'over_budget' });
  }, 120_000);

  test('what is left of --budget-usd reaches an agent whose profile has a {{budgetUsd}} item, as its own flags; nothing without a budget', async ({ server }) => {
    const pattern = join(server.dir, 'two.yaml');
    writeFileSync(pattern, ['name: two', 'stages:', '  - id: first', '    template: implementer', '    vars: { task: "one" }', '  - id: second', '    template: implementer', '    needs: [first]', '    vars: { task: "two" }', ''].join('\n'));
    const r = await server.cli(['run', pattern, '--agent', jsonAgent, '--budget-usd', '1', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const dir = JSON.parse(String(r.stdout)).dir as string;
    const flag = (name: string) => { const argv = workerRecord(dir, name).argv; const i = argv.indexOf('--max-budget-usd'); return i < 0 ? undefined : argv[i + 1]; };
    // The first worker reported $0.0001: the second starts with what is left.
    expect([flag('first'), flag('second')]).toEqual(['1', '0.9999']);
    const without = await server.cli(['run', pattern, '--agent', jsonAgent, '--json']);
    expect(without.exitCode, String(without.stderr)).toBe(0);
    expect(workerRecord(JSON.parse(String(without.stdout)).dir, 'first').argv).not.toContain('--max-budget-usd');
  }, 120_000);

  test('--budget-tokens: past the reported input and output tokens the run stops the same way, with its figures', async ({ server }) => {
    // Each worker reports 10 input and 5 output tokens when it ends: two of them pass 20.
    const pattern = join(server.dir, 'use.yaml');
    writeFileSync(pattern, ['name: use', 'stages:', '  - id: part', '    template: implementer', '    foreach: list', '    over: "a,b,c"', '    vars: { task: "do {{item.id}} [[gate:{{item.id}}]]" }', ''].join('\n'));
    const { dir, state, out } = await passedAtB(server, pattern, ['--budget-tokens', '20']);
    expect(out).toMatchObject({ ok: false, outcome: 'over_budget', reason: 'over budget: 30 tokens used of 20' });
    expect(state('part-c')).toBe('killed');
    expect(readEvents(dir).find((e) => e.kind === 'run.over-budget')!.detail).toMatchObject({ usedTokens: 30, budgetTokens: 20, stopping: ['part-c'] });
    const status = JSON.parse(String((await server.cli(['status', out.run, '--json'])).stdout));
    expect(status).toMatchObject({ outcome: 'over_budget', budget: { tokens: 20 } });
    expect(status.usage.tokens.input + status.usage.tokens.output).toBeGreaterThanOrEqual(30);
    expect(String((await server.cli(['report', out.run, '--md'])).stdout)).toMatch(/tokens \d+ of 20/);
  }, 120_000);

  test('--budget-minutes for agents that report no usage: past the workers\' summed wall time the run stops; with --budget-usd too, the workers that reported no cost are named', async ({ server }) => {
    const pattern = join(server.dir, 'slow.yaml');
    writeFileSync(pattern, ['name: slow', 'stages:', '  - id: part', '    template: implementer', '    foreach: list', '    over: "a,b"', '    vars: { task: "do {{item.id}} [[gate:{{item.id}}]]" }', '  - id: sum', '    template: implementer', '    needs: [part]', '    vars: { task: "sum up" }', ''].join('\n'));
    const running = server.cli(['run', pattern, '--agent', fakeAgentProfile, '--budget-minutes', '0.0001', '--budget-usd', '5', '--json']);
    const dir = await waitUntil(() => runDirs(server)[0], 'the run', 15_000);
    const state = (name: string) => { try { return workerRecord(dir, name).state; } catch { return undefined; } };
    await waitUntil(() => ['part-a', 'part-b'].every((n) => state(n) === 'running'), 'two workers running', 30_000);
    openGate(server, 'a');
    const r = await running;
    expect(r.exitCode, String(r.stderr)).toBe(1);
    const out = JSON.parse(String(r.stdout));
    expect(out).toMatchObject({ outcome: 'over_budget', reason: expect.stringMatching(/^over budget: [\d.]+ worker-minutes of 0\.0001$/) });
    expect(state('part-b')).toBe('killed');
    expect(existsSync(join(dir, 'workers', 'sum'))).toBe(false);
    expect(readEvents(dir).find((e) => e.kind === 'run.over-budget')!.detail).toMatchObject({ budgetMinutes: 0.0001, unpriced: ['part-a'], stopping: ['part-b'] });
    const status = JSON.parse(String((await server.cli(['status', out.run, '--json'])).stdout));
    expect(status.budget).toMatchObject({ usd: 5, minutes: 0.0001 });
    expect([...status.budget.unpriced].sort()).toEqual(['part-a', 'part-b']);
  }, 120_000);

  test('budget in the user\'s config: a run that gives no --budget-* flag keeps it (status says so) and stops past it', async ({ server }) => {
    mkdirSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux'), { recursive: true });
    writeFileSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux', 'config.yaml'), 'budget: {tokens: 20}\n');
    const pattern = join(server.dir, 'use2.yaml');
    writeFileSync(pattern, ['name: use2', 'stages:', '  - id: part', '    template: implementer', '    foreach: list', '    over: "a,b"', '    vars: { task: "do {{item.id}}" }', '  - id: sum', '    template: implementer', '    needs: [part]', '    vars: { task: "sum up" }', ''].join('\n'));
    const r = await server.cli(['run', pattern, '--agent', jsonAgent, '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(1);
    const out = JSON.parse(String(r.stdout));
    expect(out).toMatchObject({ outcome: 'over_budget', reason: 'over budget: 30 tokens used of 20' });
    expect(existsSync(join(out.dir, 'workers', 'sum'))).toBe(false);
    expect(JSON.parse(String((await server.cli(['status', out.run, '--json'])).stdout)).budget).toEqual({ tokens: 20 });
  }, 120_000);

  test('--budget-tokens must be a whole number above 0: one line, exit 2, no run', async ({ server }) => {
    const r = await server.cli(['run', 'review', '--var', 'doc=x.md', '--budget-tokens', '1.5']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('orch-tmux run: Expected --budget-tokens to be a whole number of tokens above 0 (like 200000), got "1.5"');
    expect(runDirs(server)).toEqual([]);
  });

  test('--budget-usd must be an amount above 0: one line, exit 2, no run', async ({ server }) => {
    const r = await server.cli(['run', 'review', '--var', 'doc=x.md', '--budget-usd', 'ten']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('orch-tmux run: Expected --budget-usd to be an amount in US dollars above 0 (like 0.50), got "ten"');
    expect(runDirs(server)).toEqual([]);
  });
});
