// review: lenses fan out over one document, a synthesizer merges; --json, --lenses, --context, --no-synth,
// --dry-run without any agent installed, --detach into the run's orch window, and --resume after kill -9.
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, openGate, test, waitUntil } from '../helpers/tmux-server.js';
import {
  builtinLenses, cliJson, fakeAnswerFor, readEvents, runDirs, sessionNames, workerNames, workerRecord, workerText, writeWork,
  type DriveJson,
} from './support.js';
import { processesMentioning } from '../reliability/support.js';

const DOC = [
  '# Cache design',
  '',
  'We cache every response for 10 minutes. DOC-MARKER-7f3a',
  '',
  '## Eviction',
  'Least recently used; {{not_a_variable}} stays literal.',
  '',
].join('\n');

const REVIEWERS = ['clarity', 'correctness', 'risks'];

describe('review with the fake agent', () => {
  test('3 lenses: each reviewer sees CONTEXT, its lens and the document; synthesis.md is the synth output over all results', async ({ server }) => {
    const doc = writeWork(server, 'doc.md', DOC);
    const out = await cliJson(server, ['review', doc, '--agent', fakeAgentProfile]);
    const lenses = builtinLenses();

    // --json shape: the run, where it lives, the outcome and one entry per worker.
    expect(Object.keys(out).sort()).toEqual(['attach', 'changes', 'dir', 'ok', 'outcome', 'outputs', 'reason', 'run', 'session', 'synthesis', 'workers']);
    expect(out.changes).toBeNull();
    expect(out).toMatchObject({ ok: true, outcome: 'ok', reason: null, session: `orch-${out.run}`, synthesis: join(out.dir, 'synthesis.md'), outputs: { 'synthesis.md': join(out.dir, 'synthesis.md') } });
    expect(out.attach).toContain(`attach -t '=orch-${out.run}'`);
    expect(out.workers.map((w) => [w.name, w.state, w.exitCode])).toEqual([...REVIEWERS, 'synth'].map((n) => [n, 'done', 0]));
    for (const w of out.workers) expect(w.result).toBe(join(out.dir, 'workers', w.name, 'result.md'));
    expect(workerNames(out.dir)).toEqual([...REVIEWERS, 'synth'].sort());

    for (const name of REVIEWERS) {
      const prompt = workerText(out.dir, name, 'prompt.md');
      expect(prompt.startsWith('CONTEXT: WORKER\n')).toBe(true);
      expect(prompt).toContain(`LENS: ${lenses[name]!.title}\n${lenses[name]!.description}\n`);
      expect(prompt).toContain(DOC); // inline, byte for byte: {{not_a_variable}} was not treated as a placeholder
      expect(prompt).toContain(`Path: \`${doc}\``);
      // The fake agent's answer carries the sha256 of the bytes it received: prompt.md is exactly what it got.
      expect(workerText(out.dir, name, 'result.md')).toBe(`${fakeAnswerFor(join(out.dir, 'workers', name, 'prompt.md'))}\nlens: ${lenses[name]!.title}`);
    }

    const synthesis = readFileSync(join(out.dir, 'synthesis.md'), 'utf8');
    expect(synthesis).toBe(workerText(out.dir, 'synth', 'result.md'));
    expect(synthesis).toBe(fakeAnswerFor(join(out.dir, 'workers', 'synth', 'prompt.md')));
    const synthPrompt = workerText(out.dir, 'synth', 'prompt.md');
    expect(synthPrompt.startsWith('CONTEXT: WORKER\n')).toBe(true);
    for (const name of REVIEWERS) {
      expect(synthPrompt).toContain(`### ${name} (${lenses[name]!.title})\n\n${workerText(out.dir, name, 'result.md').trim()}\n`);
    }
    expect(synthPrompt).not.toContain('DOC-MARKER-7f3a'); // the synth gets the reviews (and the path), not the text
    // The synthesizer starts only after every reviewer has ended.
    const synthStart = Date.parse(workerRecord(out.dir, 'synth').startedAt);
    for (const name of REVIEWERS) expect(Date.parse(workerRecord(out.dir, name).endedAt)).toBeLessThanOrEqual(synthStart);
    expect(JSON.parse(readFileSync(join(out.dir, 'run.json'), 'utf8'))).toMatchObject({ id: out.run, pattern: 'review', state: 'finished' });
  });

  test('--lenses security,performance picks those two', async ({ server }) => {
    const doc = writeWork(server, 'doc.md', DOC);
    const out = await cliJson(server, ['review', doc, '--agent', fakeAgentProfile, '--lenses', 'security,performance']);
    const lenses = builtinLenses();
    expect(out.workers.map((w) => w.name).sort()).toEqual(['performance', 'security', 'synth']);
    for (const name of ['security', 'performance']) {
      expect(workerText(out.dir, name, 'prompt.md')).toContain(`LENS: ${lenses[name]!.title}\n${lenses[name]!.description}\n`);
    }
    expect(workerText(out.dir, 'synth', 'prompt.md')).toContain('one per lens (security,performance)');
  });

  test('--context ctx.yaml puts goal, non-goals and the rest into every prompt; --no-synth makes no synth worker', async ({ server }) => {
    const doc = writeWork(server, 'doc.md', DOC);
    const ctx = writeWork(server, 'ctx.yaml', [
      'goal: Ship the cache by Friday GOAL-42',
      'non_goals: [rewrite the database, add metrics]',
      'constraints: No new dependencies',
      'success: p99 under 50 ms',
      '',
    ].join('\n'));
    const out = await cliJson(server, ['review', doc, '--agent', fakeAgentProfile, '--context', ctx, '--no-synth', '--lenses', 'clarity,risks']);
    expect(out.workers.map((w) => w.name).sort()).toEqual(['clarity', 'risks']);
    expect(workerNames(out.dir)).toEqual(['clarity', 'risks']);
    expect(out.synthesis).toBeNull();
    expect(existsSync(join(out.dir, 'synthesis.md'))).toBe(false);
    expect(readEvents(out.dir).filter((e) => e.worker === 'synth')).toEqual([]);
    for (const name of ['clarity', 'risks']) {
      const prompt = workerText(out.dir, name, 'prompt.md');
      expect(prompt).toContain('## Goal\nShip the cache by Friday GOAL-42\n');
      expect(prompt).toContain('## Non-goals\n- rewrite the database\n- add metrics\n');
      expect(prompt).toContain('## Constraints\nNo new dependencies\n');
      expect(prompt).toContain('## Success check\np99 under 50 ms\n');
      expect(prompt).not.toContain('## Pointers'); // empty parts print nothing
    }
  });

  test('--dry-run with no agent CLI on PATH leaves a complete run directory', async ({ server }) => {
    // PATH: a folder with only `node` and `tmux` (no codex, no fake agent), so nothing could run an agent.
    const bin = join(server.dir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const tmuxPath = (await execa('sh', ['-c', 'command -v tmux'])).stdout.trim();
    symlinkSync(tmuxPath, join(bin, 'tmux'));
    const env = { ...server.env, PATH: bin, ORCH_TMUX_AGENT: undefined };
    expect((await execa('sh', ['-c', 'command -v codex'], { env, extendEnv: false, reject: false })).exitCode).not.toBe(0);
    const doc = writeWork(server, 'doc.md', DOC);

    // Without --dry-run the default agent (codex) is missing: exit 2, nothing made.
    const missing = await server.cli(['review', doc], { env, extendEnv: false });
    expect(missing.exitCode, String(missing.stderr)).toBe(2);
    expect(String(missing.stderr)).toMatch(/^orch-tmux review: Agent codex: `codex` is not on PATH.*--dry-run/);
    expect(await sessionNames(server)).toEqual(['keepalive']);

    const out = await cliJson(server, ['review', doc, '--dry-run'], { env, extendEnv: false });
    expect(out.ok).toBe(true);
    for (const f of ['run.json', 'events.jsonl', 'synthesis.md']) expect(existsSync(join(out.dir, f)), f).toBe(true);
    expect(workerNames(out.dir)).toEqual([...REVIEWERS, 'synth'].sort());
    for (const name of [...REVIEWERS, 'synth']) {
      const rec = workerRecord(out.dir, name);
      expect(rec).toMatchObject({ state: 'done', exitCode: 0, rehearsal: true, resultSource: 'rehearsal', agent: 'codex' });
      expect(rec.argv[0]).toBe('codex');
      expect(rec.argv).toContain('read-only');
      expect(workerText(out.dir, name, 'prompt.md')).toMatch(/^CONTEXT: WORKER\n/);
      const result = workerText(out.dir, name, 'result.md');
      expect(result).toContain('This is a rehearsal (--dry-run): no agent ran');
      expect(result).toContain(`sha256 ${fakeAnswerFor(join(out.dir, 'workers', name, 'prompt.md')).split('sha256: ')[1]!.split('\n')[0]}`);
    }
    expect(readFileSync(join(out.dir, 'synthesis.md'), 'utf8')).toBe(workerText(out.dir, 'synth', 'result.md'));
    // The synth prompt holds the reviewers' rehearsal results, as it would hold real ones.
    expect(workerText(out.dir, 'synth', 'prompt.md')).toContain('# Rehearsal result: clarity');
    const kinds = readEvents(out.dir).map((e) => `${e.worker ?? 'run'}:${e.kind}`);
    expect(kinds[0]).toBe('run:run.created');
    expect(kinds.at(-1)).toBe('run:run.finished');
    for (const name of [...REVIEWERS, 'synth']) expect(kinds.filter((k) => k === `${name}:worker.done`)).toHaveLength(1);
  });

  test('--detach returns at once with the run id; the run is driven in its orch window and completes', async ({ server }) => {
    // Reviewers wait at a gate, so the run cannot have finished when --detach returns.
    const doc = writeWork(server, 'doc.md', `${DOC}\n[[gate:reviewers]]\n`);
    const r = await server.cli(['review', doc, '--agent', fakeAgentProfile, '--detach']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const id = String(r.stdout).trim();
    expect(id).toMatch(/^\d{8}-\d{6}-review-doc-md-[0-9a-f]{4}$/);
    const dir = join(server.dir, 'runs', id);
    expect(existsSync(join(dir, 'synthesis.md'))).toBe(false);
    // The driver is the process in the run's `orch` window while it drives.
    await waitUntil(() => readEvents(dir).some((e) => e.kind === 'run.driving'), 'the driver to start');
    const [pane] = (await execa('tmux', ['-L', server.name, 'list-panes', '-t', `=orch-${id}:orch`, '-F', '#{pane_pid}\t#{pane_start_command}'], { env: server.env, extendEnv: false })).stdout.split('\n');
    const [pid, command] = pane!.split('\t');
    expect(readEvents(dir).find((e) => e.kind === 'run.driving')!.detail!.pid).toBe(Number(pid));
    expect(command).toContain(`run --resume ${id}`);
    openGate(server, 'reviewers');

    await waitUntil(() => existsSync(join(dir, 'synthesis.md')) && readEvents(dir).some((e) => e.kind === 'run.finished'), 'the detached run to finish', 30_000);
    expect(readFileSync(join(dir, 'synthesis.md'), 'utf8')).toBe(workerText(dir, 'synth', 'result.md'));
    expect(workerNames(dir)).toEqual([...REVIEWERS, 'synth'].sort());
    expect(readEvents(dir).filter((e) => e.kind === 'run.driving')).toHaveLength(1);
    // Done, the driver hands its window to the board: nothing of it stays running. The board's last frame
    // starts with a blank line that tmux scrolls away when it writes "Pane is dead"; tmux (3.3a) writes that
    // only once it has reaped the pane's process, which under load it sometimes has not (a zombie): the
    // frame is there either way.
    let screen = '';
    await waitUntil(async () => (screen = (await execa('tmux', ['-L', server.name, 'capture-pane', '-p', '-t', `=orch-${id}:orch`], { env: server.env, extendEnv: false })).stdout).replace(/^\n/, '').startsWith(`${id} finished`), 'the board in the orch window', 30_000)
      .catch(async (error: Error) => {
        const pane = (await execa('tmux', ['-L', server.name, 'display', '-p', '-t', `=orch-${id}:orch`, '#{pane_dead} #{pane_dead_status} #{pane_pid}'], { env: server.env, extendEnv: false, reject: false })).stdout;
        const tree = (await execa('ps', ['-eo', 'pid,ppid,stat,args'], { reject: false })).stdout.split('\n').filter((l) => l.includes(id) || l.includes('board-main') || l.includes(pane.split(' ')[2] ?? '-')).join(' | ');
        throw new Error(`${error.message}; the window shows ${JSON.stringify(screen)}; pane dead/status/pid: ${pane}; processes: ${tree}`);
      });
    // The driver draws the last board itself, then hands the window over (respawn-pane): it is gone after that.
    await waitUntil(() => processesMentioning(`run --resume ${id}`).length === 0, 'the driver to hand its window to the board', 10_000);
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).state).toBe('finished');
  });

  test('kill -9 of review mid-run, then --resume (from another directory) finishes without rerunning reviewers', async ({ server }) => {
    // The directive is in the document, so every reviewer waits at the gate; the synth gets the reviews, not the text.
    const doc = writeWork(server, 'slow.md', `${DOC}\n[[gate:reviewers]]\n`);
    const profile = join(server.dir, 'work', 'fake.yaml');
    writeWork(server, 'fake.yaml', readFileSync(fakeAgentProfile));
    // Relative document and profile paths: --resume must not depend on the directory it is typed in.
    // server.cli is typed as a plain promise; it is execa's subprocess, which can be killed.
    const review = server.cli(['review', 'slow.md', '--agent', './fake.yaml']) as unknown as ResultPromise;
    const runDir = await waitUntil(() => runDirs(server)[0], 'the run directory', 15_000);
    await waitUntil(() => REVIEWERS.every((n) => readEvents(runDir).some((e) => e.worker === n && e.kind === 'worker.started')), 'all reviewers to start', 15_000);
    review.kill('SIGKILL');
    const killed = await review;
    expect(killed.signal).toBe('SIGKILL');
    openGate(server, 'reviewers');
    expect(existsSync(join(runDir, 'synthesis.md'))).toBe(false);
    expect(existsSync(join(runDir, 'workers', 'synth'))).toBe(false);
    const before = Object.fromEntries(REVIEWERS.map((n) => [n, workerRecord(runDir, n).startedAt]));
    // At least one reviewer has finished on its own (workers live in tmux, not in the killed process).
    await waitUntil(() => REVIEWERS.some((n) => workerRecord(runDir, n).state === 'done'), 'a reviewer to finish', 15_000);

    const id = runDir.split('/').pop()!;
    const out = await cliJson<DriveJson>(server, ['review', '--resume', id], { cwd: server.dir });
    expect(out.ok).toBe(true);
    expect(out.workers.map((w) => [w.name, w.state])).toEqual([...REVIEWERS, 'synth'].map((n) => [n, 'done']));
    for (const n of REVIEWERS) expect(workerRecord(runDir, n).startedAt, n).toBe(before[n]);
    expect(existsSync(join(runDir, 'attempts'))).toBe(false);
    const events = readEvents(runDir);
    for (const n of [...REVIEWERS, 'synth']) {
      expect(events.filter((e) => e.worker === n && e.kind === 'worker.started'), n).toHaveLength(1);
      expect(events.filter((e) => e.worker === n && e.kind === 'worker.restarting'), n).toHaveLength(0);
    }
    expect(events.filter((e) => e.kind === 'run.driving')).toHaveLength(2);
    expect(readFileSync(join(runDir, 'synthesis.md'), 'utf8')).toBe(workerText(runDir, 'synth', 'result.md'));
    const synthPrompt = workerText(runDir, 'synth', 'prompt.md');
    for (const n of REVIEWERS) expect(synthPrompt).toContain(workerText(runDir, n, 'result.md').trim());
    // run.json holds absolute paths, so the resumed driver found the same document and profile.
    expect(JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')).inputs).toMatchObject({ agent: profile, vars: { doc } });
    expect(workerRecord(runDir, 'synth').agentRef).toBe(profile);
  });
  test('failed reviewers: exit 1 and no synth; --resume reruns them, keeping the failed attempt under attempts/', async ({ server }) => {
    const doc = writeWork(server, 'doc.md', `${DOC}\n[[crash:3]]\n`);
    // A profile with no resume command: the driver's death policy reruns each dead reviewer once in place
    // (the task again from its prompt), which crashes again.
    const profile = writeWork(server, 'no-resume.yaml', readFileSync(fakeAgentProfile, 'utf8').replace(/^resume:.*\n/m, ''));
    const failed = await server.cli(['review', doc, '--agent', profile, '--lenses', 'clarity,risks', '--json']);
    expect(failed.exitCode, String(failed.stderr)).toBe(1);
    const out = JSON.parse(String(failed.stdout)) as DriveJson;
    expect(out.ok).toBe(false);
    expect(out.synthesis).toBeNull();
    expect(out.workers.map((w) => [w.name, w.state, w.exitCode])).toEqual([['clarity', 'failed', 3], ['risks', 'failed', 3]]);
    expect(existsSync(join(out.dir, 'workers', 'synth'))).toBe(false);
    // The driver let go and every worker finished: the run ended, not ok.
    expect(JSON.parse(readFileSync(join(out.dir, 'run.json'), 'utf8'))).toMatchObject({ state: 'finished', outcome: 'failed', reason: 'worker clarity failed: agent exited with code 3: fake-agent: crashing with 3' });

    // Fixed document: the resumed run reads it again, reruns both reviewers and the synth.
    writeWork(server, 'doc.md', DOC);
    const resumed = await cliJson(server, ['review', '--resume', out.run]);
    expect(resumed.ok).toBe(true);
    expect(resumed.workers.map((w) => [w.name, w.state])).toEqual([['clarity', 'done'], ['risks', 'done'], ['synth', 'done']]);
    const attempts = readdirSync(join(out.dir, 'attempts')).sort();
    expect(attempts.map((a) => a.replace(/-\d+$/, ''))).toEqual(['clarity', 'risks']);
    for (const a of attempts) expect(JSON.parse(readFileSync(join(out.dir, 'attempts', a, 'worker.json'), 'utf8'))).toMatchObject({ state: 'failed', exitCode: 3 });
    const events = readEvents(out.dir);
    for (const n of ['clarity', 'risks']) {
      expect(events.filter((e) => e.worker === n).map((e) => e.kind)).toEqual([
        'worker.created', 'worker.started', 'worker.failed', 'worker.rerun', 'worker.started', 'worker.failed', 'worker.restarting', 'worker.created', 'worker.started', 'worker.done',
      ]);
    }
    // Ended once, reopened by the resumed run's new workers, ended again.
    expect(events.filter((e) => e.kind.startsWith('run.') && e.kind !== 'run.driving').map((e) => e.kind)).toEqual(['run.created', 'run.finished', 'run.reopened', 'run.finished']);
    expect(readFileSync(join(out.dir, 'synthesis.md'), 'utf8')).toBe(workerText(out.dir, 'synth', 'result.md'));
    expect(JSON.parse(readFileSync(join(out.dir, 'run.json'), 'utf8'))).toMatchObject({ state: 'finished', outcome: 'ok' });
  });
});
