// Crash consistency, proven by injection. Each write path (new, spawn, the settle step, kill, resume, the
// monitor's resume, plan, policy, trust) is first run with ORCH_TMUX_CRASH_TRACE to list the named points
// where it writes a file of record (src/os/crash-point.ts), then once per point with ORCH_TMUX_CRASH_AT:
// the writer SIGKILLs itself there. After each crash the next command must see a consistent run, and the
// monitor must recover it: every worker ends as it would have, no result lost, records and events agree.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { execa } from 'execa';
import { cleanEnv, fakeAgentProfile, openGate, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { newRun, parseOut, promptFile, statusJson, workerJson, type NewRun } from '../cli/support.js';
import { allFinished, inconsistencies } from '../helpers/consistency.js';
import { runsRoot, stateHome } from '../../src/core/paths.js';

// The points that write a file of record (others, like a prompt file, are the spawn's own business).
const RECORD_POINT = /^[^:]+:(worker\.json|result\.md|fallback\.md|events\.jsonl|run\.json|plan\.json|policy\.json|index\.jsonl|trusted\.json)(\.next)?:/;
const RECOVERY_MS = 60_000;

type Outcome = { exitCode?: number; signal?: string | null; stdout?: unknown; stderr?: unknown };

interface Scenario {
  role: string;
  /** What is crashed, when the role alone does not say. */
  title?: string;
  /** What the crashing command acts on. */
  prepare: (server: TestServer) => Promise<NewRun>;
  /** The command that may crash; `env` carries the crash settings. */
  act: (server: TestServer, run: NewRun, env: Record<string, string | undefined>) => Promise<Outcome>;
  /** Takes the crash settings back where `act` put them beyond the command's own environment. */
  cleanup?: (server: TestServer) => Promise<void>;
  /** What a person would do after seeing the command die (kill: ask again). */
  retry?: (server: TestServer, run: NewRun) => Promise<void>;
  /** Each worker's state once the run has recovered, and the result of a done one. */
  ends: Record<string, { state: string; result?: string }>;
  /** True when the run has nothing left to do (the act's effects are all recorded). */
  settled: (run: NewRun) => boolean;
}

const indexFile = (server: TestServer) => join(stateHome(server.env), 'index.jsonl');
const runState = (run: NewRun) => String((JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8')) as { state: string }).state);
const ended = (run: NewRun) => allFinished(run.dir) && runState(run) !== 'active';

async function spawnWith(server: TestServer, run: NewRun, name: string, prompt: string, env: Record<string, string | undefined> = server.env): Promise<Outcome> {
  return server.cli(['spawn', run.id, name, '--agent', fakeAgentProfile, '--prompt-file', promptFile(server, `${run.id}-${name}`, prompt)], { env });
}

// The run with its worker w spawned with `prompt` and ended.
async function withEndedWorker(server: TestServer, run: NewRun, prompt: string): Promise<NewRun> {
  expect((await spawnWith(server, run, 'w', prompt)).exitCode).toBe(0);
  const r = await server.cli(['wait', run.id, 'w', '--timeout', '30']);
  expect(r.exitCode, `wait w: ${String(r.stderr)}`).not.toBe(124);
  return run;
}

const SCENARIOS: Scenario[] = [
  {
    role: 'spawn',
    prepare: (server) => newRun(server),
    act: (server, run, env) => spawnWith(server, run, 'w', '[[reply:spawned]]', env),
    // A spawn killed before its worker was recorded made no worker (the monitor removes its folder): spawn again.
    retry: async (server, run) => {
      expect((await server.cli(['monitor', '--once'])).exitCode).toBe(0);
      if (!existsSync(join(run.dir, 'workers', 'w'))) expect((await spawnWith(server, run, 'w', '[[reply:spawned]]')).exitCode).toBe(0);
    },
    ends: { w: { state: 'done', result: 'spawned' } },
    settled: ended,
  },
  {
    // The settle step is started by the worker's runner with the tmux server's environment: the crash
    // settings reach it through the test server's global environment (and are taken back after).
    role: 'settle',
    prepare: (server) => newRun(server),
    act: async (server, run, env) => {
      for (const name of CRASH_VARS) await serverEnv(server, name, env[name]);
      // The agent ends after spawn returned (spawn records an end it sees itself): the settle step records it.
      const gate = `settle-${traces++}`;
      const r = await spawnWith(server, run, 'w', `[[gate:${gate}]] [[reply:settled]]`);
      openGate(server, gate);
      // Left to the settle step (a monitor pass would record the end first): until it recorded it, or died trying.
      const at = env.ORCH_TMUX_CRASH_AT;
      await waitUntil(() => allFinished(run.dir) || (at && traced(env.ORCH_TMUX_CRASH_TRACE!, 'settle').includes(at)), 'the settle step', RECOVERY_MS);
      return r;
    },
    cleanup: async (server) => {
      for (const name of CRASH_VARS) await serverEnv(server, name, undefined);
    },
    ends: { w: { state: 'done', result: 'settled' } },
    settled: ended,
  },
  {
    role: 'kill',
    prepare: async (server) => {
      const run = await newRun(server);
      expect((await spawnWith(server, run, 'w', '[[hang]]')).exitCode).toBe(0);
      await waitUntil(() => readFileSync(join(run.dir, 'workers', 'w', 'pane.log'), 'utf8').includes('fake-agent: hanging'), 'the agent to hang');
      return run;
    },
    act: (server, run, env) => server.cli(['kill', run.id, 'w', '--grace', '0'], { env }),
    retry: async (server, run) => {
      expect((await server.cli(['kill', run.id, 'w', '--grace', '0'])).exitCode).toBe(0);
    },
    ends: { w: { state: 'killed' } },
    settled: ended,
  },
  {
    role: 'resume',
    prepare: async (server) => {
      const run = await newRun(server);
      await freezeNoDeathPolicy(server, run);
      return withEndedWorker(server, run, 'work [[crash-once:3]]');
    },
    act: (server, run, env) => server.cli(['resume', run.id, 'w'], { env }),
    // Killed before the restart was recorded, the worker is still failed; after, before its window opened, it
    // is lost once the monitor sees nobody start it. Either way: resume it again.
    retry: async (server, run) => {
      const state = await waitUntil(async () => {
        expect((await server.cli(['monitor', '--once'])).exitCode).toBe(0);
        const now = String(workerJson(run, 'w').state);
        return now === 'pending' ? undefined : now;
      }, 'the restart to start or be seen lost', RECOVERY_MS, 200);
      if (state === 'failed' || state === 'lost') expect((await server.cli(['resume', run.id, 'w'])).exitCode).toBe(0);
    },
    ends: { w: { state: 'done' } },
    settled: ended,
  },
  {
    role: 'monitor',
    title: 'monitor resuming a worker',
    prepare: async (server) => withEndedWorker(server, await newRun(server), 'work [[crash-once:3]]'),
    act: (server, _run, env) => server.cli(['monitor', '--once'], { env }),
    ends: { w: { state: 'done' } },
    settled: ended,
  },
  {
    // The same command ending a run whose workers are all done: run.json, its event, the index line.
    role: 'monitor',
    title: 'monitor ending a run',
    prepare: async (server) => withEndedWorker(server, await newRun(server), '[[reply:finished]]'),
    act: (server, _run, env) => server.cli(['monitor', '--once'], { env }),
    ends: { w: { state: 'done', result: 'finished' } },
    settled: ended,
  },
  {
    role: 'plan',
    prepare: (server) => newRun(server),
    act: (server, run, env) => server.cli(['plan', run.id, 'set', 'read', 'write'], { env }),
    ends: {},
    settled: () => true,
  },
  {
    role: 'policy',
    prepare: (server) => newRun(server),
    act: (server, run, env) => server.cli(['policy', run.id, '--from', policyFile(server)], { env }),
    ends: {},
    settled: () => true,
  },
];

// A run whose frozen policy neither resumes nor reruns: `resume` by hand is the only way on.
async function freezeNoDeathPolicy(server: TestServer, run: NewRun): Promise<void> {
  const file = join(server.dir, 'no-death.yaml');
  writeFileSync(file, 'death: {resume: false, rerun: false}\n');
  expect((await server.cli(['policy', run.id, '--from', file])).exitCode).toBe(0);
}

function policyFile(server: TestServer): string {
  const file = join(server.dir, 'silence.yaml');
  writeFileSync(file, 'approvals: {mode: notify}\n');
  return file;
}

const CRASH_VARS = ['NODE_ENV', 'ORCH_TMUX_CRASH_TRACE', 'ORCH_TMUX_CRASH_AT'] as const;

// Sets (or with undefined, removes) a variable in the test server's global environment: new windows get it.
async function serverEnv(server: TestServer, name: string, value: string | undefined): Promise<void> {
  await execa('tmux', ['-L', server.name, 'set-environment', '-g', ...(value === undefined ? ['-u', name] : [name, value])], { env: cleanEnv(), extendEnv: false });
}

let traces = 0;
const crashEnv = (server: TestServer, trace: string, at?: string) => ({ ...server.env, NODE_ENV: 'test', ORCH_TMUX_CRASH_TRACE: trace, ORCH_TMUX_CRASH_AT: at });
// The points a role passed, in order (each line is `ROLE:POINT#N TIME`).
const traced = (trace: string, role: string) => (existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter((l) => l.startsWith(`${role}:`)).map((l) => l.split(' ')[0]!) : []);

// The points a scenario's writer passes where it writes a file of record, in order.
async function pointsOf(server: TestServer, s: Scenario): Promise<string[]> {
  const run = await s.prepare(server);
  const trace = join(server.dir, `trace-${traces++}`);
  const r = await s.act(server, run, crashEnv(server, trace));
  expect(r.exitCode, `${s.role} without a crash: ${String(r.stderr)}`).toBe(0);
  await recover(server, s, run, `${s.role} without a crash`);
  await s.cleanup?.(server);
  const points = traced(trace, s.role).filter((p) => RECORD_POINT.test(p));
  expect(points.length, `${s.role} passes crash points: ${existsSync(trace) ? readFileSync(trace, "utf8") : "no trace"}`).toBeGreaterThan(0);
  return points;
}

// The states of the workers as `status --json` (a reader) reports them must be the ones their events say.
async function statusAgreesWithEvents(server: TestServer, run: NewRun, at: string): Promise<void> {
  const status = await statusJson(server, run.id);
  const events = readFileSync(join(run.dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).flatMap((l) => {
    try {
      return [JSON.parse(l) as { kind: string; worker?: string; detail?: { to?: string; version?: number } }];
    } catch {
      return [];
    }
  });
  for (const w of status.workers) {
    if ((w as { recorded?: boolean }).recorded === false) continue;
    const last = events.filter((e) => e.worker === w.name && typeof e.detail?.version === 'number' && e.kind !== 'worker.refused').at(-1);
    const logged = last?.kind === 'worker.created' ? ((last.detail as { state?: string }).state ?? 'pending') : last?.detail?.to;
    expect(w.state, `${at}: status of ${w.name} against its last event`).toBe(logged);
  }
}

// Monitor passes (what cron runs) until the run has nothing left to do: plain spawned runs end only there.
async function recover(server: TestServer, s: Scenario, run: NewRun, what: string): Promise<void> {
  await waitUntil(async () => {
    const pass = await server.cli(['monitor', '--once']);
    expect(pass.exitCode, `${what}: monitor --once: ${String(pass.stderr)}`).toBe(0);
    return s.settled(run) || undefined;
  }, `${what}: the monitor to recover the run`, RECOVERY_MS, 200);
}

async function crashAndRecover(server: TestServer, s: Scenario, at: string): Promise<void> {
  const run = await s.prepare(server);
  const trace = join(server.dir, `trace-${traces++}`);
  const r = await s.act(server, run, crashEnv(server, trace, at));
  await waitUntil(() => traced(trace, s.role).includes(at), `${at}: the writer to reach its crash point`, RECOVERY_MS);
  await s.cleanup?.(server);
  if (s.role !== 'settle') expect(r.signal, `${at}: the command was killed there`).toBe('SIGKILL');
  await statusAgreesWithEvents(server, run, at);
  await s.retry?.(server, run);
  await recover(server, s, run, at);
  expect(inconsistencies(run.dir, indexFile(server)), at).toEqual([]);
  for (const [name, end] of Object.entries(s.ends)) {
    expect(workerJson(run, name).state, `${at}: ${name}`).toBe(end.state);
    if (end.state === 'done') expect(readFileSync(join(run.dir, 'workers', name, 'result.md'), 'utf8'), `${at}: ${name}'s result`).toContain(end.result ?? '');
  }
}

describe('crash points: every write path, killed at each step, recovers', () => {
  for (const s of SCENARIOS) {
    test(s.title ?? s.role, async ({ server }) => {
      const points = await pointsOf(server, s);
      for (const at of points) await crashAndRecover(server, s, at);
    }, 600_000);
  }

  test('new: a run is there whole (listed, usable) or not listed at all', async ({ server }) => {
    const root = runsRoot(undefined, server.env);
    const trace = join(server.dir, 'trace-new');
    expect((await server.cli(['new', '--json'], { env: crashEnv(server, trace) })).exitCode).toBe(0);
    const points = traced(trace, 'new').filter((p) => RECORD_POINT.test(p));
    expect(points.length).toBeGreaterThan(0);
    for (const at of points) {
      const before = new Set(existsSync(root) ? readdirSync(root) : []);
      const r = await server.cli(['new', '--json'], { env: crashEnv(server, join(server.dir, `trace-${traces++}`), at) });
      expect(r.signal, at).toBe('SIGKILL');
      const [id] = readdirSync(root).filter((d) => !before.has(d));
      // Not yet in the index: no command lists it, and nothing else is left to agree with.
      const ls = await server.cli(['ls', '--json']);
      expect(ls.exitCode, at).toBe(0);
      if (!parseOut<{ runs: { id: string }[] }>(ls).runs.some((e) => e.id === id)) continue;
      const run: NewRun = { id: id!, dir: join(root, id!), session: '', socketPath: '' };
      expect((await spawnWith(server, run, 'w', '[[reply:usable]]')).exitCode, at).toBe(0);
      await waitUntil(async () => ((await server.cli(['monitor', '--once'])).exitCode === 0 && ended(run)) || undefined, `${at}: the run to end`, RECOVERY_MS, 200);
      expect(inconsistencies(run.dir, indexFile(server)), at).toEqual([]);
      expect(workerJson(run, 'w').state, at).toBe('done');
    }
  }, 600_000);

  test('trust: the trusted list is the old one or the new one, never torn', async ({ server }) => {
    const config = join(server.dir, 'work', '.orch', 'config.yaml');
    mkdirSync(join(config, '..'), { recursive: true });
    writeFileSync(config, 'approvals: {mode: notify}\n');
    const trace = join(server.dir, 'trace-trust');
    expect((await server.cli(['trust'], { env: crashEnv(server, trace) })).exitCode).toBe(0);
    const points = traced(trace, 'trust').filter((p) => RECORD_POINT.test(p));
    expect(points).toEqual(['trust:trusted.json:written#1']);
    writeFileSync(config, 'approvals: {mode: notify, deny: [rm]}\n'); // changed: untrusted again
    const r = await server.cli(['trust'], { env: crashEnv(server, join(server.dir, 'trace-trust-2'), points[0]) });
    expect(r.signal).toBe('SIGKILL');
    // Killed once the new list was in place: it is whole, and the changed file counts as trusted.
    expect(() => JSON.parse(readFileSync(join(stateHome(server.env), 'trusted.json'), 'utf8'))).not.toThrow();
    const made = await server.cli(['new', '--json']);
    expect(made.exitCode).toBe(0);
    expect(String(made.stderr)).not.toMatch(/not trusted/);
  });
});
