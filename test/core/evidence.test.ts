// judge(): a live worker's state from its newest hook line first, the screen where it shows what no hook
// explains. Pure, so the hard cases are table rows.
import { describe, expect, test } from 'vitest';
import { judge } from '../../src/core/evidence.js';
import type { Classification } from '../../src/core/classify.js';
import { type HookLine } from '../../src/core/hooks.js';

const NOW = Date.parse('2026-12-02T10:00:10Z');
const hook = (fact: HookLine['fact'], at: string, extra: Partial<HookLine> = {}): HookLine => ({
  time: at, fact, line: 3, event: { hook_event_name: 'PermissionRequest', tool_name: 'Bash', tool_input: { command: 'touch x' } }, ...extra,
});
// A screen whose last change was `changedAgo` ms before NOW.
const screen = (state: Classification['state'], changedAgo: number, extra: Partial<Classification> = {}): Classification => ({ state, reason: 'screen', silentForMs: changedAgo, ...extra });

describe('judge', () => {
  test('no hooks: the screen', () => {
    expect(judge(undefined, screen('working', 0), NOW)).toMatchObject({ from: 'screen', verdict: { state: 'working' } });
  });
  test('a hook ask with the dialog on screen: the hook (told already)', () => {
    const j = judge(hook('approval', '2026-12-02T10:00:08Z', { decision: 'ask' }), screen('waiting_approval', 1500, { prompt: 'Allow?' }), NOW);
    expect(j).toMatchObject({ from: 'hook', verdict: { state: 'waiting_approval', hooked: true, prompt: 'touch x' } });
  });
  test('a hook ask the screen no longer shows, changed since (answered at the dialog): the screen', () => {
    const j = judge(hook('approval', '2026-12-02T10:00:02Z', { decision: 'ask' }), screen('waiting_input', 3000), NOW);
    expect(j).toMatchObject({ from: 'screen', verdict: { state: 'waiting_input' } });
  });
  test('a hook ask and a screen not changed since: still the hook', () => {
    const j = judge(hook('approval', '2026-12-02T10:00:08Z', { decision: 'ask' }), screen('unknown', 5000), NOW);
    expect(j).toMatchObject({ from: 'hook', verdict: { state: 'waiting_approval' } });
  });
  test('a request the hook refused that still shows: refused again, never approved', () => {
    const j = judge(hook('approval', '2026-12-02T10:00:08Z', { decision: 'deny' }), screen('waiting_approval', 1000, { prompt: 'Run touch x?', fingerprint: 'f' }), NOW);
    expect(j).toMatchObject({ from: 'screen', verdict: { state: 'waiting_approval', hookDenied: true } });
    // Another request on screen, which the hook never saw: the policy decides it, not the old refusal.
    const other = judge(hook('approval', '2026-12-02T10:00:08Z', { decision: 'deny' }), screen('waiting_approval', 1000, { prompt: 'Run ls?', fingerprint: 'g' }), NOW);
    expect(other.verdict!.hookDenied).toBeUndefined();
  });
  test('a rate limit, a gate or a stall on screen wins over a working hook', () => {
    for (const s of [screen('working', 0, { rateLimited: true }), screen('waiting_approval', 0, { gate: true }), screen('stalled', 900_000)]) {
      expect(judge(hook('working', '2026-12-02T10:00:09Z'), s, NOW).from).toBe('screen');
    }
  });
  test('turn_done with the composer on screen: idle, from the hook', () => {
    expect(judge(hook('turn_done', '2026-12-02T10:00:09Z'), screen('waiting_input', 500), NOW)).toMatchObject({ from: 'hook', verdict: { state: 'waiting_input' } });
  });
});
