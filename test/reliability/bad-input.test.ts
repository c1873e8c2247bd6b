// Bad input: every row of the table in bad-inputs.ts exits 2, quickly, with one line on stderr containing the
// row's fragment (case-insensitive) and nothing on stdout; under --json, the same failure is one JSON object on
// stdout, {"error": {code, message, exit: 2}}. docs/reliability.md lists the same rows. The first row of each
// command goes through the real CLI (a process); the others through main() in this process (same code, no
// Node start-up per row).
import { execa } from 'execa';
import { chmodSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cliPath, fakeAgentProfile, fakeTuiProfile, repoRoot, startTestServer, stopTestServer, waitUntil, type TestServer } from '../helpers/tmux-server.js';
import { BAD_INPUTS, displayArgs, docLine } from './bad-inputs.js';
import { described, newRun, oneLine, reportTally, shutdown, tally, workerFile } from './support.js';

let server: TestServer;
const values: Record<string, string> = {};
const asRoot = process.getuid?.() === 0;

beforeAll(async () => {
  server = await startTestServer();
  const d = join(server.dir, 'inputs');
  mkdirSync(d);
  const put = (name: string, data: string | Buffer) => {
    writeFileSync(join(d, name), data);
    return join(d, name);
  };
  values['{fake}'] = fakeAgentProfile;
  values['{doc}'] = put('doc.md', '# Doc\n\nText.\n');
  values['{file}'] = put('file.txt', 'just a file\n');
  values['{missing}'] = join(d, 'no-such-file');
  values['{dir}'] = join(d, 'a-dir');
  mkdirSync(values['{dir}']);
  values['{binary}'] = put('binary.bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 0xff, 0]));
  values['{latin1}'] = put('latin1.md', Buffer.from('# Caf\xe9\n\nna\xefve\n', 'latin1'));
  values['{huge}'] = put('huge.txt', '');
  truncateSync(values['{huge}'], 65 * 1024 * 1024);
  values['{unreadable}'] = put('unreadable.md', '# secret\n');
  chmodSync(values['{unreadable}'], 0o000);
  values['{fifo}'] = join(d, 'fifo');
  await execa('mkfifo', [values['{fifo}']]);
  values['{empty}'] = put('empty.md', '');
  values['{bad-profile}'] = put('bad-profile.yaml', 'name: bad\ncommand: [fake-agent]\nflavour: vanilla\n');
  values['{no-program}'] = put('no-program.yaml', 'name: ghost\ncommand: [orch-no-such-program-xyz, "-"]\nprompt: stdin\n');
  values['{bad-pattern}'] = put('bad-pattern.yaml', 'name: bad\nstages: [{ id: one, template: reviewer }]\nextra: 1\n');
  values['{bad-context}'] = put('bad-context.yaml', 'goal: ship\nbudget: 10\n');
  values['{long}'] = 'n'.repeat(201);
  const run = await newRun(server);
  values['{run}'] = run.id;
  for (const [name, agent, prompt] of [['done1', fakeAgentProfile, '[[reply:one]]'], ['done2', fakeAgentProfile, '[[reply:two]]'], ['tui', fakeTuiProfile, 'x']] as const) {
    const r = await server.cli(['spawn', run.id, name, '--agent', agent, '--prompt', prompt]);
    if (r.exitCode !== 0) throw new Error(`table fixture: spawn ${name}: ${described(r)}`);
  }
  const w = await server.cli(['wait', run.id, 'done1', 'done2', '--timeout', '30']);
  if (w.exitCode !== 0) {
    const screens = await Promise.all(['done1', 'done2'].map((n) => server.cli(['log', run.id, n])));
    throw new Error(`table fixture: ${described(w)}\nevents: ${readFileSync(join(run.dir, 'events.jsonl'), 'utf8')}\nscreens: ${screens.map((s) => String(s.stdout)).join('\n---\n')}`);
  }
  await waitUntil(() => readFileSync(workerFile(run, 'tui', 'pane.log'), 'utf8').includes('› '), 'the interactive worker');
}, 60_000);

afterAll(async () => {
  if (server) {
    // A row that wrongly started a worker must not keep the folder busy while it is removed.
    await shutdown(server);
    await stopTestServer(server);
  }
  reportTally(import.meta.filename);
});

const fill = (arg: string) => arg.replace(/\{[a-z0-9-]+\}/g, (t) => values[t] ?? t);
const firstOfCommand = new Set(BAD_INPUTS.filter((r, i) => BAD_INPUTS.findIndex((o) => o.command === r.command) === i));

describe.concurrent('bad input: exit 2, one line on stderr', () => {
  for (const r of BAD_INPUTS) {
    test(`${r.command}: ${displayArgs(r.args)}`, async ({ expect, skip }) => {
      if (r.notAsRoot && asRoot) {
        console.log(`reliability: skipped bad-input row \`${displayArgs(r.args)}\`: running as root, which reads a chmod 000 file anyway`);
        skip();
      }
      tally('badInputs');
      const args = r.args.map(fill);
      const env = { ...server.env, ...r.env };
      const res = firstOfCommand.has(r)
        ? await execa(process.execPath, [cliPath, ...args], { env, extendEnv: false, reject: false, cwd: join(server.dir, 'work'), timeout: r.timeoutMs ?? 8_000 })
        : await server.inProcess(args, { env });
      const what = `${displayArgs(r.args)}\n${'timedOut' in res && res.timedOut ? 'TIMED OUT (killed)\n' : ''}${described(res)}`;
      expect(res.exitCode, what).toBe(2);
      expect(oneLine(res.stderr), `one line on stderr: ${what}`).toBe(true);
      expect(String(res.stderr).toLowerCase(), what).toContain(r.expect.toLowerCase());
      expect(String(res.stdout), `nothing on stdout: ${what}`).toBe('');
      // The same row under --json (right after the command name, before any `--`): the error as JSON on stdout.
      const json = await server.inProcess([args[0]!, '--json', ...args.slice(1)], { env });
      expect(json.exitCode, `--json: ${described(json)}`).toBe(2);
      const parsed = JSON.parse(String(json.stdout)) as { error: { code: string; message: string; exit: number } };
      expect(Object.keys(parsed), `--json: ${described(json)}`).toEqual(['error']);
      expect(parsed.error).toEqual({ code: expect.stringMatching(/^[a-z][a-z_]*$/), message: expect.any(String), exit: 2 });
      expect(parsed.error.message.toLowerCase(), `--json: ${described(json)}`).toContain(r.expect.toLowerCase());
    }, 30_000);
  }
});

describe('bad input table', () => {
  test('docs/reliability.md lists every row of the table (and no other)', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'reliability.md'), 'utf8');
    const missing = BAD_INPUTS.map(docLine).filter((l) => !doc.includes(`${l}\n`));
    expect(missing, 'add these lines to the bad-input table in docs/reliability.md').toEqual([]);
    const start = doc.indexOf('<!-- bad-input table: start -->');
    const end = doc.indexOf('<!-- bad-input table: end -->');
    expect(start).toBeGreaterThan(0);
    const rows = doc.slice(start, end).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Command') && !l.startsWith('| ---'));
    const known = new Set(BAD_INPUTS.map(docLine));
    expect(rows.filter((l) => !known.has(l)), 'rows in the doc that the code table does not have').toEqual([]);
    // Every token used is explained in the doc.
    for (const t of new Set(BAD_INPUTS.flatMap((r) => r.args.join(' ').match(/\{[a-z0-9-]+\}/g) ?? []))) expect(doc, t).toContain(`\`${t}\``);
  });
});
