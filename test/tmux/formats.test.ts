// -F strings and their parsing: fields named like tmux's format variables, one separator, a strict count.
import { describe, expect, test } from 'vitest';
import { escapeFormat, formatOf, parseFormatted, shellQuoteForTmux, TmuxError } from '../../src/tmux/index.js';

describe('formatOf / parseFormatted', () => {
  test('round-trips records keyed by the field names, empty fields included', () => {
    const fields = ['pane_id', 'pane_dead', '@orch_run_dir'] as const;
    expect(formatOf(fields)).toBe('#{pane_id}\x1f#{pane_dead}\x1f#{@orch_run_dir}');
    const out = '%1\x1f0\x1f/runs/a b\n%2\x1f1\x1f\n';
    expect(parseFormatted('list-panes', fields, out)).toEqual([
      { pane_id: '%1', pane_dead: '0', '@orch_run_dir': '/runs/a b' },
      { pane_id: '%2', pane_dead: '1', '@orch_run_dir': '' },
    ]);
    expect(parseFormatted('list-panes', fields, '')).toEqual([]);
  });

  test('a line with too few or too many fields is a TmuxError naming the command and the line', () => {
    for (const line of ['%1\x1f0', '%1\x1f0\x1fa\x1fb']) {
      let error: unknown;
      try {
        parseFormatted('list-panes', ['pane_id', 'pane_dead', 'x'], `${line}\n`);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TmuxError);
      expect((error as TmuxError).subcommand).toBe('list-panes');
      expect((error as TmuxError).message).toMatch(/expected 3 fields, got \d/);
    }
  });
});

describe('escapeFormat / shellQuoteForTmux', () => {
  test('doubles # so tmux expansion gives the text back, except runs before [ (kept as they are)', () => {
    expect(escapeFormat('a#{b}##c#')).toBe('a##{b}####c##');
    expect(escapeFormat('#[fg=red]##[x]a#b[')).toBe('#[fg=red]##[x]a##b[');
    expect(escapeFormat('100% %s')).toBe('100% %s');
  });

  test('single-quotes for sh, escaping embedded quotes, then escapes % (strftime) and #', () => {
    expect(shellQuoteForTmux(`/a b/it's #{x}`)).toBe(`'/a b/it'\\''s ##{x}'`);
    expect(shellQuoteForTmux('/l/50% %s #[x]')).toBe(`'/l/50%% %%s #[x]'`);
  });
});
