/** One part of a document between two headings. */
export interface Section {
  index: number;
  title: string;
  text: string;
}

/**
 * Splits Markdown at the shallowest heading level that occurs at least twice (so a single `# Title`
 * over `## Parts` splits by parts); text before the first heading joins the first section.
 * Headings inside ``` fences do not count.
 */
export function splitSections(markdown: string): Section[] {
  const lines = markdown.split('\n');
  const headings: { line: number; level: number; title: string }[] = [];
  let fence = false;
  lines.forEach((line, i) => {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const m = !fence && /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (m) headings.push({ line: i, level: m[1]!.length, title: m[2]! });
  });
  const level = [1, 2, 3, 4, 5, 6].find((l) => headings.filter((h) => h.level === l).length >= 2);
  const cuts = level === undefined ? [] : headings.filter((h) => h.level === level);
  if (cuts.length === 0) return [{ index: 1, title: 'Whole document', text: markdown }];
  return cuts.map((h, i) => {
    const start = i === 0 ? 0 : h.line;
    const end = i + 1 < cuts.length ? cuts[i + 1]!.line : lines.length;
    return { index: i + 1, title: h.title, text: lines.slice(start, end).join('\n').trim() };
  });
}
