#!/usr/bin/env node
// Bundles the programs we start (the CLI, the settle step, the board, the hook decider) in place over tsc's
// output, each one file plus shared chunks in dist/chunks/: a Node start then reads a few files instead of
// ~150 modules (ours and yaml's), about a fifth of each start's CPU on a 2-core machine. zod gets a file of its
// own (dist/chunks/zod.cjs), read only when a file is checked. `npm run build` runs this after tsc.
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const programs = ['cli.js', 'supervise/settle-main.js', 'views/board-main.js', 'supervise/hook-main.js'];
rmSync(join(dist, 'chunks'), { recursive: true, force: true }); // a previous build's chunks

// zod in one CommonJS file, required by contract.ts only when a file is checked (from node_modules it is
// ~130 files; inside the programs' shared chunk every CLI call would read and parse it).
await build({
  entryPoints: [createRequire(import.meta.url).resolve('zod')],
  outfile: join(dist, 'chunks', 'zod.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
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
  external: ['zod'],
  // yaml's Node build is CommonJS and requires Node's own modules: give each output file a `require`.
  banner: { js: "import { createRequire as __orchCreateRequire } from 'node:module'; const require = __orchCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
