import { defineContract, type Zod } from './contract.js';

/** The context-pack contract (`review --context FILE`, `run --context FILE`); `--context FILE:LINE: ...` names a problem. */
export const contextContract = defineContract('a context pack', contextSchema);

// Shared context put into every prompt of a run; a part is text, or a list that becomes `- item` lines.
function contextSchema(z: Zod) {
  const part = z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()], { error: 'text' }))], { error: 'text or a list of lines' })
    .transform((v) => (Array.isArray(v) ? v.map((line) => `- ${String(line)}`).join('\n') : String(v)));
  return z.strictObject({
    goal: part.optional().meta({ description: 'What the larger effort is trying to achieve.' }),
    non_goals: part.optional().meta({ description: 'What is explicitly out of scope.' }),
    constraints: part.optional().meta({ description: 'Hard limits the work must respect.' }),
    pointers: part.optional().meta({ description: 'Files, docs or links worth reading first.' }),
    decisions: part.optional().meta({ description: 'Decisions already made; workers do not reopen them.' }),
    success: part.optional().meta({ description: 'How to tell the work succeeded.' }),
  }).meta({ title: 'orch-tmux context pack', description: 'Goal, non-goals, constraints, pointers, prior decisions and success check, added to every prompt of a run.' });
}
