// Researchers get codex's web search (the profile's `webSearch:` flags), measured by what the real codex
// exec sends: live web search in the researchers' requests, not in the synthesizer's.
import { expect } from 'vitest';
import { codexFor, lastUserText, test } from './support.js';

test('research with --agent codex: researchers\' requests offer live web search, the brief\'s only codex\'s cached default', async ({ server }) => {
  const codex = await codexFor(server);
  try {
    const r = await server.cli(['run', 'research', '--var', 'question=Which cache?', '--var', 'angles=prior art,risks', '--agent', 'codex', '--json'], { env: codex.env });
    expect(r.exitCode, r.stderr).toBe(0);
    const turns = codex.stub.requests.filter((q) => q.kind === 'turn');
    // codex offers its cached web search to every turn; live search (external_web_access) is what webSearch turns on.
    const live = (q: (typeof turns)[number]) => ((q.body as { tools?: { type?: string; external_web_access?: boolean }[] }).tools ?? []).find((t) => t.type === 'web_search')?.external_web_access;
    const research = turns.filter((q) => /ROLE: researcher/.test(lastUserText(q)));
    const brief = turns.filter((q) => /ROLE: synthesizer/.test(lastUserText(q)));
    expect(research.length).toBeGreaterThanOrEqual(2);
    expect(brief.length).toBeGreaterThanOrEqual(1);
    for (const q of research) expect(live(q)).toBe(true);
    for (const q of brief) expect(live(q)).toBe(false);
  } finally {
    await codex.stub.close();
  }
});
