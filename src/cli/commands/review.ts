import { UsageError } from '../../core/errors.js';
import { DEFAULT_LENSES } from '../../pipeline/lenses.js';
import { patternPath } from '../../pipeline/pattern.js';
import { str, type Command } from '../command.js';
import { parseVars, VAR_OPTION } from '../options.js';
import { PATTERN_OPTIONS, resumeRun, sharedInputs, startAndDrive } from '../pattern-run.js';

// review's own inputs have flags of their own: --var is for the agent's variables only.
function agentOnly(vars: Record<string, string>): Record<string, string> {
  for (const name of ['doc', 'lenses']) if (name in vars) throw new UsageError(`review takes ${name === 'doc' ? 'the document as its argument' : '--lenses'}, not --var ${name}: --var is for the agent's own variables`);
  return vars;
}

/** `orch-tmux review`: the triangulated review (pattern A) with its own flags. */
export const command: Command = {
  name: 'review',
  summary: 'Fan out 2-4 reviewers with different lenses over a document and merge them',
  usage: 'review <doc> [--lenses a,b,c] [--agent NAME|PATH] [--var k=v]... [--synth-agent NAME|PATH] [--context FILE] [--hosts local,NAME...] [--max-parallel N] [--no-synth] [--detach] [--dry-run] [--json]\n       orch-tmux review --resume <run>',
  details: [
    'One read-only reviewer per lens (default: clarity,correctness,risks), then a synthesizer that writes',
    'synthesis.md in the run directory. --dry-run rehearses with no agent: same session, windows, prompts',
    'and files; each worker shows the prompt and command it would run. --context FILE is YAML with any of',
    'goal, non_goals, constraints, pointers, decisions, success. --resume keeps finished reviewers.',
    '--var k=v fills the agent profile\'s own variables (`--agent shell --var command="python3 my_agent.py"`).',
    '--hosts local,box1: reviewers are spread over these hosts (hosts.yaml) by free slots; the synthesis runs here.',
    '--max-parallel N: at most N workers of the run live at once; the others start, in order, as they end.',
  ].join('\n'),
  options: { ...PATTERN_OPTIONS, ...VAR_OPTION, lenses: { type: 'string' }, 'no-synth': { type: 'boolean' } },
  positionals: [0, 1],
  async run(ctx, values, [doc]) {
    const resume = str(values, 'resume');
    if (resume) {
      if (doc) throw new UsageError('Give either a document or --resume <run>, not both');
      return resumeRun(ctx, values, resume);
    }
    if (!doc) throw new UsageError('Give the document to review: orch-tmux review ./doc.md');
    return startAndDrive(ctx, values, {
      ...sharedInputs(ctx, values),
      patternFile: patternPath('review'),
      vars: { ...agentOnly(parseVars(values)), doc, lenses: str(values, 'lenses') ?? DEFAULT_LENSES.join(',') },
      worktrees: false,
      noSynth: values['no-synth'] === true,
      labels: { doc: 'document', lenses: '--lenses' },
    });
  },
};
