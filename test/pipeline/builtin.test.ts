// Every built-in pattern end to end with the fake agent: fan-outs, `needs:` feeding results forward,
// outputs, and write stages (workspace-write, one at a time, after the stage before them ended).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { fakeAgentProfile, test } from '../helpers/tmux-server.js';
import { cliJson, fakeAnswerFor, readEvents, workerNames, workerRecord, workerText, writeSandboxProfile, writeWork, type DriveJson } from './support.js';

/** Checks that every worker ended done and answered its own prompt.md (the fake agent echoes its sha256). */
function expectAllAnswered(out: DriveJson, names: string[]): void {
  expect(out.ok).toBe(true);
  expect(workerNames(out.dir)).toEqual([...names].sort());
  expect(out.workers.map((w) => [w.name, w.state]).sort()).toEqual([...names].sort().map((n) => [n, 'done']));
  for (const n of names) {
    expect(workerText(out.dir, n, 'prompt.md'), n).toMatch(/^CONTEXT: WORKER\n/);
    expect(workerText(out.dir, n, 'result.md').startsWith(fakeAnswerFor(join(out.dir, 'workers', n, 'prompt.md'))), n).toBe(true);
  }
  expect(JSON.parse(readFileSync(join(out.dir, 'run.json'), 'utf8')).state).toBe('finished');
}

/** `### <worker> ...` block as the next stage's prompt shows it. */
function resultBlock(dir: string, name: string): string {
  return `${workerText(dir, name, 'result.md').trim()}\n`;
}

/** The stage after `before` started only once `before` had ended. */
function expectAfter(dir: string, before: string, after: string): void {
  expect(Date.parse(workerRecord(dir, after).startedAt), `${after} after ${before}`).toBeGreaterThanOrEqual(Date.parse(workerRecord(dir, before).endedAt));
}

/** The sandbox a worker was started with, from its argv (see writeSandboxProfile), checked against the folder the agent made. */
function sandboxOf(dir: string, name: string): string {
  const argv = workerRecord(dir, name).argv;
  const stateDir = argv[argv.indexOf('--state-dir') + 1]!;
  expect(existsSync(stateDir), `${name} ran with ${stateDir}`).toBe(true);
  return stateDir.split('/sandbox-')[1]!;
}

describe('built-in patterns with the fake agent', () => {
  test('review: lenses from --var, one synthesis', async ({ server }) => {
    const doc = writeWork(server, 'doc.md', '# Doc\n\nSome text.\n');
    const out = await cliJson(server, ['run', 'review', '--var', `doc=${doc}`, '--var', 'lenses=evidence,audience', '--agent', fakeAgentProfile]);
    expectAllAnswered(out, ['evidence', 'audience', 'synth']);
    expect(readFileSync(join(out.dir, 'synthesis.md'), 'utf8')).toBe(workerText(out.dir, 'synth', 'result.md'));
    for (const n of ['evidence', 'audience']) expect(workerText(out.dir, 'synth', 'prompt.md')).toContain(resultBlock(out.dir, n));
  });

  test('review-fix: review, then fix (workspace-write, after review), then verify with both results', async ({ server }) => {
    const doc = writeWork(server, 'notes.md', '# Notes\n\nTeh typo.\n');
    const out = await cliJson(server, ['run', 'review-fix', '--var', 'doc=notes.md', '--agent', writeSandboxProfile(server)]);
    expectAllAnswered(out, ['review', 'fix', 'verify']);
    expect(sandboxOf(out.dir, 'review')).toBe('read-only');
    expect(sandboxOf(out.dir, 'fix')).toBe('workspace-write');
    // The verifier may run tests that write, in a throw-away copy of the folder (not the user's tree).
    expect(sandboxOf(out.dir, 'verify')).toBe('workspace-write');
    expect(JSON.parse(workerText(out.dir, 'verify', 'worker.json')).cwd).toBe(join(out.dir, 'scratch', 'verify'));
    expectAfter(out.dir, 'review', 'fix');
    expectAfter(out.dir, 'fix', 'verify');
    expect(workerText(out.dir, 'review', 'prompt.md')).toContain('Teh typo.');
    const fix = workerText(out.dir, 'fix', 'prompt.md');
    expect(fix).toContain(`Fix the findings below in ${doc}.`);
    expect(fix).toContain(`### review\n\n${resultBlock(out.dir, 'review')}`);
    const verify = workerText(out.dir, 'verify', 'prompt.md');
    expect(verify).toContain(resultBlock(out.dir, 'review'));
    expect(verify).toContain(resultBlock(out.dir, 'fix'));
    expect(readFileSync(join(out.dir, 'verdict.md'), 'utf8')).toBe(workerText(out.dir, 'verify', 'result.md'));
    expect(out.outputs).toEqual({ 'verdict.md': join(out.dir, 'verdict.md') });
  });

  test('scout-act-verify: act is workspace-write and starts after the scout ended; results flow forward', async ({ server }) => {
    const out = await cliJson(server, ['run', 'scout-act-verify', '--var', 'task=Rename foo to bar', '--var', 'area=src/', '--agent', writeSandboxProfile(server)]);
    expectAllAnswered(out, ['scout', 'act', 'verify']);
    expect([sandboxOf(out.dir, 'scout'), sandboxOf(out.dir, 'act'), sandboxOf(out.dir, 'verify')]).toEqual(['read-only', 'workspace-write', 'workspace-write']);
    expectAfter(out.dir, 'scout', 'act');
    expectAfter(out.dir, 'act', 'verify');
    expect(workerText(out.dir, 'scout', 'prompt.md')).toContain('# Task to scout\nRename foo to bar\n\n## Area\nStart here: src/\n');
    expect(workerText(out.dir, 'act', 'prompt.md')).toContain(resultBlock(out.dir, 'scout'));
    expect(workerText(out.dir, 'verify', 'prompt.md')).toContain(resultBlock(out.dir, 'act'));
    expect(readFileSync(join(out.dir, 'verdict.md'), 'utf8')).toBe(workerText(out.dir, 'verify', 'result.md'));
  });

  test('split: a document with 5 headed sections makes 5 workers, each with its own section, plus the merge', async ({ server }) => {
    const sections = ['Intro', 'Design', 'Risks', 'Rollout', 'Open questions'];
    const doc = writeWork(server, 'plan.md', [
      '# Plan', '', 'Preamble text.', '',
      ...sections.flatMap((s, i) => [`## ${s}`, '', `Body of section ${i + 1} SECTION-${i + 1}-MARK.`, '']),
      '```', '## not a heading (in a fence)', '```', '',
    ].join('\n'));
    const out = await cliJson(server, ['run', 'split', '--var', `doc=${doc}`, '--agent', fakeAgentProfile]);
    const parts = sections.map((_, i) => `part-s${i + 1}`);
    expectAllAnswered(out, [...parts, 'merge']);
    parts.forEach((name, i) => {
      const prompt = workerText(out.dir, name, 'prompt.md');
      expect(prompt).toContain(`LENS: Section ${i + 1}: ${sections[i]}`);
      expect(prompt).toContain(`SECTION-${i + 1}-MARK`);
      for (let j = 1; j <= sections.length; j++) if (j !== i + 1) expect(prompt, `${name} sees section ${j}`).not.toContain(`SECTION-${j}-MARK`);
      expect(workerText(out.dir, name, 'result.md')).toContain(`lens: Section ${i + 1}: ${sections[i]}`);
    });
    const merge = workerText(out.dir, 'merge', 'prompt.md');
    parts.forEach((name, i) => expect(merge).toContain(`### ${name} (${sections[i]})\n\n${resultBlock(out.dir, name)}`));
    expect(readFileSync(join(out.dir, 'synthesis.md'), 'utf8')).toBe(workerText(out.dir, 'merge', 'result.md'));
  });

  test('research: one researcher per angle, then a brief', async ({ server }) => {
    const out = await cliJson(server, ['run', 'research', '--var', 'question=Why is the cache slow?', '--var', 'angles=prior art, profiling', '--agent', fakeAgentProfile]);
    expectAllAnswered(out, ['research-prior-art', 'research-profiling', 'brief']);
    expect(workerText(out.dir, 'research-profiling', 'prompt.md')).toContain('# Question\nWhy is the cache slow?\n\n## Scope\nAngle: profiling\n');
    const brief = workerText(out.dir, 'brief', 'prompt.md');
    for (const n of ['research-prior-art', 'research-profiling']) expect(brief).toContain(resultBlock(out.dir, n));
    expect(readFileSync(join(out.dir, 'synthesis.md'), 'utf8')).toBe(workerText(out.dir, 'brief', 'result.md'));
  });

  test('options with n=2: two designers, then pick', async ({ server }) => {
    const out = await cliJson(server, ['run', 'options', '--var', 'task=Store sessions', '--var', 'n=2', '--agent', fakeAgentProfile]);
    expectAllAnswered(out, ['option-1', 'option-2', 'pick']);
    expect(workerText(out.dir, 'option-1', 'prompt.md')).toContain('## Your option: 1 of 2\n');
    expect(workerText(out.dir, 'option-2', 'prompt.md')).toContain('## Your option: 2 of 2\n');
    const pick = workerText(out.dir, 'pick', 'prompt.md');
    expect(pick).toContain('2 design options for: Store sessions.');
    for (const n of ['option-1', 'option-2']) expect(pick).toContain(resultBlock(out.dir, n));
    expect(readFileSync(join(out.dir, 'synthesis.md'), 'utf8')).toBe(workerText(out.dir, 'pick', 'result.md'));
    // pick started after both designers ended, and last.
    expectAfter(out.dir, 'option-1', 'pick');
    expectAfter(out.dir, 'option-2', 'pick');
    expect(readEvents(out.dir).filter((e) => e.kind === 'worker.started').map((e) => e.worker).slice(-1)).toEqual(['pick']);
  });
});
