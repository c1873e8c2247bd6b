// Text typed (send-keys -l) or pasted (load-buffer + paste-buffer) must reach the pane's program byte
// for byte: read back by a raw-mode program in the pane (tty-capture.mjs), never from the screen.
import { describe, expect } from 'vitest';
import { test } from '../helpers/tmux-server.js';
import { startCapture } from './capture.js';

/** 200 KiB of mixed text: ASCII, the tricky cases below, multi-byte UTF-8, newlines. */
function bigText(): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 200 * 1024; i++) {
    const line = `${String(i).padStart(6, '0')} it's "q" $(touch x) \`id\` a\\; #{session_name} -n é中😀 ;\n`;
    parts.push(line);
    size += Buffer.byteLength(line);
  }
  return parts.join('');
}

const CASES: [string, string][] = [
  ['single and double quotes', `it's "quoted" 'twice'`],
  ['command substitution', '$(touch pwned) and ${HOME}'],
  ['backticks', '`touch pwned`'],
  ['a trailing semicolon', 'echo hi;'],
  ['a lone semicolon', ';'],
  ['two semicolons', ';;'],
  ['backslash semicolon', 'a\\;'],
  ['a lone backslash-semicolon', '\\;'],
  ['newlines', 'line one\nline two\n\nlast'],
  ['a leading dash', '-t %0 -l'],
  ['a double dash', '--'],
  ['a tmux format', '#{session_name} #S #(echo no) ##'],
  ['tmux key names', 'Enter C-c Escape'],
  ['unicode', 'é ü 中文 😀 e\u0301 \u200b'],
  ['tabs and carriage returns', 'a\tb\rc'],
  ['braces', '{'],
  ['a closing brace', '}'],
  ['a command block', '{ display-message hi }'],
  ['percent signs', '%1 %% %'],
  ['a tilde and a lone backslash', '~ \\'],
];

describe('sendText (send-keys -l)', () => {
  test.for(CASES)('%s arrives byte-identical', async ([, text], { server }) => {
    const cap = await startCapture(server);
    await server.tmux.sendText(cap.paneId, text);
    expect((await cap.finish()).toString('utf8')).toBe(text);
  });

  test('the cases one after another arrive in order', async ({ server }) => {
    const cap = await startCapture(server);
    for (const [, text] of CASES) await server.tmux.sendText(cap.paneId, text);
    expect((await cap.finish()).equals(Buffer.from(CASES.map(([, t]) => t).join(''), 'utf8'))).toBe(true);
  });

  test('multi-byte text over tmux\'s 16 KiB command limit is not split inside a character', async ({ server }) => {
    // 3- and 4-byte characters, so a split on a byte count would land inside one.
    const text = '中😀'.repeat(3000);
    const cap = await startCapture(server);
    await server.tmux.sendText(cap.paneId, text);
    expect((await cap.finish()).toString('utf8')).toBe(text);
  });

  test('200 KiB arrives byte-identical', async ({ server }) => {
    const text = bigText();
    const cap = await startCapture(server);
    await server.tmux.sendText(cap.paneId, text);
    const got = await cap.finish(60_000);
    expect(got.length).toBe(Buffer.byteLength(text));
    expect(got.equals(Buffer.from(text, 'utf8'))).toBe(true);
  }, 120_000);
});

describe('sendKeys (key names)', () => {
  test('names become the bytes a terminal sends', async ({ server }) => {
    const cap = await startCapture(server);
    await server.tmux.sendKeys(cap.paneId, ['Enter', 'Escape', 'C-c', 'Tab', 'y', 'BSpace', 'Up', 'C-m', 'Space']);
    expect((await cap.finish()).toString('latin1')).toBe('\r\x1b\x03\ty\x7f\x1b[A\r ');
  });

  test('a key that looks like an option or a separator is still a key', async ({ server }) => {
    const cap = await startCapture(server);
    await server.tmux.sendKeys(cap.paneId, ['-', ';', '-l', 'x']);
    // "-l" is not a key name, so tmux types it as its characters.
    expect((await cap.finish()).toString('latin1')).toBe('-;-lx');
  });

  test('no keys sends nothing', async ({ server }) => {
    const cap = await startCapture(server);
    await server.tmux.sendKeys(cap.paneId, []);
    expect((await cap.finish()).length).toBe(0);
  });
});

describe('paste (load-buffer - then paste-buffer -p -r -d)', () => {
  test.for(CASES)('%s arrives byte-identical inside the paste brackets', async ([, text], { server }) => {
    const cap = await startCapture(server, { bracketed: true });
    await server.tmux.paste(cap.paneId, text);
    // -r keeps LF as LF (no CR translation); -p adds the brackets because the program asked for them.
    expect((await cap.finish()).toString('utf8')).toBe(`\x1b[200~${text}\x1b[201~`);
  });

  test('without bracketed paste mode in the program, the bytes come bare', async ({ server }) => {
    const text = 'one\ntwo;\n$(x) #{pane_id}\n';
    const cap = await startCapture(server);
    await server.tmux.paste(cap.paneId, text);
    expect((await cap.finish()).toString('utf8')).toBe(text);
  });

  test('200 KiB arrives byte-identical', async ({ server }) => {
    const text = bigText();
    const cap = await startCapture(server, { bracketed: true });
    await server.tmux.paste(cap.paneId, text);
    const got = await cap.finish(60_000);
    const want = Buffer.concat([Buffer.from('\x1b[200~'), Buffer.from(text, 'utf8'), Buffer.from('\x1b[201~')]);
    expect(got.length).toBe(want.length);
    expect(got.equals(want)).toBe(true);
  }, 120_000);

  test('bytes given as a Uint8Array arrive unchanged', async ({ server }) => {
    const bytes = Buffer.from('raw ünïcode\nand more\n', 'utf8');
    const cap = await startCapture(server);
    await server.tmux.paste(cap.paneId, new Uint8Array(bytes));
    expect((await cap.finish()).equals(bytes)).toBe(true);
  });
});
