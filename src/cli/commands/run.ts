import { UsageError } from '../../core/errors.js';
import { loadPattern, patternPath } from '../../pipeline/pattern.js';
import { str, type Command, type Values } from '../command.js';
import { numberOption, parseVars, VAR_OPTION } from '../options.js';
import { PATTERN_OPTIONS, resumeRun, sharedInputs, startAndDrive } from '../pattern-run.js';
import { describePattern } from '../../views/pattern-help.js';
import type { PatternInputs } from '../../pipeline/inputs.js';

/** The most rounds a verdict may send back to its writer. */
const MAX_ROUNDS = 10;

// --worktrees alone (or =run) gives the run one worktree; =per-writer gives each writer its own, merged after.
const WORKTREE_MODES: Record<string, PatternInputs['worktrees']> = { '': true, run: true, 'per-writer': 'per-writer' };

// What --worktrees asks for; a value it does not take is one line naming the two it does.
function worktreesOption(values: Values): PatternInputs['worktrees'] {
  const raw = str(values, 'worktrees');
  if (raw === undefined) return false;
  const mode = WORKTREE_MODES[raw];
  if (mode === undefined) throw new UsageError(`Unknown --worktrees=${JSON.stringify(raw)}: give --worktrees (one worktree for the run) or --worktrees=per-writer (a worktree per writer, merged after)`);
  return mode;
}

/** `orch-tmux run`: any pattern, built-in or a YAML file. */
export const command: Command = {
  name: 'run',
  summary: 'Run a pattern (YAML pipeline): review, review-fix, scout-act-verify, split, research, options',
  usage: 'run <pattern|file.yaml> [--var k=v]... [--agent NAME|PATH] [--synth-agent ...] [--context FILE] [--hosts local,NAME...] [--max-parallel N] [--worktrees[=per-writer]] [--rounds N] [--detach] [--dry-run] [--json]\n       orch-tmux run --resume <run>',
  details: [
    'Stages fan out over lenses, sections, a count or a list; `needs:` feeds earlier results into later prompts.',
    '--max-parallel N: at most N workers of the run live at once; a fan-out is a queue, started in order as workers end.',
    'Writing stages run one at a time in the working tree; --worktrees gives the run one git worktree instead;',
    '--worktrees=per-writer gives each writer its own (from the same start, side by side), merged in stage order',
    'onto the run\'s branch before the next stage that is not a writer; a conflict fails the run, naming the files.',
    '--hosts local,box1: read-only stages are spread over these hosts (hosts.yaml) by free slots; writers and the synthesis run here.',
    'A verifier\'s first line decides (VERDICT: PASS or FAIL): a FAIL, or no verdict, fails the run (exit 1).',
    '--rounds N (review-fix, scout-act-verify): on FAIL the implementer gets the findings and the verifier runs',
    'again, each round new workers, up to N rounds in all (default 1).',
  ].join('\n'),
  options: { ...PATTERN_OPTIONS, ...VAR_OPTION, worktrees: { type: 'string' }, rounds: { type: 'string' } },
  optionalValues: { worktrees: { bare: 'run', values: ['run', 'per-writer'] } },
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
      worktrees: worktreesOption(values),
      rounds: numberOption(values, 'rounds', 1, 1, MAX_ROUNDS),
      noSynth: false,
    });
  },
};
