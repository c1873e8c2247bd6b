import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkContract } from '../contracts/contract.js';
import { PATTERN_REFERENCE, patternContract } from '../contracts/pattern.js';
import { parseYamlFile } from '../contracts/yaml-file.js';
import { UsageError } from '../core/errors.js';
import { templatesDir } from '../os/package.js';
import type { StageVerdict } from '../core/verdict.js';

/** A pattern variable: text, a file (read and checked), a lens list, or a small integer. */
export interface PatternVariable {
  description?: string;
  default?: string;
  required: boolean;
  type: 'text' | 'file' | 'lenses' | 'int';
}

/** One stage: a single worker, or a fan-out over lenses, sections of a file, a count or a list. */
export interface Stage {
  id: string;
  template: string;
  foreach?: 'lenses' | 'sections' | 'count' | 'list';
  /** What to fan out over: `{{lenses}}`, `{{doc}}`, `{{n}}`, `a,b,c`. */
  over?: string;
  /** Worker name; `{{item.id}}` for fan-outs. Defaults to the stage id (or `<id>-<item.id>`). */
  name?: string;
  vars: Record<string, string>;
  needs: string[];
  /** Writers get workspace-write and run one at a time per working tree. */
  write: boolean;
  /** Verifiers: may write (run tests, build), but only in a throw-away copy of the tree, or in the run's
   * worktree with --worktrees; never in the user's tree. */
  scratch: boolean;
  /** Researchers: the agent's web search is turned on where its profile maps it (`webSearch:`). */
  web: boolean;
  /** `synth` stages use --synth-agent and are skipped by --no-synth. */
  agent: 'main' | 'synth';
  /** Copy the stage's result to this file in the run directory (e.g. synthesis.md). */
  output?: string;
  /** Run its workers on this host (hosts.yaml; `local` is this machine), whatever --hosts says. */
  host?: string;
  /** How its answer decides the stage (and the run): first-line regexes; `retry` names the stage a FAIL sends its findings back to. */
  verdict?: StageVerdict;
}

/** A YAML pipeline of stages (templates/patterns/*.yaml or a user's file). */
export interface Pattern {
  name: string;
  description: string;
  variables: Record<string, PatternVariable>;
  stages: Stage[];
  file: string;
}

/** Built-in pattern names. */
export function builtinPatterns(): string[] {
  return ['review', 'review-fix', 'scout-act-verify', 'split', 'research', 'options'];
}

/** Finds a pattern by built-in name, project/user folder, or file path. */
export function patternPath(ref: string, cwd = process.cwd()): string {
  if (ref.includes('/') || ref.endsWith('.yaml') || ref.endsWith('.yml')) {
    const path = resolve(cwd, ref);
    if (!existsSync(path)) throw new UsageError(`Pattern file ${JSON.stringify(ref)} does not exist: check the path`);
    if (!statSync(path).isFile()) throw new UsageError(`Pattern ${JSON.stringify(ref)} is a directory or device, not a file: give a YAML file`);
    return path;
  }
  for (const dir of [join(cwd, '.orch', 'patterns'), join(templatesDir, 'patterns')]) {
    const path = join(dir, `${ref}.yaml`);
    if (/^[a-z0-9][a-z0-9-]*$/.test(ref) && existsSync(path)) return path;
  }
  throw new UsageError(`Unknown pattern ${JSON.stringify(ref)}: use one of ${builtinPatterns().join(', ')} or a path to a YAML file`);
}

/** Loads and checks a pattern file; a problem is one line `FILE:LINE: ...` (`stage ID: ` for one in a stage). */
export function loadPattern(path: string): Pattern {
  const place = { label: '', file: path };
  const yaml = parseYamlFile(readFileSync(path, 'utf8'), place);
  return { ...checkContract(patternContract, yaml.value, place, yaml.lineOf), file: path };
}

/** Fills `{{name}}` references from a flat mapping (values are inserted as they are, never re-scanned). */
export function interpolate(text: string, values: Record<string, string>): string {
  return text.replace(PATTERN_REFERENCE, (_m, name: string) => values[name] ?? '');
}
