// Installs the pinned Claude Code and Gemini CLI once for the end-to-end tier (cache outside the repo). One
// that cannot be installed fails the tier in CI with the reason; elsewhere its tests skip, loudly.
// @ts-expect-error plain ESM script without types
import { ensureAgent } from '../../scripts/install-agent.mjs';

export default async function setup({ provide }: { provide: (key: string, value: string) => void }) {
  await Promise.all(['claude', 'gemini'].map(async (name) => {
    try {
      const dir: string = await ensureAgent(name);
      provide(`${name}Dir`, dir);
      console.log(`e2e: ${name} ${dir}`);
    } catch (error) {
      const reason = `the pinned ${name} could not be installed: ${String((error as Error).message)}`;
      if (process.env.CI) throw new Error(`e2e: ${reason}`);
      provide(`${name}Skip`, reason);
      console.warn(`e2e: SKIPPING the ${name} tests: ${reason}`);
    }
  }));
}
