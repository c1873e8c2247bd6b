// Golden tests of the screen classifier: real captures of codex 0.169 and of the fake agent, plus synthetic
// screens for the rules no capture shows (quoted prompts, silence, dead panes, rate limits).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { classifyScreen, liveRegion, type ClassifyInput, type ScreenState, type StatePatterns } from '../../src/core/classify.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const capturesDir = join(repo, 'test/fixtures/captures');

const codexPatterns = (parse(readFileSync(join(repo, 'templates/agents/codex-tui.yaml'), 'utf8')) as { states: StatePatterns }).states;
const claudePatterns = (parse(readFileSync(join(repo, 'templates/agents/claude-tui.yaml'), 'utf8')) as { states: StatePatterns }).states;
const fakePatterns = (parse(readFileSync(join(repo, 'test/fixtures/agents/fake-tui.yaml'), 'utf8')) as { states: StatePatterns }).states;

const NOW = 1_763_700_000_000;
const SILENCE = 60_000;
const recent = { dead: false, lastActivityMs: NOW - 1_000 };
const silent = { dead: false, lastActivityMs: NOW - 10 * 60_000 };

function classify(screen: string, over: Partial<ClassifyInput> = {}) {
  return classifyScreen({ screen, pane: recent, patterns: codexPatterns, mode: 'interactive', nowMs: NOW, silenceMs: SILENCE, ...over });
}

function capture(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8');
}

function filesIn(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
}

interface Expected {
  state: ScreenState;
  rateLimited?: boolean;
}

// Every codex capture and what it must classify as (recent activity). `probe-*` are copies of
// captures/codex-tui-probe/ (another stub run); idle-draft*, rate-limit-*, usage-limit, working-reconnecting and
// startup-model-promo were captured for this table from codex 0.169 against a loopback stub.
const CODEX: Record<string, Expected> = {
  'idle.txt': { state: 'waiting_input' },
  'working.txt': { state: 'working' },
  'approval-command.txt': { state: 'waiting_approval' },
  'after-approval-idle.txt': { state: 'waiting_input' },
  'trust-folder.txt': { state: 'waiting_approval' },
  'idle-draft.txt': { state: 'waiting_input' },
  'idle-draft-multiline.txt': { state: 'waiting_input' },
  'startup-model-promo.txt': { state: 'waiting_approval' },
  'working-reconnecting.txt': { state: 'working' },
  'rate-limit-retrying.txt': { state: 'working', rateLimited: true },
  'rate-limit-failed.txt': { state: 'working', rateLimited: true },
  'usage-limit.txt': { state: 'working', rateLimited: true },
  'probe-after-approval-idle.txt': { state: 'waiting_input' },
  'probe-after-reply-idle.txt': { state: 'waiting_input' },
  'probe-after-retry-idle-with-tip.txt': { state: 'waiting_input' },
  'probe-approval-escalated-command.txt': { state: 'waiting_approval' },
  'probe-error-http500.txt': { state: 'waiting_input' },
  'probe-error-idle-timeout.txt': { state: 'waiting_input' },
  'probe-error-response-failed.txt': { state: 'waiting_input' },
  'probe-idle-start.txt': { state: 'waiting_input' },
  'probe-interrupted-esc.txt': { state: 'waiting_input' },
  'probe-model-migration-prompt.txt': { state: 'waiting_approval' },
  'probe-working-hang.txt': { state: 'working' },
};

// Claude Code 2.1.328 TUI captures (copied from the shared fixtures; driven by a loopback stub).
const CLAUDE: Record<string, Expected & { gate?: boolean }> = {
  'idle.txt': { state: 'waiting_input' },
  'working.txt': { state: 'working' },
  'permission-bash.txt': { state: 'waiting_approval' },
  'idle-after-answer.txt': { state: 'waiting_input' },
  'trust-folder.txt': { state: 'waiting_approval', gate: true },
  'api-key.txt': { state: 'waiting_approval', gate: true },
};

// Fake-agent captures (test/fixtures/fake-agent.mjs in tmux 3.3a); the file name says the mode.
const FAKE: Record<string, Expected> = {
  'exec-approval-yn.txt': { state: 'waiting_approval' },
  'exec-approval-menu.txt': { state: 'waiting_approval' },
  'exec-approved-then-hang.txt': { state: 'working' },
  'exec-working.txt': { state: 'working' },
  'interactive-start.txt': { state: 'waiting_input' },
  'interactive-idle.txt': { state: 'waiting_input' },
  'interactive-working.txt': { state: 'working' },
  'interactive-working-timer.txt': { state: 'working' },
  'interactive-approval-menu.txt': { state: 'waiting_approval' },
  'interactive-approval-yn.txt': { state: 'waiting_approval' },
  'interactive-after-approval-idle.txt': { state: 'waiting_input' },
  'interactive-interrupted-draft.txt': { state: 'waiting_input' },
};

function expectGolden(table: Record<string, Expected>, file: string, screen: string, over: Partial<ClassifyInput> = {}) {
  const want = table[file];
  expect(want, `no expected state for ${file} in the golden table`).toBeDefined();
  const got = classify(screen, over);
  expect({ state: got.state, rateLimited: got.rateLimited ?? false }, got.reason).toEqual({ state: want?.state, rateLimited: want?.rateLimited ?? false });
  return got;
}

describe('codex captures (test/fixtures/captures/codex-tui)', () => {
  const dir = join(capturesDir, 'codex-tui');

  it.each(filesIn(dir))('%s', (file) => {
    expectGolden(CODEX, file, capture(dir, file));
  });

  it('has a capture for every row of the table', () => {
    expect(Object.keys(CODEX).sort()).toEqual(filesIn(dir));
  });

  it('approval-command: the prompt is the live modal and its fingerprint is stable', () => {
    const screen = capture(dir, 'approval-command.txt');
    const a = classify(screen);
    const b = classify(screen);
    expect(a.prompt).toContain('echo approved-run');
    expect(a.prompt?.startsWith('Would you like to run the following command?')).toBe(true);
    expect(a.prompt?.endsWith('Press enter to confirm or esc to cancel')).toBe(true);
    expect(a.prompt).not.toContain('[[shell:');
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(b.fingerprint).toBe(a.fingerprint);
    const other = classify(screen.replaceAll('echo approved-run', 'rm -rf build'));
    expect(other.state).toBe('waiting_approval');
    expect(other.fingerprint).not.toBe(a.fingerprint);
  });

  it('fingerprint ignores whitespace, spinner glyphs and timers but not command arguments', () => {
    const screen = capture(dir, 'approval-command.txt');
    const base = classify(screen).fingerprint;
    const respaced = screen.replace('  $ echo approved-run', '    $   echo   approved-run   ').replace('Environment: local', 'Environment:\tlocal');
    expect(classify(respaced).fingerprint).toBe(base);
    const modal = (timer: string, glyph: string) =>
      `${glyph} Running sleep 5s (${timer} • esc to interrupt)\n\n  Would you like to run the following command?\n\n  $ sleep 5s\n\n› 1. Yes, proceed (y)\n\n  Press enter to confirm or esc to cancel\n`;
    const one = classify(modal('2s', '•'));
    expect(one.state).toBe('waiting_approval');
    expect(classify(modal('1m 05s', '◦')).fingerprint).toBe(one.fingerprint);
    expect(classify(modal('2s', '•').replaceAll('sleep 5s', 'sleep 50s')).fingerprint).not.toBe(one.fingerprint);
  });

  it('trust-folder: a gate that waits for approval, and says so', () => {
    const got = classify(capture(dir, 'trust-folder.txt'));
    expect(got.state).toBe('waiting_approval');
    expect(got.reason).toMatch(/trust/i);
    expect(got.prompt).toContain('Trust this folder?');
    expect(got.prompt).toContain('1. Trust and continue');
  });

  it('startup model promo: the prompt starts at its title', () => {
    const got = classify(capture(dir, 'startup-model-promo.txt'));
    expect(got.prompt?.startsWith('Meet GPT-6 Sol')).toBe(true);
    expect(got.prompt).toContain('2. Use existing model');
  });

  it('the rate limit is live while codex retries, and stale once a later turn began', () => {
    const retrying = classify(capture(dir, 'rate-limit-retrying.txt'));
    expect(retrying.reason).toContain('Server is busy');
    const later = `› hello\n\n■ exceeded retry limit, last status: 429 Too Many Requests\n\n› continue\n\n• done\n\n  Worked for 1s • 05:41\n\n› Ask Codex to do anything\n`;
    expect(classify(later)).toMatchObject({ state: 'waiting_input' });
    expect(classify(later).rateLimited).toBeUndefined();
  });

  it('silence never makes an idle, approval or rate-limited codex stalled', () => {
    expect(classify(capture(dir, 'idle.txt'), { pane: silent }).state).toBe('waiting_input');
    expect(classify(capture(dir, 'approval-command.txt'), { pane: silent }).state).toBe('waiting_approval');
    expect(classify(capture(dir, 'trust-folder.txt'), { pane: silent }).state).toBe('waiting_approval');
    expect(classify(capture(dir, 'usage-limit.txt'), { pane: silent })).toMatchObject({ state: 'working', rateLimited: true });
    expect(classify(capture(dir, 'rate-limit-retrying.txt'), { pane: silent })).toMatchObject({ state: 'working', rateLimited: true });
  });

  it('a frozen working indicator is stalled (codex ticks its timer every second)', () => {
    const got = classify(capture(dir, 'working.txt'), { pane: silent });
    expect(got.state).toBe('stalled');
    expect(got.silentForMs).toBe(10 * 60_000);
  });
});

describe('claude captures (test/fixtures/captures/claude-tui)', () => {
  const dir = join(capturesDir, 'claude-tui');

  it.each(filesIn(dir))('%s', (file) => {
    const want = CLAUDE[file];
    expect(want, `no expected state for ${file} in the golden table`).toBeDefined();
    const got = classify(capture(dir, file), { patterns: claudePatterns });
    expect({ state: got.state, gate: got.gate ?? false }, got.reason).toEqual({ state: want!.state, gate: want!.gate ?? false });
  });

  it('has a capture for every row of the table', () => {
    expect(Object.keys(CLAUDE).sort()).toEqual(filesIn(dir));
  });

  it('the permission dialog\'s prompt starts at the tool and holds the command, so the deny list can see it', () => {
    const got = classify(capture(dir, 'permission-bash.txt'), { patterns: claudePatterns });
    expect(got.prompt?.startsWith('Bash command')).toBe(true);
    expect(got.prompt).toContain('touch acc-perm.txt');
    expect(got.prompt).toContain('Do you want to proceed?');
  });

  it('the trust dialog is a gate, whatever the approval patterns say; a working turn quoted above the composer is history', () => {
    expect(classify(capture(dir, 'trust-folder.txt'), { patterns: { ...claudePatterns, approval: ['.*'] } }).gate).toBe(true);
    expect(classify(capture(dir, 'idle-after-answer.txt'), { patterns: claudePatterns }).state).toBe('waiting_input');
  });
});

describe('codex patterns', () => {
  const idle = (codexPatterns.idle ?? []).map((s) => new RegExp(s));
  const matchesIdle = (line: string) => idle.some((re) => re.test(line));

  it('idle matches the composer, empty or with a draft', () => {
    expect(matchesIdle('› Ask Codex to do anything')).toBe(true);
    expect(matchesIdle('› please review the plan')).toBe(true);
  });

  it('idle does not match selected menu items', () => {
    expect(matchesIdle('› 1. Yes, proceed (y)')).toBe(false);
    expect(matchesIdle('› 1. Trust and continue')).toBe(false);
    expect(matchesIdle('› 2. Use existing model')).toBe(false);
  });

  it('keeps the keys the profile contract names', () => {
    expect(Object.keys(codexPatterns).sort()).toEqual(['approval', 'footer', 'idle', 'rateLimited', 'working']);
    expect(Object.keys(fakePatterns).sort()).toEqual(['approval', 'footer', 'idle', 'rateLimited', 'working']);
  });
});

describe('synthetic screens', () => {
  const footer = '\n  GPT-5.5 default · /home/dev/demo\n  ← for agents · ? for shortcuts                ⚠ 1 warning · f2 to view\n';

  it('approval text quoted above a live composer is not a prompt', () => {
    const screen =
      '› how does codex ask before running things?\n\n' +
      '• It shows a box like this:\n' +
      '  Would you like to run the following command?\n' +
      '  $ rm -rf /\n' +
      '  › 1. Yes, proceed (y)\n' +
      '  Press enter to confirm or esc to cancel\n\n' +
      '  Worked for 3s • 05:25\n\n' +
      '› Ask Codex to do anything\n' +
      footer;
    const got = classify(screen);
    expect(got.state).toBe('waiting_input');
    expect(got.prompt).toBeUndefined();
  });

  it('approval text high up in the transcript, outside the live region, does not count', () => {
    const filler = Array.from({ length: 20 }, (_, i) => `  line ${i} of the review`).join('\n');
    const screen = `  Would you like to run the following command?\n  Press enter to confirm or esc to cancel\n${filler}\n`;
    expect(classify(screen, { mode: 'exec' }).state).toBe('working');
  });

  it('a silent exec screen with no prompt is stalled', () => {
    const screen = 'session id: 0b5c\nworkdir: /tmp/w\n--------\nreading files...\nthinking\n';
    const got = classify(screen, { mode: 'exec', pane: silent, patterns: {} });
    expect(got.state).toBe('stalled');
    expect(got.reason).toContain('no output for 10 min 0 s');
    expect(classify(screen, { mode: 'exec', patterns: {} }).state).toBe('working');
    expect(classify(screen, { mode: 'interactive', patterns: {} }).state).toBe('unknown');
    expect(classify(screen, { mode: 'interactive', patterns: {}, pane: silent }).state).toBe('stalled');
  });

  it('silent but an approval is live: waiting_approval, not stalled', () => {
    const screen = 'fake-agent: working (step 1/3)\nAllow command `touch approved.txt`? [y/n] \n';
    const got = classify(screen, { mode: 'exec', pane: silent, patterns: fakePatterns });
    expect(got.state).toBe('waiting_approval');
    expect(got.prompt).toBe('Allow command `touch approved.txt`? [y/n]');
  });

  it('dead panes: exit 0 is exited, anything else is dead, whatever the screen shows', () => {
    const screen = capture(join(capturesDir, 'codex-tui'), 'approval-command.txt');
    expect(classify(screen, { pane: { dead: true, deadStatus: 0, lastActivityMs: NOW } }).state).toBe('exited');
    const failed = classify(screen, { pane: { dead: true, deadStatus: 137, lastActivityMs: NOW } });
    expect(failed.state).toBe('dead');
    expect(failed.reason).toContain('137');
    expect(classify(screen, { pane: { dead: true, lastActivityMs: NOW } }).state).toBe('dead');
  });

  it('rate limit: working with the flag, never stalled, and alongside a live approval', () => {
    const limited = "› review it\n\n■ You've hit your usage limit. Try again at 3:28 PM.\n\n› Ask Codex to do anything\n" + footer;
    expect(classify(limited, { pane: silent })).toMatchObject({ state: 'working', rateLimited: true });
    const withApproval = '› go\n\n⚠ Rate limit reached, retrying in 20s\n\n  Would you like to run the following command?\n\n  $ ls\n\n  Press enter to confirm or esc to cancel\n';
    expect(classify(withApproval, { pane: silent })).toMatchObject({ state: 'waiting_approval', rateLimited: true });
  });

  it('a review that talks about rate limits is not rate limited', () => {
    const screen = '› review src/limiter.ts\n\n• The rate limit in src/limiter.ts resets too early; usage limit checks are fine.\n\n  Worked for 9s • 05:25\n\n› Ask Codex to do anything\n' + footer;
    const got = classify(screen, { pane: silent });
    expect(got.state).toBe('waiting_input');
    expect(got.rateLimited).toBeUndefined();
  });

  it('silentForMs is never negative', () => {
    expect(classify('x', { pane: { dead: false, lastActivityMs: NOW + 5_000 } }).silentForMs).toBe(0);
  });

  it('names the key of a pattern that is not a regex', () => {
    expect(() => classify('x', { patterns: { idle: ['(unclosed'] } })).toThrow(/states\.idle/);
  });
});

describe('liveRegion', () => {
  const patterns: StatePatterns = { footer: ['^-- footer'] };

  it('drops trailing blanks and the footer, blank lines between footer lines too', () => {
    const screen = 'a\nb\n› composer\n\n-- footer 1\n\n-- footer 2\n   \n\n';
    expect(liveRegion(screen, patterns)).toEqual(['a', 'b', '› composer']);
  });

  it('keeps the last N non-blank lines with the blank lines between them', () => {
    expect(liveRegion('1\n2\n\n3\n\n4\n', {}, 2)).toEqual(['3', '', '4']);
  });

  it('drops footer lines only at the bottom', () => {
    expect(liveRegion('-- footer quoted\nx\n-- footer\n', patterns)).toEqual(['-- footer quoted', 'x']);
  });

  it('trims trailing spaces that capture-pane -J keeps', () => {
    expect(liveRegion('Allow? [y/n]   \r\n', {})).toEqual(['Allow? [y/n]']);
  });

  it('codex: the composer is the last live line and the status bar is gone', () => {
    const region = liveRegion(capture(join(capturesDir, 'codex-tui'), 'idle-draft.txt'), codexPatterns);
    expect(region.at(-1)).toBe('› please review the plan');
  });
});

describe('fake-agent captures (test/fixtures/captures/fake-agent)', () => {
  const dir = join(capturesDir, 'fake-agent');
  const mode = (file: string) => (file.startsWith('exec-') ? 'exec' : 'interactive');

  it.each(filesIn(dir))('%s', (file) => {
    expectGolden(FAKE, file, capture(dir, file), { patterns: fakePatterns, mode: mode(file) });
  });

  it('has a capture for every row of the table', () => {
    expect(Object.keys(FAKE).sort()).toEqual(filesIn(dir));
  });

  it('the menu prompt is the same text, so the same fingerprint, in both modes', () => {
    const exec = classify(capture(dir, 'exec-approval-menu.txt'), { patterns: fakePatterns, mode: 'exec' });
    const tui = classify(capture(dir, 'interactive-approval-menu.txt'), { patterns: fakePatterns, mode: 'interactive' });
    expect(exec.prompt).toContain('touch approved.txt');
    expect(exec.prompt?.endsWith('Press enter to confirm or esc to cancel')).toBe(true);
    expect(tui.fingerprint).toBe(exec.fingerprint);
  });

  it('an answered y/n question is history once progress follows it', () => {
    const got = classify(capture(dir, 'exec-approved-then-hang.txt'), { patterns: fakePatterns, mode: 'exec' });
    expect(got.state).toBe('working');
    const hung = classify(capture(dir, 'exec-approved-then-hang.txt'), { patterns: fakePatterns, mode: 'exec', pane: silent });
    expect(hung.state).toBe('stalled');
  });

  it('[[hang]] in the TUI: working while recent, stalled once silent; idle is never stalled', () => {
    const opts = { patterns: fakePatterns, mode: 'interactive' as const };
    expect(classify(capture(dir, 'interactive-working.txt'), { ...opts, pane: silent }).state).toBe('stalled');
    expect(classify(capture(dir, 'interactive-idle.txt'), { ...opts, pane: silent }).state).toBe('waiting_input');
    expect(classify(capture(dir, 'interactive-approval-yn.txt'), { ...opts, pane: silent }).state).toBe('waiting_approval');
  });
});
