import { UsageError } from '../../core/errors.js';
import { loadPattern, patternPath } from '../../pipeline/pattern.js';
import { str, type Command } from '../command.js';
import { numberOption, parseVars, VAR_OPTION } from '../options.js';
import { PATTERN_OPTIONS, resumeRun, sharedInputs, startAndDrive } from '../pattern-run.js';
import { describePattern } from '../../views/pattern-help.js';

/** The most rounds a verdict may send back to its writer. */
const MAX_ROUNDS = 10;

/** `orch-tmux run`: any pattern, built-in or a YAML file. */
export const command: Command = {
  name: 'run',
  summary: 'Run a pattern (YAML pipeline): review, review-fix, scout-act-verify, split, research, options',
  usage: 'run <pattern|file.yaml> [--var k=v]... [--agent NAME|PATH] [--synth-agent ...] [--context FILE] [--hosts local,NAME...] [--worktrees] [--rounds N] [--detach] [--dry-run] [--json]\n       orch-tmux run --resume <run>',
  details: [
    'Stages fan out over lenses, sections, a count or a list; `needs:` feeds earlier results into later prompts.',
    'Writing stages run one at a time in the working tree, or each in its own git worktree with --worktrees.',
    '--hosts local,box1: read-only stages are spread over these hosts (hosts.yaml) by free slots; writers and the synthesis run here.',
    'A verifier\'s first line decides (VERDICT: PASS or FAIL): a FAIL, or no verdict, fails the run (exit 1).',
    '--rounds N (review-fix, scout-act-verify): on FAIL the implementer gets the findings and the verifier runs',
    'again, each round new workers, up to N rounds in all (default 1).',
  ].join('\n'),
  options: { ...PATTERN_OPTIONS, ...VAR_OPTION, worktrees: { type: 'boolean' }, rounds: { type: 'string' } },
  positionals: [0, 1],
  helpFor: (ctx, [pattern]) => describePattern(loadPattern(patternPath(pattern!, ctx.cwd))),
  async run(ctx, values, [pattern]) {
    const resume = str(values, 'resume');
    if (resume) {
      if (pattern) throw new UsageError('Give either a pattern or --resume <run>, not both');
      return resumeRun(ctx, values, resume);
    }
    if (!pattern) throw new UsageError('Give a pattern: orch-tmux run review --var doc=./doc.md (see templates/patterns/)');
    return startAndDrive(ctx, values, {
      ...sharedInputs(ctx, values),
      patternFile: patternPath(pattern, ctx.cwd),
      vars: parseVars(values),
      worktrees: values.worktrees === true,
      rounds: numberOption(values, 'rounds', 1, 1, MAX_ROUNDS),
      noSynth: false,
    });
  },
};
