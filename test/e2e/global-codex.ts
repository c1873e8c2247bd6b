// Installs the pinned Codex CLI once for the end-to-end tier (cache outside the repo). When it cannot be
// installed the tier fails in CI and says why; on a developer machine without the registry it skips, loudly.
import { dirname } from 'node:path';
// @ts-expect-error plain ESM script without types
import { ensureCodex } from '../../scripts/install-codex.mjs';

export default async function setup({ provide }: { provide: (key: string, value: string) => void }) {
  try {
    const bin: string = await ensureCodex();
    provide('codexDir', dirname(bin));
    console.log(`e2e: codex ${bin}`);
  } catch (error) {
    const reason = `the pinned codex could not be installed: ${String((error as Error).message)}`;
    if (process.env.CI) throw new Error(`e2e: ${reason}`);
    provide('codexSkip', reason);
    console.warn(`e2e: SKIPPING the codex tier: ${reason}`);
  }
}
