import { configContract } from './config.js';
import { contextContract } from './context.js';
import { hostsContract } from './hosts.js';
import { loadZod, type Contract } from './contract.js';
import { patternContract } from './pattern.js';
import { profileContract } from './profile.js';

/** The files in schemas/ (JSON Schema, draft 2020-12), by name: editors validate and complete the YAML with them. */
export function schemaFiles(): Record<string, string> {
  const write = (contract: Contract) => `${JSON.stringify(loadZod().toJSONSchema(contract.schema, { io: 'input' }), null, 2)}\n`;
  return {
    'agent-profile.json': write(profileContract),
    'pattern.json': write(patternContract),
    'config.json': write(configContract),
    'context.json': write(contextContract),
    'hosts.json': write(hostsContract),
  };
}
