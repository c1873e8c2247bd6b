#!/usr/bin/env node
// Writes the figures block of docs/performance.md from bench/results.json (the last `npm run bench`), so
// the table is never edited by hand. `--check` only says whether the doc is up to date (exit 1 when not).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './bench/lib.mjs';
import { syncDoc } from './bench/report.mjs';

const results = JSON.parse(readFileSync(join(root, 'bench', 'results.json'), 'utf8'));
const check = process.argv.includes('--check');
try {
  const current = syncDoc(results, { check });
  if (check && !current) process.stderr.write('perf-doc: docs/performance.md does not match bench/results.json: run `npm run bench:doc`\n');
  process.exit(check && !current ? 1 : 0);
} catch (error) {
  process.stderr.write(`perf-doc: ${error.message}\n`);
  process.exit(2);
}
