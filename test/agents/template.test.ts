// The strict prompt renderer: front matter, {{var}}, {{> include}}, {{#if}}, overrides by name, and
// errors that say what is wrong and where (file:line).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { TemplateRegistry, templateDirs } from '../../src/agents/templates.js';
import { parseTemplate, renderTemplate, type Template } from '../../src/agents/template.js';
import { repoRoot } from '../helpers/tmux-server.js';
import { usageError } from '../helpers/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orch-templates-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a template file into a folder of the temp dir; returns its path. */
function put(folder: string, file: string, text: string): string {
  mkdirSync(join(dir, folder), { recursive: true });
  const path = join(dir, folder, file);
  writeFileSync(path, text);
  return path;
}

/** A registry over one folder (plus nothing else). */
function registryOf(folder: string): TemplateRegistry {
  return new TemplateRegistry([join(dir, folder)]);
}

const GREETING = [
  '---', //                                                   1
  'name: greeting', //                                        2
  'description: Says hello', //                               3
  'variables:', //                                            4
  '  who: { description: "Whom to greet", required: true }', // 5
  '  mood: { default: "glad" }', //                           6
  '  note: { default: "" }', //                               7
  '---', //                                                   8
  'Hello {{who}}, I am {{ mood }}.', //                       9
  '{{#if note}}', //                                          10
  'Note: {{note}}', //                                        11
  '{{/if}}', //                                               12
  '{{> footer}}', //                                          13
  'End.', //                                                  14
].join('\n');

const FOOTER = ['---', 'name: footer', 'variables:', '  sign: { default: "-- bot" }', '---', '{{sign}}'].join('\n');

describe('rendering', () => {
  test('variables, defaults, includes and if-blocks', () => {
    put('t', 'greeting.md', GREETING);
    put('t', 'footer.md', FOOTER);
    const r = registryOf('t');
    expect(r.render('greeting', { who: 'Ada' })).toBe('Hello Ada, I am glad.\n-- bot\nEnd.');
    expect(r.render('greeting', { who: 'Ada', mood: 'calm', note: 'hi', sign: '-- me' })).toBe('Hello Ada, I am calm.\nNote: hi\n-- me\nEnd.');
  });

  test('nested if-blocks keep only what every enclosing condition allows', () => {
    put('t', 'nest.md', ['---', 'name: nest', 'variables:', '  a: {}', '  b: {}', '---', '{{#if a}}', 'A', '{{#if b}}', 'AB', '{{/if}}', '{{/if}}', 'x'].join('\n'));
    const r = registryOf('t');
    expect(r.render('nest', {})).toBe('x');
    expect(r.render('nest', { a: '1' })).toBe('A\nx');
    expect(r.render('nest', { b: '1' })).toBe('x');
    expect(r.render('nest', { a: '1', b: '1' })).toBe('A\nAB\nx');
  });

  test('values are inserted as they are: braces in a value are never re-read as tags', () => {
    put('t', 'greeting.md', GREETING);
    put('t', 'footer.md', FOOTER);
    const who = '{{mood}} {{> footer}}\n{{#if note}}\n{{/if}}';
    expect(registryOf('t').render('greeting', { who })).toBe(`Hello ${who}, I am glad.\n-- bot\nEnd.`);
  });

  test('an include sees the including template\'s values; an include inside a false if-block is skipped', () => {
    put('t', 'outer.md', ['---', 'name: outer', 'variables:', '  show: {}', '---', '{{#if show}}', '{{> footer}}', '{{/if}}', 'done'].join('\n'));
    put('t', 'footer.md', FOOTER);
    const r = registryOf('t');
    expect(r.render('outer', { sign: 'S' })).toBe('done');
    expect(r.render('outer', { show: 'y', sign: 'S' })).toBe('S\ndone');
  });

  test('every built-in template parses and renders with its required variables', () => {
    const r = new TemplateRegistry([join(repoRoot, 'templates', 'prompts')]);
    const names = r.list().map((t) => t.name);
    expect(names).toEqual(['context-pack', 'implementer', 'options', 'researcher', 'reviewer', 'scout', 'synthesizer', 'verifier', 'worker-preamble']);
    expect(readdirSync(join(repoRoot, 'templates', 'prompts')).length).toBe(names.length);
    for (const t of r.list()) {
      const required = Object.fromEntries(Object.entries(t.variables).filter(([, v]) => v.required).map(([k]) => [k, `<${k}>`]));
      const text = r.render(t.name, required);
      for (const value of Object.values(required)) expect(text, t.name).toContain(value);
      expect(text, t.name).not.toMatch(/\{\{/);
    }
    // Worker prompts open with the worker preamble.
    expect(r.render('reviewer', { lens: 'L', lens_description: 'D', doc_path: '/d.md' })).toMatch(/^CONTEXT: WORKER\nROLE: reviewer\n/);
  });
});

describe('strict errors name the problem with file and line', () => {
  test('a missing required variable points at its declaration', () => {
    const file = put('t', 'greeting.md', GREETING);
    put('t', 'footer.md', FOOTER);
    expect(usageError(() => registryOf('t').render('greeting', {}))).toBe(`${file}:5: missing required variable \`who\` for template greeting: pass --var who=...`);
  });

  test('a required variable of an included template is reported in that template\'s file', () => {
    put('t', 'outer.md', ['---', 'name: outer', '---', 'x', '{{> greeting}}'].join('\n'));
    const file = put('t', 'greeting.md', GREETING);
    put('t', 'footer.md', FOOTER);
    expect(usageError(() => registryOf('t').render('outer', {}))).toMatch(new RegExp(`^${file}:5: missing required variable \`who\``));
  });

  test('an unknown variable given to a template points at its variables', () => {
    const file = put('t', 'greeting.md', GREETING);
    put('t', 'footer.md', FOOTER);
    expect(usageError(() => registryOf('t').render('greeting', { who: 'x', colour: 'red' }))).toBe(`${file}:4: unknown variable \`colour\` for template greeting; it takes: mood, note, sign, who`);
  });

  test('an undeclared variable in the body', () => {
    const file = put('t', 'u.md', ['---', 'name: u', 'variables:', '  a: {}', '---', 'line one', 'uses {{a}} and {{b}}'].join('\n'));
    expect(usageError(() => registryOf('t').render('u', {}))).toBe(`${file}:7: unknown variable \`b\`: declare it in the front matter of u`);
  });

  test('an undeclared variable in an if tag', () => {
    const file = put('t', 'u.md', ['---', 'name: u', '---', '{{#if ghost}}', 'x', '{{/if}}'].join('\n'));
    expect(usageError(() => registryOf('t').render('u', {}))).toMatch(new RegExp(`^${file}:4: .*undeclared variable \`ghost\``));
  });

  test('an unknown include', () => {
    const file = put('t', 'inc.md', ['---', 'name: inc', '---', 'first', 'second', '{{> nowhere}}'].join('\n'));
    expect(usageError(() => registryOf('t').render('inc', {}))).toBe(`${file}:6: unknown include \`nowhere\`: no template of that name`);
  });

  test('bad front matter: a YAML error with its line in the file', () => {
    const file = put('t', 'bad.md', ['---', 'name: bad', 'description: one: two', 'variables: {}', '---', 'body'].join('\n'));
    const message = usageError(() => registryOf('t'));
    expect(message).toMatch(new RegExp(`^${file}:3: bad front matter: `));
  });

  test('bad front matter: a YAML error further down', () => {
    const file = put('t', 'bad.md', ['---', 'name: bad', 'variables:', '  a: { default: "x" }', '  b: { default: "never closed }', '---', 'body'].join('\n'));
    expect(usageError(() => parseTemplate(readBack(file), file))).toMatch(new RegExp(`^${file}:5: bad front matter: `));
  });

  test('front matter problems that are not YAML errors', () => {
    const f = join(dir, 'x.md');
    expect(usageError(() => parseTemplate('no front matter\n', f))).toBe(`${f}:1: a template starts with YAML front matter between --- lines`);
    expect(usageError(() => parseTemplate('---\nname: x\n', f))).toBe(`${f}:1: the front matter is not closed with a --- line`);
    expect(usageError(() => parseTemplate('---\nname: x\ndescription: d\ncolour: red\n---\n', f))).toBe(`${f}:4: unknown front matter key \`colour\` (known: name, description, variables)`);
    expect(usageError(() => parseTemplate('---\nname: x\nvariables:\n  a: {}\n  Bad-Name: {}\n---\n', f))).toBe(`${f}:5: variable name \`Bad-Name\` must be lower_snake_case`);
    expect(usageError(() => parseTemplate('---\nname: x\nvariables:\n  a: { requried: true }\n---\n', f))).toBe(`${f}:4: variable \`a\` has unknown key \`requried\``);
  });

  test('an unclosed if-block points at its {{#if}}', () => {
    const file = put('t', 'open.md', ['---', 'name: open', 'variables:', '  a: {}', '---', 'intro', '{{#if a}}', 'text', 'more'].join('\n'));
    expect(usageError(() => registryOf('t').render('open', { a: 'y' }))).toBe(`${file}:7: \`{{#if a}}\` is never closed with \`{{/if}}\``);
  });

  test('a {{/if}} without {{#if}}', () => {
    const file = put('t', 'close.md', ['---', 'name: close', '---', 'a', '{{/if}}'].join('\n'));
    expect(usageError(() => registryOf('t').render('close', {}))).toBe(`${file}:5: \`{{/if}}\` without an \`{{#if}}\``);
  });

  test('a tag in the middle of a line', () => {
    const file = put('t', 'mid.md', ['---', 'name: mid', 'variables:', '  a: {}', '---', 'x {{#if a}} y'].join('\n'));
    expect(usageError(() => registryOf('t').render('mid', {}))).toMatch(new RegExp(`^${file}:6: \`\\{\\{#if a\\}\\}\` is not a variable`));
  });

  test('an include cycle', () => {
    put('t', 'a.md', ['---', 'name: a', '---', '{{> b}}'].join('\n'));
    put('t', 'b.md', ['---', 'name: b', '---', '{{> a}}'].join('\n'));
    expect(usageError(() => registryOf('t').render('a', {}))).toMatch(/include cycle a -> b -> a/);
  });

  test('an unknown template name', () => {
    expect(usageError(() => registryOf('t').render('nope', {}))).toMatch(/Unknown template `nope`/);
  });
});

describe('overrides by name', () => {
  const reviewerOverride = (marker: string) => ['---', 'name: reviewer', `description: ${marker}`, 'variables:', '  lens: { required: true }', '---', `${marker} {{lens}}`].join('\n');

  test('.orch/templates/ in the cwd beats $XDG_CONFIG_HOME/orch-tmux/templates/, which beats the built-in', () => {
    const cwd = join(dir, 'project');
    const config = join(dir, 'config');
    put('project/.orch/templates', 'my-reviewer.md', reviewerOverride('PROJECT'));
    put('config/orch-tmux/templates', 'reviewer.md', reviewerOverride('USER'));
    put('config/orch-tmux/templates', 'scout.md', ['---', 'name: scout', '---', 'USER SCOUT'].join('\n'));
    const dirs = templateDirs(cwd, { XDG_CONFIG_HOME: config, HOME: join(dir, 'home') });
    expect(dirs).toEqual([join(cwd, '.orch', 'templates'), join(config, 'orch-tmux', 'templates'), join(repoRoot, 'templates', 'prompts')]);
    const r = new TemplateRegistry(dirs);
    expect(r.origin.get('reviewer')).toBe('project');
    expect(r.get('reviewer')!.file).toBe(join(cwd, '.orch', 'templates', 'my-reviewer.md'));
    expect(r.render('reviewer', { lens: 'L' })).toBe('PROJECT L');
    expect(r.origin.get('scout')).toBe('user');
    expect(r.render('scout', {})).toBe('USER SCOUT');
    expect(r.origin.get('synthesizer')).toBe('builtin');
  });

  test('without XDG_CONFIG_HOME the user folder is ~/.config/orch-tmux/templates', () => {
    expect(templateDirs('/p', { HOME: '/home/u' })[1]).toBe('/home/u/.config/orch-tmux/templates');
  });

  test('overriding an included template changes every template that includes it', () => {
    const config = join(dir, 'config');
    put('config/orch-tmux/templates', 'worker-preamble.md', ['---', 'name: worker-preamble', 'variables:', '  role: { required: true }', '---', 'CUSTOM PREAMBLE for {{role}}'].join('\n'));
    const r = new TemplateRegistry(templateDirs(join(dir, 'nowhere'), { XDG_CONFIG_HOME: config }));
    expect(r.render('scout', { task: 'T' })).toMatch(/^CUSTOM PREAMBLE for scout\n\n# Task to scout\nT\n/);
  });
});

/** A template file's text, for direct parseTemplate calls. */
function readBack(file: string): string {
  return readFileSync(file, 'utf8');
}

test('renderTemplate can be used without a registry (lookup function)', () => {
  const footer: Template = parseTemplate(FOOTER, 'footer.md');
  const greeting = parseTemplate(GREETING, 'greeting.md');
  expect(renderTemplate(greeting, { who: 'B' }, (n) => (n === 'footer' ? footer : undefined))).toBe('Hello B, I am glad.\n-- bot\nEnd.');
});
