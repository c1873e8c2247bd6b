// Pure rules of a run: how an answer's first line decides a stage, how plan steps move and close, and the
// durations people type.
import { describe, expect, test } from 'vitest';
import { parseDuration } from '../../src/core/format.js';
import { checkPlan, closeStep, insertSteps, newPlan, statusLine, stepMark } from '../../src/core/plan.js';
import { readVerdict, verdictLine, verdictReason } from '../../src/core/verdict.js';

const RULE = { pass: '^VERDICT:\\s*PASS\\b', fail: '^VERDICT:\\s*FAIL\\b' };

describe('verdicts', () => {
  test.for([
    ['VERDICT: PASS\nall good', 'pass', 'VERDICT: PASS'],
    ['\n\n**VERDICT: FAIL** - add() still wrong\n- issue', 'fail', 'VERDICT: FAIL - add() still wrong'],
    ['# VERDICT: PASS', 'pass', 'VERDICT: PASS'],
    ['> `VERDICT: FAIL`', 'fail', 'VERDICT: FAIL'],
    ['Looks fine to me', 'none', 'Looks fine to me'],
    ['', 'none', ''],
  ] as const)('%j reads %s', ([text, decision, line]) => {
    expect(readVerdict(text, RULE)).toEqual({ decision, line });
  });
  test('no answer is no verdict; reasons name the worker', () => {
    expect(readVerdict(undefined, RULE)).toEqual({ decision: 'none', line: '' });
    expect(verdictReason('verify', { decision: 'fail', line: 'VERDICT: FAIL - x' })).toBe('verify: VERDICT: FAIL - x');
    expect(verdictReason('verify', { decision: 'none', line: 'hm' })).toBe('verify: no verdict (the first line is "hm")');
    expect(verdictReason('verify', { decision: 'none', line: '' })).toBe('verify: no verdict (no answer)');
    expect(verdictLine('  __VERDICT: PASS__  ')).toBe('VERDICT: PASS');
  });
});

describe('plans', () => {
  test('a failed step closes like a completed one; the marker moves on only when the drive goes on', () => {
    const plan = newPlan(['review', 'fix', 'verify']);
    const failedOn = closeStep(plan, 0, 'failed', true);
    expect(failedOn.steps.map((s) => s.status)).toEqual(['failed', 'in_progress', 'pending']);
    const stopped = closeStep(plan, 0, 'failed', false);
    expect(stopped.steps.map((s) => s.status)).toEqual(['failed', 'pending', 'pending']);
    expect(statusLine(closeStep(failedOn, 1, 'completed', true))).toBe('plan 1/3 (1 failed) > 3. verify');
    expect(['pending', 'in_progress', 'completed', 'failed'].map((s) => stepMark(s as 'pending'))).toEqual([' ', '>', 'x', '!']);
  });
  test('a round adds its steps after the failed one, once (a resumed drive finds them there)', () => {
    const plan = closeStep(newPlan(['review', 'verify']), 1, 'failed', false);
    const more = insertSteps(plan, 1, ['fix (round 2)', 'verify (round 2)']);
    expect(more.steps.map((s) => s.title)).toEqual(['review', 'verify', 'fix (round 2)', 'verify (round 2)']);
    expect(insertSteps(more, 1, ['fix (round 2)', 'verify (round 2)'])).toBe(more);
  });
  test('the rule: exactly one in progress while any step is open', () => {
    expect(() => checkPlan([{ title: 'a', status: 'failed' }, { title: 'b', status: 'pending' }])).toThrow(/got 0/);
    expect(checkPlan([{ title: 'a', status: 'failed' }, { title: 'b', status: 'completed' }, { title: 'c', status: 'completed' }])).toBeUndefined();
  });
});

describe('durations', () => {
  test.for([['90s', 90_000], ['30m', 1_800_000], ['12h', 43_200_000], ['7d', 604_800_000], ['45', 45_000], ['1.5h', 5_400_000], ['forever', Infinity]] as const)('%s', ([text, ms]) => {
    expect(parseDuration(text)).toBe(ms);
  });
  test('numbers are seconds; anything else is none', () => {
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(3600)).toBe(3_600_000);
    for (const bad of ['soon', '-1h', '1w', '', 'h']) expect(parseDuration(bad), bad).toBeUndefined();
  });
});
