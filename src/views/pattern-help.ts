// A pattern as a person reads it before running it: its variables (required or their default) and its
// stages, for `run <pattern> --help` and `templates show <pattern>`.
import type { Pattern } from '../pipeline/pattern.js';

/** The variables and stages of a pattern, as lines of text. */
export function describePattern(p: Pattern): string {
  const vars = Object.entries(p.variables).map(([name, v]) => {
    const need = v.required ? 'required' : v.default !== undefined && v.default !== '' ? `default ${JSON.stringify(v.default)}` : 'optional';
    return `  --var ${name}=...  (${v.type}, ${need})${v.description ? `  ${v.description}` : ''}`;
  });
  const stages = p.stages.map((s) => {
    const how = [
      s.foreach ? `one worker per ${s.foreach === 'count' ? 'count' : s.foreach.replace(/s$/, '')}${s.over ? ` of ${s.over}` : ''}` : 'one worker',
      s.write ? 'writes' : s.scratch ? 'writes in a copy' : 'reads',
      s.needs.length ? `gets ${s.needs.join(', ')}` : '',
      s.verdict ? `its verdict decides${s.verdict.retry ? ` (a FAIL goes back to ${s.verdict.retry})` : ''}` : '',
      s.agent === 'synth' ? 'the synthesis agent' : '',
      s.output ? `writes ${s.output}` : '',
    ].filter(Boolean).join('; ');
    return `  ${s.id} (${s.template}): ${how}`;
  });
  return [`Pattern ${p.name}: ${p.description}`, `File: ${p.file}`, '', 'Variables:', ...(vars.length ? vars : ['  none']), '', 'Stages, in order:', ...stages, ''].join('\n');
}
