// Pure: how a stage's answer decides it. The first non-empty line, with Markdown emphasis stripped, is
// matched against the stage's `verdict.pass` and `verdict.fail` regexes; anything else is no verdict.

/** What one answer says: pass, fail, or neither (no verdict), with the line that said it. */
export interface Verdict {
  decision: 'pass' | 'fail' | 'none';
  line: string;
}

/** The first non-empty line of an answer as a verdict line: `**VERDICT: FAIL**` reads `VERDICT: FAIL`. */
export function verdictLine(text: string): string {
  const first = text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return first.replace(/\*\*|__|`/g, '').replace(/^[#>*_\s]+/, '').replace(/[*_\s]+$/, '').trim();
}

/** Reads an answer's verdict under a stage's rule; a missing answer is no verdict. */
export function readVerdict(text: string | undefined, rule: StageVerdict): Verdict {
  const line = text === undefined ? '' : verdictLine(text);
  if (line && new RegExp(rule.fail).test(line)) return { decision: 'fail', line };
  if (line && new RegExp(rule.pass).test(line)) return { decision: 'pass', line };
  return { decision: 'none', line };
}

/** The reason a verdict gives a failed stage, naming the worker: its FAIL line, or why there was no verdict. */
export function verdictReason(worker: string, v: Verdict): string {
  if (v.decision === 'fail') return `${worker}: ${v.line.length > 200 ? `${v.line.slice(0, 199)}…` : v.line}`;
  return `${worker}: no verdict (${v.line ? `the first line is ${JSON.stringify(v.line.slice(0, 80))}` : 'no answer'})`;
}

/** A stage's verdict rule: its answer's first non-empty line (Markdown emphasis stripped) against `pass` and `fail`. */
export interface StageVerdict {
  pass: string;
  fail: string;
  retry?: string;
}
