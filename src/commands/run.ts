import { UsageError } from '../errors.js';
import { patternPath } from '../patterns/pattern.js';
import { str, type Command } from './command.js';
import { parseVars, VAR_OPTION } from './options.js';
import { PATTERN_OPTIONS, resumeRun, sharedInputs, startAndDrive } from './pattern-run.js';

/** `orch-tmux run`: any pattern, built-in or a YAML file. */
export const command: Command = {
  name: 'run',
  summary: 'Run a pattern (YAML pipeline): review, review-fix, scout-act-verify, split, research, options',
  usage: 'run <pattern|file.yaml> [--var k=v]... [--agent NAME|PATH] [--synth-agent ...] [--context FILE] [--hosts local,NAME...] [--worktrees] [--detach] [--dry-run] [--json]\n       orch-tmux run --resume <run>',
  details: 'Stages fan out over lenses, sections, a count or a list; `needs:` feeds earlier results into later prompts.\nWriting stages run one at a time in the working tree, or each in its own git worktree with --worktrees.\n--hosts local,box1: read-only stages are spread over these hosts (hosts.yaml) by free slots; writers and the synthesis run here.',
  options: { ...PATTERN_OPTIONS, ...VAR_OPTION, worktrees: { type: 'boolean' } },
  positionals: [0, 1],
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
      noSynth: false,
    });
  },
};
