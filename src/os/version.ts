import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package.js';

/** The package's version (package.json), for manifests and the MCP server's name. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
