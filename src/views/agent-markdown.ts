// An agent's Markdown placed inside the Markdown report, rendered as Markdown (GitHub's flavour) but kept
// inside its own part of the report:
// - headings are demoted so the text's top level sits one below the report's heading above it (setext
//   headings at the top level become ATX headings for that);
// - a code fence left open is closed at the end of the text, and a fence that GitHub would end early
//   (its list item ended) is closed there explicitly, so no fence outlives the text;
// - raw HTML is shown as text: `<` before a letter, `/`, `!` or `?` becomes `&lt;` outside code, so
//   `</details>` or `<!--` cannot close or hide the report's blocks. Inside code spans it is kept only when
//   every backtick of the paragraph pairs up on its own line (then GitHub pairs them the same way).
// A line scanner, not a full parser: where it cannot be sure something is code, it treats it as text (at
// worst a `&lt;` shows inside code); it never treats as code what GitHub renders as text.

interface Fence {
  char: string;
  len: number;
  /** The column the fence's container (a list item) starts at; 0 at the top level. */
  offset: number;
  /** The opener's indent as written to the output. */
  indent: number;
}

interface Heading {
  /** First and last line of the source it replaces (a setext heading spans several). */
  from: number;
  to: number;
  level: number;
  prefix: string;
  text: string;
}

const FENCE_OPEN = /^(`{3,})([^`]*)$|^(~{3,})(.*)$/;
const FENCE_CLOSE = /^(`{3,}|~{3,})[ \t]*$/;
const ATX = /^(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const LIST_ITEM = /^([-+*]|\d{1,9}[.)])([ \t]+|$)/;
const THEMATIC = /^([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const SETEXT = /^(=+|-+)[ \t]*$/;

// Leading whitespace as columns (a tab to the next multiple of 4) and the text after it.
function indentOf(line: string): { indent: number; rest: string } {
  let col = 0;
  let i = 0;
  for (; i < line.length && (line[i] === ' ' || line[i] === '\t'); i++) col = line[i] === '\t' ? col + 4 - (col % 4) : col + 1;
  return { indent: col, rest: line.slice(i) };
}

// A line that starts a block of its own (so it is never a lazy continuation of a paragraph in a list item).
function startsBlock(rest: string, inParagraph: boolean): boolean {
  if (rest.startsWith('>') || ATX.test(rest) || THEMATIC.test(rest) || FENCE_OPEN.test(rest)) return true;
  const item = LIST_ITEM.exec(rest);
  // A list item interrupts a paragraph only when it has text, and an ordered one only when it starts at 1.
  return item !== null && (!inParagraph || (rest.slice(item[0].length).trim() !== '' && (/^[-+*]/.test(item[1]!) || /^0*1[.)]$/.test(item[1]!))));
}

/**
 * Code spans of one line (start, end), or undefined when some backtick run on it has no partner on the same
 * line or a span holds a `|` (a table cell boundary): then no span of the paragraph is trusted.
 */
function spansOf(line: string): [number, number][] | undefined {
  const spans: [number, number][] = [];
  const runAt = (i: number) => {
    let j = i;
    while (line[j] === '`') j++;
    return j - i;
  };
  for (let i = 0; i < line.length;) {
    if (line[i] === '\\') {
      i += 2;
      continue;
    }
    if (line[i] !== '`') {
      i++;
      continue;
    }
    const n = runAt(i);
    let close = -1;
    for (let j = i + n; j < line.length;) {
      if (line[j] !== '`') {
        j++;
        continue;
      }
      const m = runAt(j);
      if (m === n) {
        close = j;
        break;
      }
      j += m;
    }
    if (close < 0 || line.slice(i, close).includes('|')) return undefined;
    spans.push([i, close + n]);
    i = close + n;
  }
  return spans;
}

/** Text where raw HTML cannot start: `<` before a letter, `/`, `!` or `?` becomes `&lt;`. */
export function noHtml(text: string): string {
  return text.replace(/<(?=[A-Za-z/!?])/g, '&lt;');
}

// A line with raw HTML neutralised outside the given code spans.
function escapeOutside(line: string, spans: [number, number][]): string {
  let out = '';
  let at = 0;
  for (const [a, b] of spans) {
    out += noHtml(line.slice(at, a)) + line.slice(a, b);
    at = b;
  }
  return out + noHtml(line.slice(at));
}

/**
 * An agent's Markdown to place under a heading of `level` (2 for `## Synthesis`): its headings demoted to
 * start at level + 1 (at most 6), its open code fence closed, raw HTML shown as text.
 */
export function agentMarkdown(text: string, level: number): string {
  const lines = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n');
  // Each output line, and whether it is code (verbatim) or text (HTML neutralised); headings come later.
  const out: { line: string; code: boolean }[] = [];
  const headings = new Map<number, Heading>();
  const items: number[] = [];
  let fence: Fence | undefined;
  let paragraph = false;
  let paragraphStart = -1;
  let plainParagraph = false;
  let emptyItem = false;
  const closeFence = (f: Fence) => out.push({ line: `${' '.repeat(f.indent)}${f.char.repeat(f.len)}`, code: true });

  for (const line of lines) {
    const { indent, rest } = indentOf(line);
    const blank = rest.trim() === '';
    if (fence) {
      // A line left of the fence's list item ends the item, and the fence with it: say so in the text.
      if (!blank && indent < fence.offset) {
        closeFence(fence);
        fence = undefined;
      } else {
        const close = FENCE_CLOSE.exec(rest);
        if (close && indent - fence.offset <= 3 && close[1]![0] === fence.char && close[1]!.length >= fence.len) fence = undefined;
        out.push({ line, code: true });
        continue;
      }
    }
    if (blank) {
      out.push({ line, code: false });
      paragraph = false;
      // A list item that starts empty ends at a blank line.
      if (emptyItem) items.pop();
      emptyItem = false;
      continue;
    }
    emptyItem = false;
    // A line left of the innermost list item's content ends it, unless it continues that item's paragraph.
    while (items.length && indent < items.at(-1)! && !(paragraph && !startsBlock(rest, true))) items.pop();
    const offset = items.at(-1) ?? 0;
    const relative = indent - offset;
    if (relative >= 4) {
      // Indented code, or a paragraph's continuation: text either way (escaping inside code only shows).
      out.push({ line, code: false });
      continue;
    }
    const item = startsBlock(rest, paragraph) && !THEMATIC.test(rest) ? LIST_ITEM.exec(rest) : null;
    if (item) {
      const after = rest.slice(item[0].length);
      const spaces = indentOf(item[2]!).indent;
      const content = after.trim() === '' ? 1 : spaces > 4 ? 1 : spaces;
      items.push(indent + item[1]!.length + content);
      emptyItem = after.trim() === '';
      const opener = FENCE_OPEN.exec(after);
      if (opener) {
        fence = { char: (opener[1] ?? opener[3])![0]!, len: (opener[1] ?? opener[3])!.length, offset: items.at(-1)!, indent: items.at(-1)! };
        out.push({ line, code: true });
        paragraph = false;
      } else {
        out.push({ line, code: false });
        paragraph = !emptyItem;
        plainParagraph = false;
      }
      continue;
    }
    const opener = FENCE_OPEN.exec(rest);
    if (opener) {
      const marks = (opener[1] ?? opener[3])!;
      // At the top level the opener goes to column 0: then no reader can take it for part of a list item.
      const at = offset === 0 ? 0 : indent;
      fence = { char: marks[0]!, len: marks.length, offset, indent: at };
      out.push({ line: `${' '.repeat(at)}${rest}`, code: true });
      paragraph = false;
      continue;
    }
    const atx = ATX.exec(rest);
    if (atx) {
      headings.set(out.length, { from: out.length, to: out.length, level: atx[1]!.length, prefix: line.slice(0, line.length - rest.length), text: atx[2] ?? '' });
      out.push({ line, code: false });
      paragraph = false;
      continue;
    }
    const setext = SETEXT.exec(rest);
    if (setext && paragraph && plainParagraph && items.length === 0) {
      const from = paragraphStart;
      const text = out.slice(from).map((l) => l.line.trim()).join(' ');
      headings.set(from, { from, to: out.length, level: setext[1]![0] === '=' ? 1 : 2, prefix: '', text });
      out.push({ line, code: false });
      paragraph = false;
      continue;
    }
    if (!paragraph) {
      paragraphStart = out.length;
      plainParagraph = items.length === 0 && !rest.startsWith('>') && !THEMATIC.test(rest);
    }
    paragraph = !THEMATIC.test(rest);
    out.push({ line, code: false });
  }
  if (fence) closeFence(fence);

  // Code spans count only where every line of a paragraph (a run of text lines) pairs its own backticks.
  const trusted = new Map<number, [number, number][]>();
  for (let i = 0; i < out.length;) {
    if (out[i]!.code || out[i]!.line.trim() === '') {
      i++;
      continue;
    }
    let j = i;
    while (j < out.length && !out[j]!.code && out[j]!.line.trim() !== '') j++;
    const spans = out.slice(i, j).map((l) => spansOf(l.line));
    if (spans.every((s) => s !== undefined)) spans.forEach((s, k) => trusted.set(i + k, s!));
    i = j;
  }
  const top = Math.min(...[...headings.values()].map((h) => h.level));
  const shift = headings.size ? level + 1 - top : 0;
  const result: string[] = [];
  for (let i = 0; i < out.length; i++) {
    const h = headings.get(i);
    if (h) {
      let trustedAll = true;
      for (let k = h.from; k < h.to || k === h.from; k++) trustedAll &&= trusted.has(k);
      const inline = trustedAll ? escapeOutside(h.text, spansOf(h.text) ?? []) : noHtml(h.text);
      result.push(`${h.prefix}${'#'.repeat(Math.min(6, Math.max(1, h.level + shift)))}${inline ? ` ${inline}` : ''}`);
      i = h.to;
      continue;
    }
    const { line, code } = out[i]!;
    result.push(code ? line : escapeOutside(line, trusted.get(i) ?? []));
  }
  return result.join('\n');
}
