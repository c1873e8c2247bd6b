// Workers on another machine over SSH: a real OpenSSH server on 127.0.0.1 (the same user, logging in with
// another HOME and TMUX_TMPDIR, so no tmux server and no home are shared), the fake agent there.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, fakeTuiProfile, openGate, test, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { startSshd, sshdMissing, type Sshd } from '../helpers/sshd.mjs';
import { newRun, parseOut } from '../cli/support.js';
import { binaryPrompts, canary, canaryHits, fakeMessage, payloads } from '../reliability/support.js';

/** Runs `body` with a real sshd named `loop` in the test's hosts.yaml (closed after); fails in CI when sshd cannot run, skips elsewhere. */
async function onHost(server: TestServer, skip: (why: string) => void, body: (sshd: Sshd) => Promise<void>, extra = '', o: { hostPath?: string } = {}): Promise<void> {
  const missing = sshdMissing();
  if (missing) {
    if (process.env.CI) throw new Error(`the hosts tests need a real sshd: ${missing}`);
    skip(missing);
  }
  const sshd = await startSshd(join(server.dir, 'sshd'), o);
  try {
    mkdirSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux'), { recursive: true });
    writeFileSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux', 'hosts.yaml'), sshd.hostsYaml() + extra);
    await body(sshd);
  } finally {
    await sshd.close();
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const status = async (server: TestServer, run: string) => parseOut<{ workers: { name: string; host: string; state: string; reason?: string }[] }>(await server.cli(['status', run, '--json']));
const stateOf = async (server: TestServer, run: string, name: string) => (await status(server, run)).workers.find((w) => w.name === name);
// The host's tmux server, asked directly (not through orch-tmux).
const hostWindows = async (sshd: Sshd, session: string) => (await execa('tmux', ['-S', join(sshd.home, 'tmux', `tmux-${process.getuid?.() ?? 0}`, 'default'), 'list-windows', '-t', session, '-F', '#W'], { reject: false })).stdout.split('\n').filter(Boolean);

describe('hosts', () => {
  test('review --hosts local,loop: reviewers on both machines, each answer proves its prompt byte for byte, the synthesis made here, status names each host', async ({ server, skip }) => {
    await onHost(server, skip, async (sshd) => {
      writeFileSync(join(server.dir, 'work', 'doc.md'), '# Plan\n\nShip it — ünïcode, $(not run) `nor this` \'q\' "dq" #{pane_id}\n');
      const r = await server.cli(['review', 'doc.md', '--hosts', 'local,loop', '--agent', fakeAgentProfile, '--json']);
      expect(r.exitCode, String(r.stderr)).toBe(0);
      const out = parseOut<{ dir: string; run: string; workers: { name: string; state: string }[] }>(r);
      const st = await status(server, out.run);
      const hosts = Object.fromEntries(st.workers.map((w) => [w.name, w.host]));
      // Three reviewers by free slots (8 each): local, loop, local; the synthesizer always here.
      expect(hosts).toEqual({ clarity: 'local', correctness: 'loop', risks: 'local', synth: 'local' });
      for (const w of st.workers) expect(w.state, w.name).toBe('done');
      for (const w of ['clarity', 'correctness', 'risks']) {
        const dir = join(out.dir, 'workers', w);
        const prompt = readFileSync(join(dir, 'prompt.md'));
        expect(readFileSync(join(dir, 'result.md'), 'utf8')).toContain(`sha256: ${sha(prompt)}`);
      }
      // The remote reviewer ran on the host: its files are in the host's folder, its window in the host's tmux.
      const remoteDir = join(sshd.home, 'runs', out.run, 'workers', 'correctness');
      expect(readFileSync(join(remoteDir, 'prompt.md')).equals(readFileSync(join(out.dir, 'workers', 'correctness', 'prompt.md')))).toBe(true);
      expect(existsSync(join(remoteDir, 'env.txt')), 'the environment file is deleted on the host once read').toBe(false);
      expect(existsSync(join(out.dir, 'workers', 'correctness', 'env.txt')), 'and never left here').toBe(false);
      const session = JSON.parse(readFileSync(join(out.dir, 'run.json'), 'utf8')).session as string;
      expect(await hostWindows(sshd, session)).toContain('correctness');
      expect((await server.tmux.listWindows(['window_name'], session)).map((w) => w.window_name)).not.toContain('correctness');
      expect(readFileSync(join(out.dir, 'synthesis.md'), 'utf8').length).toBeGreaterThan(0);
      expect((await server.cli(['kill', out.run, '--grace', '0'])).exitCode).toBe(0);
      expect(await hostWindows(sshd, session), 'kill ends the run\'s session on the host too').toEqual([]);
    });
  }, 90_000);

  test('a host\'s maxWorkers is a cap: a split of 3 over --hosts loop with maxWorkers 1 runs its parts there one at a time, all done', async ({ server, skip }) => {
    await onHost(server, skip, async () => {
      writeFileSync(join(server.dir, 'work', 'three.md'), ['# Three', '', ...[1, 2, 3].flatMap((i) => [`## S${i}`, '', `Body ${i}.`, ''])].join('\n'));
      const r = await server.cli(['run', 'split', '--var', 'doc=three.md', '--var', 'task=Read it [[sleep:600]]', '--hosts', 'loop', '--agent', fakeAgentProfile, '--json']);
      expect(r.exitCode, String(r.stderr)).toBe(0);
      const out = parseOut<{ dir: string; run: string }>(r);
      const st = await status(server, out.run);
      const parts = st.workers.filter((w) => w.name.startsWith('part-'));
      expect(parts.map((w) => [w.host, w.state])).toEqual([['loop', 'done'], ['loop', 'done'], ['loop', 'done']]);
      // Each part started after the one before it ended (fact times from the host are whole seconds: ties allowed).
      const rec = (n: string) => JSON.parse(readFileSync(join(out.dir, 'workers', n, 'worker.json'), 'utf8')) as { startedAt: string; endedAt: string };
      const spans = ['part-s1', 'part-s2', 'part-s3'].map((n) => [Date.parse(rec(n).startedAt), Date.parse(rec(n).endedAt)]).sort((a, b) => a[0]! - b[0]!);
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]!).toBeGreaterThanOrEqual(spans[i - 1]![1]!);
    }, '    maxWorkers: 1\n');
  }, 90_000);

  test('a pattern stage with `host:` runs all its workers there; a write stage with host is refused (exit 2), and so is an unknown host', async ({ server, skip }) => {
    await onHost(server, skip, async (sshd) => {
      const stages = (extra: string) => [
        'name: remote-research', 'variables:', '  question: { required: true }', 'stages:',
        '  - id: research', '    template: researcher', '    foreach: list', '    over: "a,b"', `    vars: { question: "{{question}}", scope: "Angle: {{item.text}}" }${extra}`,
        '  - id: brief', '    template: synthesizer', '    agent: synth', '    needs: [research]', '    output: synthesis.md',
        '    vars: { task: "Research on {{question}}", results: "{{needs.research}}" }', '',
      ].join('\n');
      writeFileSync(join(server.dir, 'work', 'p.yaml'), stages('\n    host: loop'));
      const r = await server.cli(['run', 'p.yaml', '--var', 'question=Which cache?', '--agent', fakeAgentProfile, '--json']);
      expect(r.exitCode, String(r.stderr)).toBe(0);
      const out = parseOut<{ run: string }>(r);
      expect(Object.fromEntries((await status(server, out.run)).workers.map((w) => [w.name, `${w.host}:${w.state}`]))).toEqual({ 'research-a': 'loop:done', 'research-b': 'loop:done', brief: 'local:done' });
      writeFileSync(join(server.dir, 'work', 'w.yaml'), stages('\n    host: loop\n    write: true'));
      const w = await server.cli(['run', 'w.yaml', '--var', 'question=x', '--agent', fakeAgentProfile]);
      expect(w.exitCode).toBe(2);
      expect(String(w.stderr)).toMatch(/w\.yaml:\d+: .*host.*read-only/);
      writeFileSync(join(server.dir, 'work', 'u.yaml'), stages('\n    host: nosuch'));
      const u = await server.cli(['run', 'u.yaml', '--var', 'question=x', '--agent', fakeAgentProfile]);
      expect(u.exitCode).toBe(2);
      expect(String(u.stderr)).toMatch(/Unknown host "nosuch"/);
    });
  }, 90_000);

  test('hosts: a reachable host with its tmux and agents, an unreachable one said so; a bad hosts.yaml is one line and exit 2', async ({ server, skip }) => {
    await onHost(server, skip, async (sshd) => {
      // `off`: a port nothing listens on (the ssh config is empty, so port 22, closed here).
      const r = await server.cli(['hosts', '--json']);
      expect(r.exitCode, String(r.stderr)).toBe(0);
      const hosts = Object.fromEntries(parseOut<{ hosts: { name: string; reachable: boolean; tmux: string | null; error?: string }[] }>(r).hosts.map((h) => [h.name, h]));
      expect(hosts.loop).toMatchObject({ reachable: true, tmux: expect.stringMatching(/^\d/) });
      expect(hosts.local).toMatchObject({ reachable: true });
      expect(hosts.off).toMatchObject({ reachable: false, tmux: null, error: expect.stringMatching(/unreachable/) });
      writeFileSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux', 'hosts.yaml'), 'hosts:\n  box:\n    ssh: "-oProxyCommand=x"\n');
      const bad = await server.cli(['hosts', '--json']);
      expect(bad.exitCode).toBe(2);
      expect(parseOut(bad)).toMatchObject({ error: { message: expect.stringMatching(/hosts\.yaml:3: .*ssh/) } });
      const spawn = await server.cli(['spawn', 'nope', 'w', '--host', 'nosuch', '--prompt', 'x']);
      expect(spawn.exitCode).toBe(2);
      // A project's .orch/hosts.yaml counts only once trusted (it decides where workers and their environment go).
      writeFileSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux', 'hosts.yaml'), '');
      mkdirSync(join(server.dir, 'work', '.orch'));
      writeFileSync(join(server.dir, 'work', '.orch', 'hosts.yaml'), sshd.hostsYaml('proj'));
      const untrusted = await server.cli(['hosts', '--json']);
      expect(parseOut<{ hosts: { name: string }[]; ignored: string[] }>(untrusted)).toMatchObject({ hosts: [{ name: 'local' }], ignored: [join(server.dir, 'work', '.orch', 'hosts.yaml')] });
      expect((await server.cli(['trust', '.orch/hosts.yaml'])).exitCode).toBe(0);
      const trusted = parseOut<{ hosts: { name: string; reachable: boolean }[] }>(await server.cli(['hosts', '--json']));
      expect(trusted.hosts.map((h) => [h.name, h.reachable])).toEqual([['local', true], ['proj', true]]);
    }, '  off:\n    ssh: nobody@127.0.0.1\n    sshConfig: /dev/null\n');
  }, 60_000);

  test('hostile text reaches a remote worker byte for byte: argv quoted once for the remote shell, the prompt and the environment from files', async ({ server, skip }) => {
    await onHost(server, skip, async (sshd) => {
      const hostile = `a'b"c$(touch ${join(server.dir, 'pwned')})\`touch ${join(server.dir, 'pwned2')}\`;|&<>*?[x] \\ \t#{pane_id} %s %% ünï`;
      const { quoteForShell } = await import('../../src/core/shell-quote.js');
      const { runOnHost } = await import('../../src/sites/ssh.js');
      const host = { name: 'loop', ssh: 'loop', sshConfig: sshd.sshConfig, dir: 'runs', env: {}, forward: [], maxWorkers: 8, source: 'test' };
      const items = [hostile, '', '-n', '--', '\n', ' lead', 'trail ', "'", '"', '\\'];
      expect(quoteForShell(['x'])).toBe('x');
      const echoed = await runOnHost(host, ['printf', '%s\\0', ...items], { timeoutMs: 20_000 });
      expect(echoed.stdout.split('\0').slice(0, -1)).toEqual(items);
      // A remote worker: the shell profile runs a script that prints an environment value, then its prompt.
      const script = join(server.dir, 'echo-env.sh');
      writeFileSync(script, '#!/bin/sh\nprintf "%s|" "$ORCH_HOSTILE"\nexec cat\n');
      chmodSync(script, 0o755);
      const { id: run, dir } = await newRun(server);
      const prompt = Buffer.concat([Buffer.from(hostile), Buffer.from([0x01, 0x7f]), Buffer.from('\nend')]);
      writeFileSync(join(server.dir, 'prompt.bin'), prompt);
      const s = await server.cli(['spawn', run, 'w', '--host', 'loop', '--agent', 'shell', '--var', `command=${script}`, '--prompt-file', join(server.dir, 'prompt.bin')], { env: { ...server.env, ORCH_HOSTILE: hostile } });
      expect(s.exitCode, String(s.stderr)).toBe(0);
      expect((await server.cli(['wait', run, '--timeout', '30'])).exitCode).toBe(0);
      expect(readFileSync(join(dir, 'workers', 'w', 'result.md')).equals(Buffer.concat([Buffer.from(`${hostile}|`), prompt]))).toBe(true);
      expect(existsSync(join(server.dir, 'pwned')) || existsSync(join(server.dir, 'pwned2')), 'nothing of the text ran').toBe(false);
    }, '    forward: [ORCH_HOSTILE]\n');
  }, 60_000);

  test('a host gets only the environment its agent\'s forwardEnv and hosts.yaml name: a secret on no list reaches neither its files nor the remote agent', async ({ server, skip }) => {
    await onHost(server, skip, async (sshd) => {
      const work = join(server.dir, 'work');
      writeFileSync(join(work, 'envy.yaml'), 'name: envy\nmode: exec\ncommand: [env]\nprompt: none\nlastMessage: stdout\nforwardEnv: [AGENT_KEY]\n');
      const { id: run, dir } = await newRun(server);
      const secret = `s3cret-${Date.now()}`;
      const env = { ...server.env, AGENT_KEY: 'for-the-agent', HOST_LISTED: 'for-this-host', CLOUD_TOKEN: secret };
      const s = await server.cli(['spawn', run, 'w', '--host', 'loop', '--agent', join(work, 'envy.yaml'), '--prompt', 'x'], { env });
      expect(s.exitCode, String(s.stderr)).toBe(0);
      expect((await server.cli(['wait', run, '--timeout', '30'])).exitCode).toBe(0);
      const got = readFileSync(join(dir, 'workers', 'w', 'result.md'), 'utf8');
      expect(got).toContain('AGENT_KEY=for-the-agent\n');
      expect(got).toContain('HOST_LISTED=for-this-host\n');
      expect(got).not.toContain(secret);
      // Nothing on the host holds it: not the launch file, the records or the transcript.
      const grep = await execa('grep', ['-r', '-l', secret, join(sshd.home, 'runs')], { reject: false });
      expect(grep.stdout).toBe('');
      // `hosts` names what the host itself adds (names only).
      const hosts = parseOut<{ hosts: { name: string; sends?: string[] }[] }>(await server.cli(['hosts', '--json']));
      expect(hosts.hosts.find((h) => h.name === 'loop')!.sends).toEqual(['HOST_LISTED', 'PATH']);
    }, '    forward: [HOST_LISTED]\n');
  }, 60_000);

  test('the injection payloads against remote workers: every payload and binary prompt, in one spawn on the host, arrives byte for byte; as an argv item too; nothing runs', async ({ server, skip }) => {
    await onHost(server, skip, async (sshd) => {
      const c = canary(server);
      const { id: run, dir } = await newRun(server);
      const jobs = [
        ...payloads(c.dir, c.tag).map((p) => ({ name: `f${p.id}`, bytes: Buffer.from(p.text) })),
        ...binaryPrompts(c.dir, c.tag).map((b) => ({ name: `f${b.id}`, bytes: b.bytes })),
      ];
      mkdirSync(join(server.dir, 'prompts'));
      for (const j of jobs) writeFileSync(join(server.dir, 'prompts', j.name), j.bytes);
      const env = { ...server.env, NASTY_JOB: `#(touch ${c.dir}/pwned-${c.tag}-env1)`, NASTY_SUBST: `$(touch ${c.dir}/pwned-${c.tag}-env2)\n#{pane_id}` };
      const many = await server.cli(['spawn', run, '--host', 'loop', '--agent', fakeAgentProfile, ...jobs.flatMap((j) => ['--worker', `${j.name}=${join(server.dir, 'prompts', j.name)}`])], { env });
      expect(many.exitCode, String(many.stderr)).toBe(0);
      // The argv channel: a profile that hands {{payload}} to the agent as its prompt argument.
      const argvProfile = join(server.dir, 'fake-argv.yaml');
      writeFileSync(argvProfile, 'name: fake-argv\nmode: exec\ncommand: [fake-agent, --last-message, "{{lastMessageFile}}", "--", "{{payload}}"]\nprompt: none\nlastMessage: file\n');
      const argvJobs = payloads(c.dir, c.tag).filter((p) => !p.huge && !p.text.includes('\0')).slice(0, 16);
      for (const p of argvJobs) {
        const r = await server.cli(['spawn', run, `a${p.id}`, '--host', 'loop', '--agent', argvProfile, '--var', `payload=${p.text}`, '--prompt', 'unused']);
        expect(r.exitCode, `a${p.id}: ${String(r.stderr)}`).toBe(0);
      }
      expect((await server.cli(['wait', run, '--timeout', '60'])).exitCode).toBe(0);
      for (const j of jobs) expect.soft(readFileSync(join(dir, 'workers', j.name, 'result.md'), 'utf8'), j.name).toBe(fakeMessage(j.bytes));
      for (const p of argvJobs) expect.soft(readFileSync(join(dir, 'workers', `a${p.id}`, 'result.md'), 'utf8'), `a${p.id}`).toBe(fakeMessage(Buffer.from(p.text)));
      expect(c.hits()).toEqual([]);
      expect(canaryHits(c.tag, [sshd.home])).toEqual([]);
    });
  }, 180_000);

  test('a hostile host: what it sends back lands only as the expected plain files of the workers asked for (no record overwritten, no link followed, no FIFO made)', async ({ server, skip }) => {
    // The host's `tar` answers every pull with a crafted archive once turned; its other uses are the real tar.
    const evil = join(server.dir, 'evil');
    const bin = join(evil, 'bin');
    const craft = join(evil, 'craft');
    mkdirSync(bin, { recursive: true });
    // Honest until the test turns it (the crafted folder exists).
    writeFileSync(join(bin, 'tar'), `#!/bin/sh\n[ "$1" = -cf ] && [ -d ${JSON.stringify(craft)} ] && exec /bin/tar -cf - -C ${JSON.stringify(craft)} workers\nexec /bin/tar "$@"\n`, { mode: 0o755 });
    await onHost(server, skip, async (sshd) => {
      const { id: run, dir } = await newRun(server);
      const spawned = await server.cli(['spawn', run, 'w', '--host', 'loop', '--agent', fakeAgentProfile, '--prompt', '[[gate:never]]']);
      expect(spawned.exitCode, String(spawned.stderr)).toBe(0);
      const before = readFileSync(join(dir, 'workers', 'w', 'worker.json'), 'utf8');
      const w = join(craft, 'workers', 'w');
      mkdirSync(join(craft, 'workers', 'other'), { recursive: true });
      mkdirSync(w, { recursive: true });
      writeFileSync(join(w, 'worker.json'), '{"EVIL": true}');
      writeFileSync(join(craft, 'workers', 'other', 'worker.json'), '{"EVIL": true}');
      writeFileSync(join(w, 'exit-0.facts'), 'status=0\nlogOffset=0\n');
      symlinkSync('/etc/hostname', join(w, 'last-message.txt'));
      await execa('mkfifo', [join(w, 'stdout.txt')]);
      writeFileSync(join(w, 'pane.log'), 'a transcript\n');
      const st = await stateOf(server, run, 'w');
      // The exit fact and the transcript came home; the link and the FIFO did not; no record was written by the host.
      expect(st).toMatchObject({ state: 'failed', reason: 'no result' });
      expect(readFileSync(join(dir, 'workers', 'w', 'worker.json'), 'utf8')).not.toContain('EVIL');
      expect(JSON.parse(readFileSync(join(dir, 'workers', 'w', 'worker.json'), 'utf8')).argv).toEqual(JSON.parse(before).argv);
      expect(existsSync(join(dir, 'workers', 'other'))).toBe(false);
      expect(lstatSync(join(dir, 'workers', 'w', 'last-message.txt')).isFile()).toBe(true);
      expect(readFileSync(join(dir, 'workers', 'w', 'last-message.txt'), 'utf8')).toBe('');
      expect(lstatSync(join(dir, 'workers', 'w', 'stdout.txt')).isFile()).toBe(true);
      expect(readFileSync(join(dir, 'workers', 'w', 'pane.log'), 'utf8')).toBe('a transcript\n');
      expect(statSync(join(dir, 'workers', 'w', 'pane.log')).mode & 0o777).toBe(0o600);
    }, '', { hostPath: bin });
  }, 60_000);

  test('an interactive worker on the host: send types once, log reads its screen there and fetches its transcript from there, attach --host prints the ssh command, kill ends it there', async ({ server, skip }) => {
    await onHost(server, skip, async (sshd) => {
      const { id: run, session } = await newRun(server);
      const sp = await server.cli(['spawn', run, 'tui', '--host', 'loop', '--agent', fakeTuiProfile, '--prompt', 'unused: this profile takes no prompt']);
      expect(sp.exitCode, String(sp.stderr)).toBe(0);
      const screen = async () => String((await server.cli(['log', run, 'tui', '--lines', '30'])).stdout);
      await waitUntil(async () => /^›/m.test(await screen()), 'the composer on the host', 20_000, 100);
      const sent = await server.cli(['send', run, 'tui', 'one [[reply:first reply]]', '--json']);
      expect(sent.exitCode, String(sent.stderr)).toBe(0);
      const record = join(sshd.home, 'runs', run, 'workers', 'tui', 'record.jsonl');
      await waitUntil(() => existsSync(record) && readFileSync(record, 'utf8').includes('one [[reply'), 'the message at the agent', 20_000, 100);
      await waitUntil(async () => /^(?!.*\[\[reply:).*first reply/m.test(await screen()), 'the reply on the host\'s screen', 20_000, 100);
      expect(readFileSync(record, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).text)).toEqual(['one [[reply:first reply]]']);
      const transcript = parseOut<{ source: string; text: string }>(await server.cli(['log', run, 'tui', '--transcript', '--json']));
      expect(transcript).toMatchObject({ source: 'transcript', text: expect.stringContaining('first reply') });
      const attach = parseOut<{ command: string[] }>(await server.cli(['attach', run, '--host', 'loop', '--json']));
      expect(attach.command.slice(0, 3)).toEqual(['ssh', '-F', sshd.sshConfig]);
      expect(attach.command.slice(-4)).toEqual(['-t', 'loop', '--', `tmux attach-session -t '=${session}'`]);
      const killed = parseOut<{ workers: { name: string; state: string }[] }>(await server.cli(['kill', run, '--grace', '1', '--json']));
      expect(killed.workers).toEqual([{ name: 'tui', state: 'killed' }]);
      expect(await hostWindows(sshd, session)).toEqual([]);
    });
  }, 60_000);

  test('faults: the link goes down (workers unreachable, a result already home kept) and comes back (the run completes, wait 0); the host\'s tmux killed: lost, resumed by the monitor', async ({ server, skip }) => {
    await onHost(server, skip, async (sshd) => {
      const { id: run, dir } = await newRun(server);
      const spawn = (name: string, prompt: string) => server.cli(['spawn', run, name, '--host', 'loop', '--agent', fakeAgentProfile, '--prompt', prompt]);
      expect((await spawn('first', '[[reply:home before the cut]]')).exitCode).toBe(0);
      expect((await server.cli(['wait', run, 'first', '--timeout', '30'])).exitCode).toBe(0);
      const kept = readFileSync(join(dir, 'workers', 'first', 'result.md'));
      expect(kept.toString()).toBe('home before the cut');
      expect((await spawn('slow', '[[gate:cut]] [[reply:finished while cut off]]')).exitCode).toBe(0);

      await sshd.stop();
      expect(await stateOf(server, run, 'slow')).toMatchObject({ host: 'loop', state: 'unreachable', reason: expect.stringMatching(/unreachable/) });
      expect((await stateOf(server, run, 'first'))?.state).toBe('done');
      expect(readFileSync(join(dir, 'workers', 'first', 'result.md')).equals(kept)).toBe(true);
      // The monitor tells it once, and does nothing else to it.
      const passes = [];
      for (let i = 0; i < 2; i++) passes.push(parseOut<{ runs: { run: string; workers: { name: string; state: string; actions: string[] }[] }[] }>(await server.cli(['monitor', '--once', '--json'])).runs.find((x) => x.run === run)!.workers.find((w) => w.name === 'slow'));
      expect(passes).toEqual([expect.objectContaining({ state: 'unreachable', actions: ['notify:unreachable'] }), expect.objectContaining({ state: 'unreachable', actions: [] })]);
      const during = await server.cli(['wait', run, '--timeout', '1']);
      expect(during.exitCode, 'no answer from the host is no answer: wait times out, nothing is called lost').toBe(124);
      // The agent finishes on the host while it cannot be reached.
      openGate(server, 'cut');
      await sshd.start();
      const after = await server.cli(['wait', run, '--timeout', '30', '--json']);
      expect(after.exitCode, String(after.stdout)).toBe(0);
      expect(readFileSync(join(dir, 'workers', 'slow', 'result.md'), 'utf8')).toBe('finished while cut off');

      // The host's tmux server dies under a working agent: lost (its pane is gone), and the monitor resumes it there.
      expect((await spawn('third', '[[gate:later]]')).exitCode).toBe(0);
      await waitUntil(async () => (await stateOf(server, run, 'third'))?.state === 'running', 'third running');
      await sshd.killTmux();
      // Judged lost once a listing taken after its start shows no pane (a remote start time is whole seconds).
      await waitUntil(async () => (await stateOf(server, run, 'third'))?.state === 'lost', 'third lost', 10_000, 100);
      const m = await server.cli(['monitor', '--once', '--json']);
      expect(m.exitCode, String(m.stderr)).toBe(0);
      const acted = parseOut<{ runs: { run: string; workers: { name: string; actions: string[] }[] }[] }>(m).runs.find((x) => x.run === run)!.workers.find((w) => w.name === 'third')!;
      expect(acted.actions.some((a) => a.startsWith('resume'))).toBe(true);
      openGate(server, 'later');
      expect((await server.cli(['wait', run, '--timeout', '30'])).exitCode).toBe(0);
      expect(readFileSync(join(dir, 'workers', 'third', 'result.md'), 'utf8')).toMatch(/^resumed /);
    });
  }, 120_000);
});
