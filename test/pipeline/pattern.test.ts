// Pattern files: loading and checking (errors with file:line), variables, fan-out items and sections.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { resolvePatternVars } from '../../src/pipeline/inputs.js';
import { expandItems } from '../../src/pipeline/items.js';
import { DEFAULT_LENSES, pickLenses } from '../../src/pipeline/lenses.js';
import { builtinPatterns, interpolate, loadPattern, patternPath } from '../../src/pipeline/pattern.js';
import { splitSections } from '../../src/pipeline/sections.js';
import { repoRoot } from '../helpers/tmux-server.js';
import { usageError } from '../helpers/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orch-patterns-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const TWO_STAGES = [
  'name: two', //                                  1
  'variables:', //                                 2
  '  task: { required: true }', //                 3
  'stages:', //                                    4
  '  - id: first', //                              5
  '    template: researcher', //                   6
  '    vars: { question: "{{task}}" }', //         7
  '  - id: second', //                             8
];

describe('loading patterns', () => {
  test('every built-in loads', () => {
    for (const name of builtinPatterns()) {
      const p = loadPattern(patternPath(name));
      expect(p.name).toBe(name);
      expect(p.file).toBe(join(repoRoot, 'templates', 'patterns', `${name}.yaml`));
      expect(p.stages.length).toBeGreaterThanOrEqual(2);
    }
  });

  test('a project pattern in .orch/patterns/ is found by name; unknown names and paths are usage errors', () => {
    const cwd = join(dir, 'proj');
    const own = join(cwd, '.orch', 'patterns', 'mine.yaml');
    mkdirSync(join(cwd, '.orch', 'patterns'), { recursive: true });
    writeFileSync(own, 'name: mine\nstages: [{ id: a, template: scout, vars: { task: t } }]\n');
    expect(patternPath('mine', cwd)).toBe(own);
    expect(usageError(() => patternPath('nope', cwd))).toMatch(/^Unknown pattern "nope": use one of review, review-fix, scout-act-verify, split, research, options/);
    expect(usageError(() => patternPath('./missing.yaml', cwd))).toBe('Pattern file "./missing.yaml" does not exist: check the path');
  });

  test('a YAML syntax error names its line', () => {
    const path = file('bad.yaml', ['name: bad', 'stages:', '  - id: a', '    vars: { x: [1, 2 }']);
    expect(usageError(() => loadPattern(path))).toMatch(new RegExp(`^${path}:4: bad YAML: `));
  });

  test('problems in a later stage point at that stage, not at the first one', () => {
    const missingTemplate = file('a.yaml', [...TWO_STAGES, '    vars: {}']);
    expect(usageError(() => loadPattern(missingTemplate))).toBe(`${missingTemplate}:8: stage second: \`template\` is required (expected a prompt template name, like reviewer)`);
    const badRef = file('b.yaml', [...TWO_STAGES, '    template: scout', '    vars: { task: "{{tsak}}" }']);
    expect(usageError(() => loadPattern(badRef))).toMatch(new RegExp(`^${badRef}:8: stage second: unknown reference \\{\\{tsak\\}\\}`));
    const unknownKey = file('c.yaml', [...TWO_STAGES, '    template: scout', '    colour: blue']);
    expect(usageError(() => loadPattern(unknownKey))).toBe(`${unknownKey}:10: stage second: unknown key \`colour\` (known: id, template, foreach, over, name, vars, needs, write, scratch, web, agent, output, host, verdict)`);
    const badNeeds = file('d.yaml', [...TWO_STAGES, '    template: scout', '    needs: [third]']);
    expect(usageError(() => loadPattern(badNeeds))).toBe(`${badNeeds}:10: stage second: needs \`third\`, which is not an earlier stage`);
    const needsString = file('e.yaml', [...TWO_STAGES, '    template: scout', '    needs: first']);
    expect(usageError(() => loadPattern(needsString))).toBe(`${needsString}:10: stage second: \`needs\` has the wrong type (expected a list of earlier stage ids, like [review], got "first")`);
    const twice = file('f.yaml', [...TWO_STAGES.slice(0, 7), '  - id: first', '    template: scout']);
    expect(usageError(() => loadPattern(twice))).toBe(`${twice}:8: stage id \`first\` is used twice`);
  });

  test('top-level and variable problems', () => {
    const unknownTop = file('g.yaml', ['name: g', 'stage: []']);
    expect(usageError(() => loadPattern(unknownTop))).toBe(`${unknownTop}:2: unknown key \`stage\` (known: name, description, variables, stages)`);
    const badType = file('h.yaml', ['name: h', 'variables:', '  a: { type: number }', 'stages: [{ id: s, template: scout }]']);
    expect(usageError(() => loadPattern(badType))).toBe(`${badType}:3: variable \`a\`: \`type\` has an unknown value (expected text, file, lenses or int, got "number")`);
    const noStages = file('i.yaml', ['name: i', 'stages: []']);
    expect(usageError(() => loadPattern(noStages))).toBe(`${noStages}:2: \`stages\` is empty (expected at least one stage)`);
  });
});

describe('pattern variables and fan-out items', () => {
  test('defaults, required, unknown and int checks', () => {
    const p = loadPattern(patternPath('options'));
    expect(resolvePatternVars(p, { task: 't' })).toEqual({ task: 't', n: '3' });
    expect(usageError(() => resolvePatternVars(p, {}))).toMatch(/^Missing variable `task` for pattern options/);
    expect(usageError(() => resolvePatternVars(p, { task: 't', m: '1' }))).toBe('Unknown variable `m` for pattern options; it takes: task, n');
    expect(usageError(() => resolvePatternVars(p, { task: 't', n: '9' }))).toBe('Expected --var n to be a whole number from 1 to 8, got "9"');
    expect(usageError(() => resolvePatternVars(p, { task: 't', n: 'two' }))).toMatch(/got "two"/);
  });

  test('a file variable becomes an absolute path plus its text; lenses are checked', () => {
    const doc = file('doc.md', ['# D', 'text']);
    const values = resolvePatternVars(loadPattern(patternPath('review')), { doc, lenses: 'risks, security' });
    expect(values).toEqual({ doc, doc_text: '# D\ntext\n', lenses: 'risks,security' });
    expect(DEFAULT_LENSES).toEqual(['clarity', 'correctness', 'risks']);
    expect(pickLenses('Security,performance').map((l) => l.id)).toEqual(['security', 'performance']);
  });

  test('items: count, list and lenses', () => {
    const [options] = loadPattern(patternPath('options')).stages;
    expect(expandItems(options!, { n: '2' }).map((i) => i?.title)).toEqual(['1 of 2', '2 of 2']);
    const [research] = loadPattern(patternPath('research')).stages;
    expect(expandItems(research!, { angles: ' a , b ,c' }).map((i) => i?.id)).toEqual(['a', 'b', 'c']);
    const [review] = loadPattern(patternPath('review')).stages;
    expect(expandItems(review!, { lenses: 'clarity,risks' }).map((i) => i?.id)).toEqual(['clarity', 'risks']);
  });

  test('sections: the shallowest heading level that occurs twice; fences ignored; preamble joins the first', () => {
    const md = ['# Title', 'intro', '## A', 'a text', '```', '## not a heading', '```', '### A.1', 'deep', '## B', 'b text'].join('\n');
    const s = splitSections(md);
    expect(s.map((x) => x.title)).toEqual(['A', 'B']);
    expect(s[0]!.text).toBe(['# Title', 'intro', '## A', 'a text', '```', '## not a heading', '```', '### A.1', 'deep'].join('\n'));
    expect(s[1]!.text).toBe('## B\nb text');
    expect(splitSections('no headings\nat all')).toEqual([{ index: 1, title: 'Whole document', text: 'no headings\nat all' }]);
  });

  test('interpolation inserts values once (a value with braces is not expanded again)', () => {
    expect(interpolate('{{a}} and {{b}}', { a: '{{b}}', b: 'B' })).toBe('{{b}} and B');
  });
});
