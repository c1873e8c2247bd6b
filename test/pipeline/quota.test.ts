// A usage limit is the account's: when one worker of a run meets it, its queued siblings of the same agent
// do not start into it; at the reset they start, the limited one is resumed, all finish; one notice.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, test } from '../helpers/tmux-server.js';
import { notices, notifier, noticesFile } from '../supervise/support.js';
import { cliJson, readEvents, workerRecord, workerText, writeWork } from './support.js';

describe('a run at a usage limit', () => {
  test('split of 4 with --max-parallel 1, the first part meets a limit that resets in 5 s: nothing starts before the reset, then all finish, one notice', async ({ server }) => {
    mkdirSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux'), { recursive: true });
    writeFileSync(join(server.env.XDG_CONFIG_HOME!, 'orch-tmux', 'config.yaml'), `${JSON.stringify({ notify: { command: [process.execPath, notifier, noticesFile(server)], tmux: false } })}\n`);
    const doc = writeWork(server, 'four.md', ['# Four', '', '## S1', '', 'Body 1 [[ratelimit:5]]', '', ...[2, 3, 4].flatMap((i) => [`## S${i}`, '', `Body ${i}.`, ''])].join('\n'));
    const out = await cliJson(server, ['run', 'split', '--var', `doc=${doc}`, '--var', 'task=Read it', '--max-parallel', '1', '--agent', fakeAgentProfile]);
    expect(out.ok).toBe(true);
    const parts = [1, 2, 3, 4].map((i) => `part-s${i}`);
    expect(parts.map((n) => workerRecord(out.dir, n).state)).toEqual(['done', 'done', 'done', 'done']);
    expect(workerRecord(out.dir, 'part-s1')).toMatchObject({ resumes: 1 });
    const walls = readEvents(out.dir).filter((e) => e.kind === 'run.quota-wall');
    expect(walls).toMatchObject([{ worker: 'part-s1', detail: { agent: 'fake' } }]);
    const resetsAt = Date.parse(String(walls[0]!.detail!.resetsAt));
    // The siblings started only once the wall was behind (their start facts are after the reset).
    for (const n of parts.slice(1)) expect(Date.parse(workerRecord(out.dir, n).startedAt), n).toBeGreaterThanOrEqual(resetsAt);
    expect(readEvents(out.dir).some((e) => e.kind === 'driver.paused')).toBe(true);
    expect(notices(server).filter((n) => n.event === 'rate_limited')).toMatchObject([{ worker: 'part-s1', detail: { agent: 'fake' } }]);
    // The merge has every part, in the document's order.
    const merge = workerText(out.dir, 'merge', 'prompt.md');
    const at = parts.map((n) => merge.indexOf(`### ${n}`));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  }, 120_000);
});
