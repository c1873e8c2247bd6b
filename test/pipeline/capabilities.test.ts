// Agent capabilities by role: researchers get the agent's web search where its profile maps it (`webSearch:`
// flags in place of a whole `{{webSearch}}` item), nobody else does, and a profile without it is named once.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { test } from '../helpers/tmux-server.js';
import { parseOut } from '../cli/support.js';

interface Out { dir: string; workers: { name: string; state: string }[] }

const argvOf = (dir: string, name: string): string[] => JSON.parse(readFileSync(join(dir, 'workers', name, 'worker.json'), 'utf8')).argv;

describe('web search for researchers', () => {
  test('a profile with webSearch: researchers get its flags, the synthesizer does not', async ({ server }) => {
    const work = join(server.dir, 'work');
    writeFileSync(join(work, 'web.yaml'), 'name: web\nmode: exec\ncommand: [cat, "{{webSearch}}", "{{sandbox}}"]\nprompt: stdin\nlastMessage: stdout\nsandbox: { read-only: [-u], workspace-write: [-u] }\nwebSearch: [-s, -b]\n');
    const r = await server.cli(['run', 'research', '--var', 'question=Which cache?', '--var', 'angles=a,b', '--agent', './web.yaml', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = parseOut<Out>(r);
    expect(out.workers.map((w) => w.state)).toEqual(['done', 'done', 'done']);
    for (const name of ['research-a', 'research-b']) expect(argvOf(out.dir, name).slice(1)).toEqual(['-s', '-b', '-u']);
    expect(argvOf(out.dir, 'brief').slice(1)).toEqual(['-u']);
    expect(String(r.stderr)).toBe('');
  });

  test('a profile without it: the run goes on, and says once that its researchers have no web search', async ({ server }) => {
    const r = await server.cli(['run', 'research', '--var', 'question=Which cache?', '--var', 'angles=a,b', '--agent', 'shell', '--var', 'command=cat', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = parseOut<Out>(r);
    expect(String(r.stderr)).toBe('agent shell has no web search in its profile (webSearch:), so stage research works without it');
    const events = readFileSync(join(out.dir, 'events.jsonl'), 'utf8').split('\n').filter((l) => l.includes('driver.warning'));
    expect(events).toHaveLength(1);
  });
});
