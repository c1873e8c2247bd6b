#!/usr/bin/env node
// Bundles the programs we start (the CLI, the settle step, the board, the hook decider) in place over tsc's
// output, each one file plus shared chunks in dist/chunks/: a Node start then reads a few files instead of
// ~150 modules (ours and yaml's), about a fifth of each start's CPU on a 2-core machine. zod is bundled too
// but still runs only when a file is checked (contract.ts requires it late). `npm run build` runs this after tsc.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const programs = ['cli.js', 'workers/settle-main.js', 'board/board-main.js', 'workers/hook-main.js'];

// contract.ts loads zod with `createRequire(import.meta.url)('zod')`, which esbuild leaves to Node (130 CJS
// files to read). A plain `require('zod')` is bundled and still runs zod only when called.
const lateZod = {
  name: 'late-zod',
  setup(b) {
    b.onLoad({ filter: /[\\/]contracts[\\/]contract\.js$/ }, ({ path }) => {
      const text = readFileSync(path, 'utf8');
      const late = "createRequire(import.meta.url)('zod')";
      if (!text.includes(late)) throw new Error(`bundle: ${path} no longer loads zod with ${late}: update scripts/bundle.mjs`);
      return { contents: text.replace(late, "require('zod')"), loader: 'js' };
    });
  },
};
rmSync(join(dist, 'chunks'), { recursive: true, force: true });
await build({
  entryPoints: programs.map((p) => join(dist, p)),
  outdir: dist,
  outbase: dist,
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [lateZod],
  // yaml's Node build is CommonJS and requires Node's own modules: give each output file a `require`.
  banner: { js: "import { createRequire as __orchCreateRequire } from 'node:module'; const require = __orchCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
