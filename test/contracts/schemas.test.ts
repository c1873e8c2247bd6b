// The four contracts (agent profile, pattern, monitor config, context pack): the JSON Schemas in schemas/ are
// what the zod schemas write, they accept every built-in file and the documented config example, and bad input
// through each loader is one line `FILE:LINE: what is wrong (expected ..., got ...)` (exit 2 from the CLI).
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020.js';
import { execa } from 'execa';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { loadProfileFile, validateProfile } from '../../src/agents/profile.js';
import { schemaFiles } from '../../src/contracts/json-schemas.js';
import { checkPolicyFile } from '../../src/store/policy.js';
import { readContextFile } from '../../src/pipeline/inputs.js';
import { loadPattern } from '../../src/pipeline/pattern.js';
import { usageError } from '../helpers/errors.js';
import { fakeAgentProfile, repoRoot, startTestServer, stopTestServer, type TestServer } from '../helpers/tmux-server.js';

type ContractName = 'agent-profile' | 'pattern' | 'config' | 'context';

// Strict mode (the default) refuses unknown keywords and formats; union types ("type": ["string", "number"]) are standard.
const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
const compiled = new Map<ContractName, ValidateFunction>();
/** The contract's file in schemas/, compiled once. */
function validator(name: ContractName): ValidateFunction {
  if (!compiled.has(name)) compiled.set(name, ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'schemas', `${name}.json`), 'utf8'))));
  return compiled.get(name)!;
}
const yamlFiles = (dir: string) => readdirSync(join(repoRoot, dir)).filter((f) => f.endsWith('.yaml')).map((f) => join(repoRoot, dir, f));

/** The first fenced yaml block of a document in docs/. */
function docsBlock(doc: string): string {
  const text = readFileSync(join(repoRoot, 'docs', doc), 'utf8');
  const block = /```yaml\n([\s\S]*?)```/.exec(text);
  expect(block, `docs/${doc} has no yaml block`).not.toBeNull();
  return block![1]!;
}

describe('JSON Schemas', () => {
  test('the files in schemas/ are what scripts/write-schemas.mjs writes from the zod schemas (run `npm run build` and commit them)', () => {
    const files = schemaFiles();
    expect(readdirSync(join(repoRoot, 'schemas')).sort()).toEqual(Object.keys(files).sort());
    for (const [name, text] of Object.entries(files)) expect(readFileSync(join(repoRoot, 'schemas', name), 'utf8'), name).toBe(text);
  });

  test.for(['agent-profile', 'pattern', 'config', 'context'] as const)('schemas/%s.json compiles (JSON Schema draft 2020-12)', (name) => {
    expect(JSON.parse(readFileSync(join(repoRoot, 'schemas', `${name}.json`), 'utf8')).$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(typeof validator(name)).toBe('function');
  });

  test.for([
    ['agent-profile', 'templates/agents'],
    ['pattern', 'templates/patterns'],
  ] as const)('every built-in in %s points at its schema on its first line and is valid', ([name, dir]) => {
    const files = yamlFiles(dir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n')[0], file).toBe(`# yaml-language-server: $schema=../../schemas/${name}.json`);
      const validate = validator(name);
      expect(validate(parse(text)), `${file}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
  });

  test('the config example of docs/monitor.md is a valid config, and the loader reads it', () => {
    const example = docsBlock('monitor.md');
    const validate = validator('config');
    expect(validate(parse(example)), ajv.errorsText(validate.errors)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'orch-contracts-'));
    try {
      writeFileSync(join(dir, 'config.yaml'), example);
      expect(checkPolicyFile(join(dir, 'config.yaml'))).toBe(example);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** One bad file: its text, the line the message must name and the rest of the message (a RegExp where a library's words vary). */
interface BadFile {
  contract: ContractName;
  what: string;
  text: string;
  line: number;
  message: string | RegExp;
  /** The JSON Schema alone rejects it too (false for checks only the loader makes: syntax, cross-key rules). */
  schemaRejects: boolean;
}

const PROFILE_KEYS = 'name, description, mode, command, prompt, lastMessage, json, sessionId, resume, resumePrompt, sessionMissing, env, forwardEnv, states, keys, sandbox, webSearch, budgetUsd, hooks, silence, rerun, exitCodes, proven';
const STAGE_KEYS = 'id, template, foreach, over, name, vars, needs, write, scratch, web, agent, output, host, verdict';
const BAD_YAML = /^bad YAML: .+ \(column \d+\)$/;

const BAD_FILES: BadFile[] = [
  { contract: 'agent-profile', what: 'bad YAML syntax', text: 'name: a\ncommand: [x]\nmode: exec: interactive\n', line: 3, message: BAD_YAML, schemaRejects: false },
  { contract: 'agent-profile', what: 'an unknown key', text: 'name: a\ncommand: [x]\nflavour: vanilla\n', line: 3, message: `unknown key \`flavour\` (known: ${PROFILE_KEYS})`, schemaRejects: true },
  { contract: 'agent-profile', what: 'a wrong type', text: 'name: a\nmode: exec\ncommand: x\n', line: 3, message: '`command` has the wrong type (expected a list of strings, got "x")', schemaRejects: true },
  { contract: 'agent-profile', what: 'a missing required key', text: '# no command\nname: a\nmode: exec\n', line: 2, message: '`command` is required (expected a list of strings)', schemaRejects: true },
  { contract: 'agent-profile', what: 'an unknown value', text: 'name: a\nmode: batch\ncommand: [x]\n', line: 2, message: '`mode` has an unknown value (expected exec or interactive, got "batch")', schemaRejects: true },
  { contract: 'agent-profile', what: 'a nested unknown key', text: 'name: a\ncommand: [x]\nlastMessage: json\njson:\n  result: .r\n  answer: .a\n', line: 6, message: 'unknown key `json.answer` (known: result, sessionId, error, errorText, denied, usage, cost)', schemaRejects: true },
  { contract: 'agent-profile', what: 'lastMessage: json without json paths', text: 'name: a\ncommand: [x]\nlastMessage: json\n', line: 3, message: "`lastMessage: json` needs `json: { result: .path }` (where the answer is in the agent's JSON)", schemaRejects: false },
  { contract: 'agent-profile', what: 'a regex that does not compile', text: 'name: a\ncommand: [x]\nstates:\n  working:\n    - ok\n    - "(esc"\n', line: 6, message: '`states.working[1]` is not a valid regex: Unterminated group (got "(esc")', schemaRejects: false },
  { contract: 'pattern', what: 'bad YAML syntax', text: 'name: p\nstages:\n  - id: a\n    vars: { x: [1, 2 }\n', line: 4, message: BAD_YAML, schemaRejects: false },
  { contract: 'pattern', what: 'an unknown key', text: 'name: p\nstages:\n  - id: one\n    template: reviewer\n    colour: blue\n', line: 5, message: `stage one: unknown key \`colour\` (known: ${STAGE_KEYS})`, schemaRejects: true },
  { contract: 'pattern', what: 'a wrong type', text: 'name: p\nstages:\n  - id: one\n    template: reviewer\n    write: yes\n', line: 5, message: 'stage one: `write` has the wrong type (expected true or false, got "yes")', schemaRejects: true },
  { contract: 'pattern', what: 'a missing required key', text: 'name: p\nstages:\n  - id: one\n    vars: {}\n', line: 3, message: 'stage one: `template` is required (expected a prompt template name, like reviewer)', schemaRejects: true },
  { contract: 'pattern', what: 'no stages', text: 'name: p\nstages: []\n', line: 2, message: '`stages` is empty (expected at least one stage)', schemaRejects: true },
  { contract: 'pattern', what: 'needs naming a later stage', text: 'name: p\nstages:\n  - id: one\n    template: reviewer\n    needs: [two]\n  - id: two\n    template: reviewer\n', line: 5, message: 'stage one: needs `two`, which is not an earlier stage', schemaRejects: false },
  { contract: 'pattern', what: 'a file that is not a mapping', text: 'just text\n', line: 1, message: 'a pattern is a YAML mapping (expected a mapping with keys name, description, variables, stages, got "just text")', schemaRejects: true },
  { contract: 'config', what: 'bad YAML syntax', text: 'approvals:\n  mode: auto\n  deny: [a, b\n', line: 4, message: BAD_YAML, schemaRejects: false },
  { contract: 'config', what: 'an unknown key', text: 'approvals:\n  mode: auto\n  alow: [x]\n', line: 3, message: 'unknown key `approvals.alow` (known: mode, allow, deny)', schemaRejects: true },
  { contract: 'config', what: 'an unknown section', text: 'aprovals:\n  mode: auto\n', line: 1, message: 'unknown key `aprovals` (known: approvals, silence, death, notify, sessions, concurrency, budget, limits)', schemaRejects: true },
  { contract: 'config', what: 'a wrong type', text: 'silence:\n  pokeAfter: soon\n', line: 2, message: '`silence.pokeAfter` has the wrong type (expected a number of seconds, 0 or more, got "soon")', schemaRejects: true },
  { contract: 'config', what: 'a number out of range', text: 'silence:\n  killAfter: -5\n', line: 2, message: '`silence.killAfter` is too small (expected a number of seconds, 0 or more, got -5)', schemaRejects: true },
  { contract: 'config', what: 'an unknown value', text: 'approvals:\n  mode: yolo\n', line: 2, message: '`approvals.mode` has an unknown value (expected notify, auto or deny, got "yolo")', schemaRejects: true },
  { contract: 'config', what: 'a deny regex that does not compile', text: 'approvals:\n  deny:\n    - ok\n    - "rm (-rf"\n', line: 4, message: '`approvals.deny[1]` is not a valid regex: Unterminated group (got "rm (-rf")', schemaRejects: false },
  { contract: 'context', what: 'bad YAML syntax', text: 'goal: "ship\n', line: 2, message: BAD_YAML, schemaRejects: false },
  { contract: 'context', what: 'an unknown key', text: 'goal: ship\nbudget: 10\n', line: 2, message: 'unknown key `budget` (known: goal, non_goals, constraints, pointers, decisions, success)', schemaRejects: true },
  { contract: 'context', what: 'a wrong type', text: 'goal: ship\nconstraints: { a: 1 }\n', line: 2, message: '`constraints` has the wrong type (expected text or a list of lines, got a mapping)', schemaRejects: true },
  { contract: 'context', what: 'a part left empty', text: 'goal: ship\nsuccess:\n', line: 2, message: '`success` is empty (expected text or a list of lines)', schemaRejects: true },
  { contract: 'context', what: 'a file that is not a mapping', text: '- ship it\n', line: 1, message: 'a context pack is a YAML mapping (expected a mapping with keys goal, non_goals, constraints, pointers, decisions, success, got a list)', schemaRejects: true },
];

/** Each contract's loader on a file, and what its errors put before the file name. */
const LOADERS: Record<ContractName, { label: string; load: (file: string) => unknown }> = {
  'agent-profile': { label: 'Agent profile ', load: (file) => loadProfileFile(file, tmpdir()) },
  pattern: { label: '', load: loadPattern },
  config: { label: '', load: checkPolicyFile },
  context: { label: '--context ', load: (file) => readContextFile(file) },
};

describe('bad input: one line naming FILE:LINE, what is wrong, what was expected and found', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'orch-contracts-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.for(BAD_FILES.map((b) => [`${b.contract}: ${b.what}`, b] as const))('%s', ([, bad]) => {
    const file = join(dir, `${bad.contract}-${bad.what.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, bad.text);
    const { label, load } = LOADERS[bad.contract];
    const message = usageError(() => load(file));
    expect(message).not.toContain('\n');
    const place = `${label}${file}:${bad.line}: `;
    expect(message.slice(0, place.length)).toBe(place);
    if (typeof bad.message === 'string') expect(message.slice(place.length)).toBe(bad.message);
    else expect(message.slice(place.length)).toMatch(bad.message);
    if (bad.schemaRejects) expect(validator(bad.contract)(parse(bad.text)), 'the JSON Schema accepts what the loader refuses').toBe(false);
  });

  test('a profile given as an object (a built-in, a test) is checked the same, with no line to name', () => {
    expect(usageError(() => validateProfile({ name: 'a', command: 'x' }, 'builtin:a', tmpdir()))).toBe('Agent profile builtin:a: `command` has the wrong type (expected a list of strings, got "x")');
  });
});

describe('bad YAML through the CLI: exit 2, one line on stderr naming the file and line', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    if (server) await stopTestServer(server);
  });

  const put = (name: string, text: string) => {
    const path = join(server.dir, 'work', name);
    writeFileSync(path, text);
    return path;
  };

  test.for([
    ['agent profile', (p: string) => ['review', 'doc.md', '--agent', p], 'review', 'Agent profile '],
    ['pattern', (p: string) => ['run', p, '--agent', fakeAgentProfile], 'run', ''],
    ['config (policy file)', (p: string) => ['trust', p], 'trust', ''],
    ['context pack', (p: string) => ['review', 'doc.md', '--agent', fakeAgentProfile, '--context', p], 'review', '--context '],
  ] as const)('%s', async ([, args, command, label]) => {
    put('doc.md', '# Doc\n\ntext\n');
    const path = put('bad.yaml', 'name: x\nkeys: a: b\n');
    const r = await server.cli(args(path));
    const stderr = String(r.stderr);
    expect(r.exitCode, stderr).toBe(2);
    expect(stderr.split('\n'), stderr).toHaveLength(1);
    expect(stderr).toMatch(new RegExp(`^orch-tmux ${command}: ${label}${path}:2: bad YAML: .+ \\(column \\d+\\)$`));
  });
});

test('zod loads only when a file is checked: commands that only read runs (status, wait) do not pay its start-up', async () => {
  const script = [
    "import { createRequire } from 'node:module';",
    "const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/zod/') || k.endsWith('/dist/chunks/zod.cjs'));",
    "await import('./dist/cli/commands/status.js'); await import('./dist/cli/commands/wait.js');",
    'const reading = loaded();',
    "(await import('./dist/pipeline/pattern.js')).loadPattern('templates/patterns/review.yaml');",
    'console.log(JSON.stringify({ reading, checking: loaded() }));',
  ].join('\n');
  const r = await execa(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, reject: false });
  expect(r.exitCode, String(r.stderr)).toBe(0);
  expect(JSON.parse(String(r.stdout))).toEqual({ reading: false, checking: true });
  // The check above sees require() only: an ESM import of zod anywhere would load it for everyone, unseen.
  const sources = readdirSync(join(repoRoot, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const f of sources) expect(readFileSync(join(repoRoot, 'src', f), 'utf8'), `src/${f} imports zod at run time: use loadZod()`).not.toMatch(/^import (?!type )[^;]*from 'zod'/m);
});
