import { z } from 'zod';
import type { Contract } from './contract.js';

/** A part of the pack: text, or a list that becomes `- item` lines. */
const part = z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()], { error: 'text' }))], { error: 'text or a list of lines' })
  .transform((v) => (Array.isArray(v) ? v.map((line) => `- ${String(line)}`).join('\n') : String(v)));

/** The context-pack contract (`review --context FILE`, `run --context FILE`): shared context put into every prompt. */
export const contextSchema = z.strictObject({
  goal: part.optional().meta({ description: 'What the larger effort is trying to achieve.' }),
  non_goals: part.optional().meta({ description: 'What is explicitly out of scope.' }),
  constraints: part.optional().meta({ description: 'Hard limits the work must respect.' }),
  pointers: part.optional().meta({ description: 'Files, docs or links worth reading first.' }),
  decisions: part.optional().meta({ description: 'Decisions already made; workers do not reopen them.' }),
  success: part.optional().meta({ description: 'How to tell the work succeeded.' }),
}).meta({ title: 'orch-tmux context pack', description: 'Goal, non-goals, constraints, pointers, prior decisions and success check, added to every prompt of a run.' });

/** The context pack as the contract checks it; `--context FILE:LINE: ...` names a problem. */
export const contextContract: Contract<typeof contextSchema> = { schema: contextSchema, noun: 'a context pack' };
