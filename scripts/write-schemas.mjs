#!/usr/bin/env node
// Writes schemas/*.json from the contracts' zod schemas (dist/contracts/, so after tsc): `npm run build` runs it.
// test/contracts/schemas.test.ts fails when the committed files differ from what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaFiles } from '../dist/contracts/json-schemas.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas');
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(schemaFiles())) writeFileSync(join(dir, name), text);
