// Injection: shell and tmux metacharacters in prompts, names, lenses, file and folder names, --var values,
// template and profile placeholders, sent messages, plan steps, notify commands and cron lines. Each payload
// tries to `touch` a canary; none may ever appear, prompts must arrive byte for byte, bad names exit 2.
import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { cleanEnv, fakeAgentProfile, fakeTuiProfile, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import {
  batch, binaryPrompts, canary, described, fakeMessage, mapLimit, nastyFileNames, newRun, notifyRecorder, notifyRecords, oneLine,
  notDone, payloads, reportTally, sha256, shutdown, tally, workerFile, workerJson, writePolicy, type Run,
} from './support.js';

afterAll(() => reportTally(import.meta.filename));

const windows = async (server: TestServer, session: string) =>
  (await execa('tmux', ['-L', server.name, 'list-windows', '-t', `=${session}`, '-F', '#{window_name}'], { env: cleanEnv(), extendEnv: false })).stdout.split('\n');
const sessions = async (server: TestServer) =>
  (await execa('tmux', ['-L', server.name, 'list-sessions', '-F', '#{session_name}'], { env: cleanEnv(), extendEnv: false })).stdout.split('\n');
const workerNames = (run: Run) => (existsSync(join(run.dir, 'workers')) ? readdirSync(join(run.dir, 'workers')).sort() : []);

/** A profile that hands `{{payload}}` to the fake agent as its PROMPT argument (after `--`). */
function argvProfile(server: TestServer): string {
  const path = join(server.dir, 'fake-argv.yaml');
  writeFileSync(path, [
    'name: fake-argv',
    'mode: exec',
    'command: [fake-agent, --last-message, "{{lastMessageFile}}", "--", "{{payload}}"]',
    'prompt: none',
    'lastMessage: file',
    'sessionId: { from: output, regex: "session id: ([0-9a-f-]{36})" }',
    '',
  ].join('\n'));
  return path;
}

/** One payload of each family, for the channels that need not see them all. */
const CORE = new Set(['00', '01', '02', '07', '08', '09', '13', '15', '17', '21', '23', '26', '28', '30', '34', '38']);
const core = (list: ReturnType<typeof payloads>) => list.filter((p) => CORE.has(p.id));

describe.concurrent('injection', () => {
  test('prompts: every payload via --prompt-file and --prompt, and non-UTF-8 files, reach the agent byte for byte', async ({ server, expect }) => {
    const c = canary(server);
    const run = await newRun(server);
    const list = payloads(c.dir, c.tag);
    mkdirSync(join(server.dir, 'prompts'));
    const jobs = [
      ...list.map((p) => ({ name: `f${p.id}`, bytes: Buffer.from(p.text), arg: undefined as string | undefined })),
      ...binaryPrompts(c.dir, c.tag).map((b) => ({ name: `f${b.id}`, bytes: b.bytes, arg: undefined as string | undefined })),
      ...list.filter((p) => !p.huge).map((p) => ({ name: `a${p.id}`, bytes: Buffer.from(p.text), arg: p.text })),
    ];
    // Environment values the runner forwards through `new-window -e`: tmux must not expand them either.
    const env = { ...server.env, NASTY_JOB: `#(touch ${c.dir}/pwned-${c.tag}-env1)`, NASTY_SUBST: `$(touch ${c.dir}/pwned-${c.tag}-env2)\n#{pane_id}` };
    tally('injection', jobs.length + 2);
    const results = await mapLimit(jobs, 4, async (j) => {
      let source: string[];
      if (j.arg === undefined) {
        const file = join(server.dir, 'prompts', j.name);
        writeFileSync(file, j.bytes);
        source = ['--prompt-file', file];
      } else source = [`--prompt=${j.arg}`];
      return server.cli(['spawn', run.id, j.name, '--agent', fakeAgentProfile, ...source], { env });
    });
    results.forEach((r, i) => expect(r.exitCode, `${jobs[i]!.name}: ${described(r)}`).toBe(0));
    expect.soft(await notDone(server, run.id), 'every worker done').toEqual([]);
    for (const j of jobs) {
      expect.soft(readFileSync(workerFile(run, j.name, 'prompt.md')).equals(j.bytes), `${j.name} prompt.md`).toBe(true);
      expect.soft(existsSync(workerFile(run, j.name, 'result.md')) && readFileSync(workerFile(run, j.name, 'result.md'), 'utf8'), `${j.name}: what the agent read`).toBe(fakeMessage(j.bytes));
    }
    expect(c.hits()).toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 240_000);

  test('worker names: every nasty name is refused with exit 2 and one line, by spawn and by every command that takes one', async ({ server, expect }) => {
    const c = canary(server);
    const run = await newRun(server);
    const names = [
      ...payloads(c.dir, c.tag).filter((p) => !p.huge).map((p) => p.text),
      '', 'A', 'a b', '-rf', '-', 'a:b', 'a.b', 'a/b', '../x', '.', '..', '=a', '%1', '@1', '$1', 'a\nb', 'ü', 'x'.repeat(41),
      'a_b', ' a', 'a ', '-w', 'w\x00', 'w;', 'orch:1', 'w\t',
    ].filter((n) => !n.includes('\x00')); // argv cannot carry NUL
    const before = { windows: await windows(server, run.session) };
    const spawns = await batch(server, names.map((name) => ['spawn', '--agent', fakeAgentProfile, `--prompt=$(touch ${c.dir}/pwned-${c.tag}-spawn)`, '--', run.id, name]));
    spawns.forEach((r, i) => {
      expect(r.exitCode, `spawn ${JSON.stringify(names[i])}: ${described(r)}`).toBe(2);
      expect(oneLine(r.stderr), `spawn ${JSON.stringify(names[i])}: one line: ${JSON.stringify(String(r.stderr))}`).toBe(true);
      expect(String(r.stderr)).toContain('Expected a worker name');
    });
    expect(workerNames(run)).toEqual([]);
    expect(await windows(server, run.session)).toEqual(before.windows);
    // The other commands that take a worker name.
    const some = names.filter((_, i) => i % 12 === 0);
    const others: [string[], string][] = [];
    for (const name of some) {
      others.push([['result', '--', run.id, name], 'Expected a worker name']);
      others.push([['log', '--', run.id, name], 'Expected a worker name']);
      others.push([['kill', '--', run.id, name], 'Expected a worker name']);
      others.push([['resume', '--', run.id, name], 'Expected a worker name']);
      others.push([['send', '--', run.id, name, 'hello'], 'Expected a worker name']);
      others.push([['keys', '--', run.id, name, 'Enter'], 'Expected a worker name']);
      others.push([['wait', '--', run.id, name], 'Unknown worker']);
    }
    tally('injection', names.length + others.length);
    // One real CLI call per command, the rest in this process.
    const byCommand = new Map<string, [string[], string][]>();
    for (const o of others) byCommand.set(o[0][0]!, [...(byCommand.get(o[0][0]!) ?? []), o]);
    const results = (await Promise.all([...byCommand.values()].map((group) => batch(server, group.map(([args]) => args))))).flat();
    const ordered = [...byCommand.values()].flat();
    results.forEach((r, i) => {
      const [args, fragment] = ordered[i]!;
      expect(r.exitCode, `${args[0]} ${JSON.stringify(args[3])}: ${described(r)}`).toBe(2);
      expect(oneLine(r.stderr), `${args[0]} ${JSON.stringify(args[3])}: one line: ${JSON.stringify(String(r.stderr))}`).toBe(true);
      expect(String(r.stderr), args.join(' ')).toContain(fragment);
    });
    expect(c.hits()).toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 180_000);

  test('run names (--name) are kept as given or refused; session names (--session) are refused; nothing runs', async ({ server, expect }) => {
    const c = canary(server);
    const list = payloads(c.dir, c.tag).filter((p) => !p.huge);
    const texts = [...list.map((p) => p.text), 'x'.repeat(200), 'y'.repeat(201), '-', '--json', 'ok name'];
    tally('injection', texts.length);
    const results = await batch(server, texts.map((name) => ['new', '--json', `--name=${name}`]));
    for (const [i, r] of results.entries()) {
      const name = texts[i]!;
      const bad = /[\x00-\x1f\x7f]/.test(name) || name.length > 200;
      if (bad) {
        expect(r.exitCode, `--name ${JSON.stringify(name.slice(0, 40))}: ${described(r)}`).toBe(2);
        expect(oneLine(r.stderr), JSON.stringify(String(r.stderr))).toBe(true);
        expect(String(r.stderr)).toContain('Expected a run name');
        continue;
      }
      expect(r.exitCode, `--name ${JSON.stringify(name.slice(0, 40))}: ${described(r)}`).toBe(0);
      const run = JSON.parse(String(r.stdout)) as Run;
      expect(JSON.parse(readFileSync(join(run.dir, 'run.json'), 'utf8')).name, 'run.json keeps the name').toBe(name);
      expect(run.session).toMatch(/^orch-\d{8}-\d{6}-[a-z0-9-]+-[0-9a-f]{4}$/);
    }
    // The names show up unchanged where people and programs read them.
    const ls = await server.cli(['ls', '--json']);
    const shown = (JSON.parse(String(ls.stdout)) as { runs: { name?: string }[] }).runs.map((r) => r.name);
    for (const name of texts.filter((n) => !/[\x00-\x1f\x7f]/.test(n) && n.length <= 200)) expect(shown, 'ls --json').toContain(name);
    const status = await server.cli(['status']);
    expect(status.exitCode, described(status)).toBe(0);
    // --session: the same payloads are all refused before tmux sees them.
    const before = await sessions(server);
    const runsBefore = readdirSync(join(server.dir, 'runs'));
    const bad = [...core(list).map((p) => p.text), '-x', 'a.b', 'a:b', '=a', 'x'.repeat(61)];
    tally('injection', bad.length);
    const sess = await batch(server, bad.map((s) => ['new', `--session=${s}`]));
    sess.forEach((r, i) => {
      expect(r.exitCode, `--session ${JSON.stringify(bad[i]!.slice(0, 40))}: ${described(r)}`).toBe(2);
      expect(oneLine(r.stderr), JSON.stringify(String(r.stderr))).toBe(true);
      expect(String(r.stderr)).toContain('Expected a tmux session name');
    });
    expect(await sessions(server)).toEqual(before);
    expect(readdirSync(join(server.dir, 'runs'))).toEqual(runsBefore);
    expect(c.hits()).toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 180_000);

  test('lens names: every payload in --lenses (review and run) is refused with exit 2 before any session or run exists', async ({ server, expect }) => {
    const c = canary(server);
    const doc = join(server.dir, 'doc.md');
    writeFileSync(doc, '# Doc\n\nSome text.\n');
    const list = payloads(c.dir, c.tag).filter((p) => !p.huge);
    const cases: string[][] = [
      ...list.map((p) => ['review', doc, '--agent', fakeAgentProfile, `--lenses=clarity,${p.text}`]),
      ...core(list).filter((_, i) => i % 3 === 0).map((p) => ['run', 'review', '--agent', fakeAgentProfile, '--var', `doc=${doc}`, '--var', `lenses=${p.text},risks`]),
    ];
    const before = await sessions(server);
    const results = [...(await batch(server, cases.filter((a) => a[0] === 'review'))), ...(await batch(server, cases.filter((a) => a[0] === 'run')))];
    tally('injection', cases.length);
    results.forEach((r, i) => {
      expect(r.exitCode, `${cases[i]!.at(-1)}: ${described(r)}`).toBe(2);
      expect(oneLine(r.stderr), `${cases[i]!.at(-1)}: one line: ${JSON.stringify(String(r.stderr))}`).toBe(true);
      expect(String(r.stderr)).toMatch(/Unknown lens|Expected 2 to 4 lenses|Lens listed twice/);
    });
    expect(await sessions(server)).toEqual(before);
    expect(existsSync(join(server.dir, 'runs')) ? readdirSync(join(server.dir, 'runs')) : []).toEqual([]);
    expect(c.hits()).toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 120_000);

  test('file and folder names: prompt files, --cwd folders and run directories with nasty names work and run nothing', async ({ server, expect }) => {
    const c = canary(server);
    const names = nastyFileNames(c.tag);
    const root = join(server.dir, 'names');
    const runs = await mapLimit(names, 3, async ({ id, name }) => {
      const dir = join(root, id, name);
      mkdirSync(dir, { recursive: true });
      const promptPath = join(dir, `${name}.md`);
      const prompt = Buffer.from(`prompt from ${JSON.stringify(name)}\n$(touch pwned-${c.tag}-p${id})`);
      writeFileSync(promptPath, prompt);
      // The run directory, the run's cwd and the prompt file all live under the nasty folder.
      // Run directories refuse control characters (they go into list-panes output); the cwd takes anything.
      const runsUnder = /[\x00-\x1f\x7f]/.test(name) ? join(server.dir, 'runs') : join(dir, 'runs');
      const run = await newRun(server, ['--cwd', dir], { ORCH_TMUX_RUNS: runsUnder });
      const r = await server.cli(['spawn', run.id, 'w', '--agent', fakeAgentProfile, '--prompt-file', promptPath]);
      return { id, name, dir, run, prompt, spawn: r };
    });
    tally('injection', runs.length * 3);
    for (const x of runs) {
      expect(x.spawn.exitCode, `${x.id}: ${described(x.spawn)}`).toBe(0);
      const wait = await server.cli(['wait', x.run.id, '--timeout', '30']);
      expect.soft(wait.exitCode, `${x.id}: ${described(wait)}`).toBe(0);
      if (!/[\x00-\x1f\x7f]/.test(x.name)) expect.soft(x.run.dir.startsWith(join(x.dir, 'runs')), `${x.id}: run dir under the nasty folder`).toBe(true);
      expect.soft(readFileSync(workerFile(x.run, 'w', 'result.md'), 'utf8'), `${x.id}: prompt bytes`).toBe(fakeMessage(x.prompt));
      const rec = workerJson(x.run, 'w');
      expect.soft(rec.cwd, `${x.id}: cwd`).toBe(x.dir);
      // The fake agent saved its real working directory in its session file.
      const session = JSON.parse(readFileSync(join(server.dir, 'fake-sessions', `${rec.sessionId as string}.json`), 'utf8')) as { cwd: string };
      expect.soft(session.cwd, `${x.id}: the agent ran in the nasty folder`).toBe(x.dir);
      // pipe-pane wrote the transcript through the quoted path (a quoting bug leaves it empty, or writes elsewhere).
      expect.soft(readFileSync(workerFile(x.run, 'w', 'pane.log'), 'utf8'), `${x.id} ${JSON.stringify(x.name)}: pane.log`).toContain('fake-agent: working');
    }
    expect(c.hits()).toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 180_000);

  test('a run directory whose path has a newline is refused, and monitor --once and status go on supervising other runs', async ({ server, expect }) => {
    tally('injection', 2);
    const good = await newRun(server);
    const weird = join(server.dir, 'weird\nruns\x1fsep');
    mkdirSync(weird);
    const bad = await server.cli(['new'], { env: { ...server.env, ORCH_TMUX_RUNS: weird } });
    expect(bad.exitCode, described(bad)).toBe(2);
    expect(oneLine(bad.stderr)).toBe(true);
    expect(String(bad.stderr)).toContain('control characters');
    expect(readdirSync(weird)).toEqual([]);
    expect(await sessions(server)).toEqual(['keepalive', good.session].sort());
    expect((await server.cli(['spawn', good.id, 'g', '--agent', fakeAgentProfile, '--prompt=[[reply:good]]'])).exitCode).toBe(0);
    expect((await server.cli(['wait', good.id, '--timeout', '30'])).exitCode).toBe(0);
    const status = await server.cli(['status', '--json']);
    expect(status.exitCode, described(status)).toBe(0);
    const monitor = await server.cli(['monitor', '--once', '--json']);
    expect(monitor.exitCode, described(monitor)).toBe(0);
    const report = JSON.parse(String(monitor.stdout)) as { runs: { run: string }[] };
    expect(report.runs.map((r) => r.run)).toContain(good.id);
    expect(await shutdown(server)).toEqual([]);
  }, 90_000);

  test('review: documents with nasty names and payload contents are reviewed; prompts carry path and text unchanged', async ({ server, expect }) => {
    const c = canary(server);
    const text = `# Nasty document\n\n${payloads(c.dir, c.tag).filter((p) => !p.huge).map((p) => `## ${p.what}\n\n${p.text}\n`).join('\n')}`;
    const picked = nastyFileNames(c.tag).filter((n) => ['f0', 'f2', 'f3', 'f5', 'f6'].includes(n.id));
    const goal = `ship it $(touch ${c.dir}/pwned-${c.tag}-goal) #(touch ${c.dir}/pwned-${c.tag}-goal2) {{role}}`;
    const results = await mapLimit(picked, 2, async ({ id, name }) => {
      const dir = join(server.dir, 'docs', id, name);
      mkdirSync(dir, { recursive: true });
      const doc = join(dir, `${name}.md`);
      writeFileSync(doc, text);
      const context = join(dir, 'context.yaml');
      writeFileSync(context, `goal: ${JSON.stringify(goal)}\n`);
      const r = await server.cli(['review', doc, '--agent', fakeAgentProfile, '--lenses', 'clarity,risks', '--context', context, '--json']);
      return { id, doc, r };
    });
    tally('injection', results.length * 2 + 1);
    for (const { id, doc, r } of results) {
      expect(r.exitCode, `${id}: ${described(r)}`).toBe(0);
      const out = JSON.parse(String(r.stdout)) as { dir: string; synthesis: string | null; ok: boolean };
      expect(out.ok).toBe(true);
      for (const lens of ['clarity', 'risks']) {
        const prompt = readFileSync(workerFile(out, lens, 'prompt.md'));
        const p = prompt.toString('utf8');
        expect(p, `${id}/${lens}: doc path`).toContain(`Path: \`${doc}\``);
        expect(p, `${id}/${lens}: doc text inline`).toContain(text);
        expect(p, `${id}/${lens}: context goal`).toContain(goal);
        expect(readFileSync(workerFile(out, lens, 'result.md'), 'utf8').startsWith(`fake-agent done\nsha256: ${sha256(prompt)}\n`), `${id}/${lens}: prompt bytes`).toBe(true);
      }
      expect(out.synthesis).toBe(join(out.dir, 'synthesis.md'));
      expect(readFileSync(out.synthesis!, 'utf8')).toBe(readFileSync(workerFile(out, 'synth', 'result.md'), 'utf8'));
    }
    expect(c.hits()).toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 240_000);

  test('review: a document whose file name has a newline is reviewed, not refused over a run name the user never gave', async ({ server, expect }) => {
    const dir = join(server.dir, 'nl');
    mkdirSync(dir);
    const doc = join(dir, 'two\nlines.md');
    writeFileSync(doc, '# Doc\n\nText.\n');
    tally('injection');
    const r = await server.cli(['review', doc, '--agent', fakeAgentProfile, '--lenses', 'clarity,risks', '--dry-run', '--json']);
    expect(r.exitCode, described(r)).toBe(0);
    expect(await shutdown(server)).toEqual([]);
  }, 90_000);

  test('--var values: template variables and profile placeholders take payloads literally (no re-expansion, no shell)', async ({ server, expect }) => {
    const c = canary(server);
    const list = payloads(c.dir, c.tag).filter((p) => !p.huge);
    const runT = await newRun(server);
    const runA = await newRun(server);
    const profile = argvProfile(server);
    const jobs = [
      ...core(list).map((p) => ({ run: runT, name: `t${p.id}`, p, args: ['--template', 'reviewer', '--var', `lens=${p.text}`, '--var', `lens_description=${p.text}`, '--var', `doc_path=${p.text}`, '--var', `doc_text=${p.text}`, '--var', `task=${p.text}`] })),
      // (A lone `-` is the fake agent's own "read stdin", so it is left out of the argv channel.)
      ...core(list).filter((p) => p.text !== '-').map((p) => ({ run: runA, name: `v${p.id}`, p, args: ['--agent', profile, '--var', `payload=${p.text}`, '--prompt', 'unused'] })),
    ];
    const results = await mapLimit(jobs, 4, (j) => server.cli(['spawn', j.run.id, j.name, ...(j.args[0] === '--agent' ? [] : ['--agent', fakeAgentProfile]), ...j.args]));
    tally('injection', jobs.length);
    results.forEach((r, i) => expect(r.exitCode, `${jobs[i]!.name} (${jobs[i]!.p.what}): ${described(r)}`).toBe(0));
    expect(await notDone(server, runT.id)).toEqual([]);
    expect(await notDone(server, runA.id)).toEqual([]);
    for (const j of jobs) {
      if (j.run === runT) {
        const prompt = readFileSync(workerFile(j.run, j.name, 'prompt.md'));
        const p = prompt.toString('utf8');
        expect(p, `${j.name}: doc_path inserted literally`).toContain(`Path: \`${j.p.text}\``);
        expect(p, `${j.name}: task inserted literally`).toContain(`# Task\n${j.p.text}\n`);
        expect(p, `${j.name}: lens inserted literally`).toContain(`LENS: ${j.p.text}\n`);
        expect(readFileSync(workerFile(j.run, j.name, 'result.md'), 'utf8').startsWith(`fake-agent done\nsha256: ${sha256(prompt)}\n`), `${j.name}: prompt bytes`).toBe(true);
      } else {
        // The placeholder value became exactly one argv item of the agent.
        expect(readFileSync(workerFile(j.run, j.name, 'result.md'), 'utf8'), `${j.name}: argv item`).toBe(fakeMessage(Buffer.from(j.p.text)));
      }
    }
    expect(c.hits()).toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 240_000);

  test('send: every printable payload is typed or pasted into an interactive agent exactly once, byte for byte', async ({ server, expect }) => {
    const c = canary(server);
    const run = await newRun(server);
    const list = payloads(c.dir, c.tag).filter((p) => !p.huge && !p.control);
    tally('injection', list.length);
    for (const name of ['t1', 't2']) {
      const r = await server.cli(['spawn', run.id, name, '--agent', fakeTuiProfile, '--prompt', 'x']);
      expect(r.exitCode, described(r)).toBe(0);
      await waitUntil(() => readFileSync(workerFile(run, name, 'pane.log'), 'utf8').includes('› '), `${name} composer`);
    }
    const lanes = { t1: list.filter((_, i) => i % 2 === 0), t2: list.filter((_, i) => i % 2 === 1) };
    await Promise.all(Object.entries(lanes).map(async ([name, mine]) => {
      for (const p of mine) {
        const r = await server.cli(['send', run.id, name, '--settle-ms', '30', '--', p.text]);
        expect(r.exitCode, `${name} ${p.what}: ${described(r)}`).toBe(0);
        // The agent finished the turn (its reply) before the next message goes in.
        const n = mine.indexOf(p) + 1;
        await waitUntil(() => readFileSync(workerFile(run, name, 'pane.log'), 'utf8').includes(`ok ${n}`), `${name} reply ${n}`, 15_000);
      }
      const recorded = readFileSync(workerFile(run, name, 'record.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
      expect(recorded.length, `${name}: one submission per send`).toBe(mine.length);
      recorded.forEach((text, i) => expect(text, `${name}: ${mine[i]!.what}`).toBe(mine[i]!.text));
    }));
    expect(c.hits()).toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 240_000);

  test('send: text with terminal control bytes (ESC, CR, paste end) is refused or delivered as one unchanged message', async ({ server, expect }) => {
    const c = canary(server);
    const run = await newRun(server);
    const list = payloads(c.dir, c.tag).filter((p) => !p.huge && p.control);
    tally('injection', list.length);
    expect((await server.cli(['spawn', run.id, 't', '--agent', fakeTuiProfile, '--prompt', 'x'])).exitCode).toBe(0);
    await waitUntil(() => readFileSync(workerFile(run, 't', 'pane.log'), 'utf8').includes('› '), 'composer');
    const record = workerFile(run, 't', 'record.jsonl');
    const problems: string[] = [];
    for (const p of list) {
      const before = existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter(Boolean).length : 0;
      const r = await server.cli(['send', run.id, 't', '--settle-ms', '30', '--', p.text]);
      if (r.exitCode === 2 && oneLine(r.stderr)) continue; // refused: fine
      // The agent records each submission: wait (bounded) for one to arrive, then compare.
      const count = () => (existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter(Boolean).length : 0);
      await waitUntil(() => count() > before, 'the agent to record the message', 5_000).catch(() => undefined);
      const lines = existsSync(record) ? readFileSync(record, 'utf8').split('\n').filter(Boolean).slice(before).map((l) => (JSON.parse(l) as { text: string }).text) : [];
      if (lines.length !== 1 || lines[0] !== p.text) problems.push(`${p.what}: exit ${r.exitCode}, agent got ${JSON.stringify(lines)}`);
      // Leave a clean composer for the next one.
      await server.cli(['keys', run.id, 't', 'C-u']);
    }
    expect(problems).toEqual([]);
    expect(c.hits()).toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 120_000);

  test('notify: events reach the command on stdin only; nasty run folders, prompts and configured argv run nothing', async ({ server, expect }) => {
    const c = canary(server);
    const list = payloads(c.dir, c.tag).filter((p) => !p.huge);
    // (Run directories refuse control characters, so f7's ESC and f9's newline stay out of this one.)
    const nastyRoot = join(server.dir, 'notify', ...nastyFileNames(c.tag).filter((n) => !/[\x00-\x1f]/.test(n.name)).map((n) => n.name));
    mkdirSync(nastyRoot, { recursive: true });
    const run = await newRun(server, [], { ORCH_TMUX_RUNS: nastyRoot });
    const record = join(server.dir, 'notify.jsonl');
    const args = list.slice(0, 24).map((p) => p.text);
    await writePolicy(server, run.dir, { notify: { command: [process.execPath, notifyRecorder, record, ...args], tmux: true }, death: { resume: false } });
    expect((await server.cli(['spawn', run.id, 'done', '--agent', fakeAgentProfile, '--prompt', `[[reply:$(touch ${c.dir}/pwned-${c.tag}-reply) #(touch ${c.dir}/pwned-${c.tag}-reply2)]]`])).exitCode).toBe(0);
    expect((await server.cli(['spawn', run.id, 'crash', '--agent', fakeAgentProfile, '--prompt', '[[crash:3]]'])).exitCode).toBe(0);
    expect((await server.cli(['spawn', run.id, 'asks', '--agent', fakeAgentProfile, '--prompt', '[[approve:yn]]'])).exitCode).toBe(0);
    expect((await server.cli(['wait', run.id, 'done', 'crash', '--timeout', '30'])).exitCode).toBe(1);
    // Read the screen, not pane.log: the transcript of a run folder with `%` or `#[` in its path is lost (see the file-name test).
    await waitUntil(async () => String((await server.cli(['log', run.id, 'asks'])).stdout).includes('[y/n]'), 'the approval question');
    const first = await server.cli(['monitor', '--once', '--json']);
    expect(first.exitCode, described(first)).toBe(0);
    const second = await server.cli(['monitor', '--once', '--json']);
    expect(second.exitCode, described(second)).toBe(0);
    const calls = notifyRecords(record);
    const seen = calls.map((call) => {
      expect(call.argv, 'argv is exactly the configured command').toEqual(args);
      expect(call.stdin.endsWith('\n') && call.stdin.indexOf('\n') === call.stdin.length - 1, 'one JSON line on stdin').toBe(true);
      const notice = JSON.parse(call.stdin) as { event: string; worker?: string; run: string; runDir: string; detail?: { prompt?: string } };
      expect(notice.run).toBe(run.id);
      expect(notice.runDir, 'runDir unchanged').toBe(run.dir);
      if (notice.event === 'waiting_approval') expect(notice.detail?.prompt).toContain('touch approved.txt');
      return `${notice.event}:${notice.worker ?? ''}`;
    });
    expect(seen.sort()).toEqual(['done:done', 'failed:crash', 'waiting_approval:asks']);
    // The approval prompt quotes `touch approved.txt` in backticks: nobody ran it.
    expect(existsSync(join(server.dir, 'work', 'approved.txt'))).toBe(false);
    // The string form of notify.command is split on spaces, never given to a shell.
    const record2 = join(server.dir, 'notify2.jsonl');
    await writePolicy(server, run.dir, { notify: { command: `${process.execPath} ${notifyRecorder} ${record2} $(touch ${c.dir}/pwned-${c.tag}-s) #(touch ${c.dir}/pwned-${c.tag}-s2) ;`, tmux: true }, death: { resume: false } });
    expect((await server.cli(['kill', run.id, 'asks', '--grace', '0'])).exitCode).toBe(0);
    expect((await server.cli(['monitor', '--once'])).exitCode).toBe(0);
    const calls2 = notifyRecords(record2);
    tally('injection', args.length + calls.length + calls2.length + 1);
    expect(calls2.length).toBeGreaterThan(0);
    for (const call of calls2) expect(call.argv).toEqual(['$(touch', `${c.dir}/pwned-${c.tag}-s)`, '#(touch', `${c.dir}/pwned-${c.tag}-s2)`, ';']);
    expect(c.hits()).toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 120_000);

  test('plan steps in the tmux status line: #() and #{} are shown, never run', async ({ server, expect }) => {
    const run = await newRun(server);
    // The status line shows 40 characters of a step: the canary folder must have a short path.
    const c = mkdtempSync(join(tmpdir(), 'c'));
    try {
      const tmux = (args: string[]) => execa('tmux', ['-L', server.name, ...args], { env: cleanEnv(), extendEnv: false });
      // Control: an unescaped #() in status-right runs when the line is drawn (E: expands it like the status
      // line). Each step's line is drawn, again and again, beside a control line with a job of its own,
      // until the control's job has run: the condition the test waits for. A job in the step's line, drawn
      // the same way as often, would have run too. (A new control command each time: tmux runs a given
      // #() job again only after status-interval.)
      let controls = 0;
      const draw = async (session?: string) => {
        const file = join(c, `ctl${++controls}`);
        await tmux(['set-option', '-t', '=keepalive:', 'status-right', `#(touch ${file})`]);
        let shown = '';
        await waitUntil(async () => {
          if (session) shown = (await tmux(['display-message', '-p', '-t', `=${session}:`, '#{E:status-right}'])).stdout;
          await tmux(['display-message', '-p', '-t', '=keepalive:', '#{E:status-right}']);
          return existsSync(file);
        }, 'the control job to run', 10_000);
        rmSync(file);
        return shown;
      };
      await draw();
      const steps = [
        `#(touch ${c}/s1)`, `##(touch ${c}/s2)`, `#{pane_id}#S#(touch ${c}/s3)`, `#[fg=red]#(touch ${c}/s4)`,
        `#{E:#(touch ${c}/s5)}`, `$(touch ${c}/s6) \`touch ${c}/s7\``, `#{?pane_dead,#(touch ${c}/s8),x}`, '%% #% 100% %H ; x\\;',
      ];
      tally('injection', steps.length);
      for (const [i, step] of steps.entries()) {
        const set = await server.cli(['plan', run.id, 'set', '--', step, 'two', 'three']);
        expect(set.exitCode, described(set)).toBe(0);
        const start = await server.cli(['plan', run.id, 'start', '1', '--json']);
        expect(start.exitCode, described(start)).toBe(0);
        expect((JSON.parse(String(start.stdout)) as { plan: { steps: { title: string }[] } }).plan.steps[0]!.title, `step ${i}`).toBe(step);
        const shown = await draw(run.session);
        // (The status line also goes through strftime: a `%` must be doubled to show as itself.)
        expect.soft(shown, `step ${i} shown literally`).toContain(step.slice(0, 40));
      }
      // (A control job may run once more after its file was removed, when a draw comes after status-interval.)
      expect(readdirSync(c).filter((f) => !/^ctl\d+$/.test(f)), 'no job of a plan step ran').toEqual([]);
    } finally {
      rmSync(c, { recursive: true, force: true });
    }
    expect(await shutdown(server)).toEqual([]);
  }, 90_000);

  test('cron: the printed command keeps nasty working folders quoted (run through sh, it runs only the monitor)', async ({ server, expect }) => {
    const c = canary(server);
    const names = nastyFileNames(c.tag).filter((n) => !['f8', 'f9'].includes(n.id));
    mkdirSync(join(server.dir, 'state'), { recursive: true });
    tally('injection', names.length);
    for (const { id, name } of names) {
      const dir = join(server.dir, 'cron', id, name);
      mkdirSync(dir, { recursive: true });
      const r = id === names[0]!.id ? await server.cli(['cron', 'print', '--json'], { cwd: dir }) : await server.inProcess(['cron', 'print', '--json'], { cwd: dir });
      expect(r.exitCode, `${id}: ${described(r as never)}`).toBe(0);
      const { line, command } = JSON.parse(String(r.stdout)) as { line: string; command: string };
      expect(line.includes('\n'), `${id}: one crontab line`).toBe(false);
      const sh = await execa('sh', ['-c', command], { env: cleanEnv(), extendEnv: false, reject: false, cwd: server.dir });
      expect(sh.exitCode, `${id}: ${sh.stderr}`).toBe(0);
    }
    expect(readFileSync(join(server.dir, 'state', 'monitor.log'), 'utf8')).not.toContain('internal error');
    expect(c.hits()).toEqual([]);
    expect(await shutdown(server)).toEqual([]);
  }, 120_000);

  test('cron: a working folder with a newline or % cannot add crontab lines or cut the command', async ({ server, expect }) => {
    const c = canary(server);
    const problems: string[] = [];
    tally('injection', 2);
    for (const { id, name } of nastyFileNames(c.tag).filter((n) => ['f8', 'f9'].includes(n.id))) {
      const dir = join(server.dir, 'cron', id, name);
      mkdirSync(dir, { recursive: true });
      const r = await server.cli(['cron', 'print', '--json'], { cwd: dir });
      if (r.exitCode === 2 && oneLine(r.stderr)) continue; // refused: fine
      const { line } = JSON.parse(String(r.stdout)) as { line: string };
      if (line.includes('\n')) problems.push(`${id}: the crontab line has a newline (a second cron entry)`);
      // cron turns an unescaped % into a newline and feeds the rest to stdin.
      if (/(^|[^\\])%/.test(line)) problems.push(`${id}: unescaped % in the crontab line`);
    }
    expect(problems).toEqual([]);
  }, 60_000);
});
