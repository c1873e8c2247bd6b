import { z } from 'zod';
import { configSchema } from './config.js';
import { contextSchema } from './context.js';
import { patternSchema } from './pattern.js';
import { profileSchema } from './profile.js';

/** The files in schemas/ (JSON Schema, draft 2020-12), by name: editors validate and complete the YAML with them. */
export function schemaFiles(): Record<string, string> {
  const write = (schema: z.ZodType) => `${JSON.stringify(z.toJSONSchema(schema, { io: 'input' }), null, 2)}\n`;
  return {
    'agent-profile.json': write(profileSchema),
    'pattern.json': write(patternSchema),
    'config.json': write(configSchema),
    'context.json': write(contextSchema),
  };
}
