import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { UsageError } from '../core/errors.js';
import { templatesDir } from '../os/package.js';
import { loadProfileFile, PLACEHOLDER, PROFILE_PLACEHOLDERS, type AgentProfile } from './profile.js';

/** Folders searched for `--agent NAME`, first match wins: project, user, built-in. */
export function profileDirs(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): string[] {
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return [join(cwd, '.orch', 'agents'), join(config, 'orch-tmux', 'agents'), join(templatesDir, 'agents')];
}

/** Loads `--agent NAME` (searched) or `--agent ./file.yaml` (a path). */
export function loadProfile(ref: string, cwd = process.cwd()): AgentProfile {
  if (ref.includes('/') || ref.endsWith('.yaml') || ref.endsWith('.yml')) {
    const path = resolve(cwd, ref);
    if (!existsSync(path)) throw new UsageError(`Agent profile ${JSON.stringify(ref)} does not exist: give a YAML file path or a built-in name (codex, codex-tui, claude, claude-tui, gemini, shell)`);
    return loadProfileFile(path, dirname(path));
  }
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(ref)) throw new UsageError(`Expected an agent name like \`codex\` or a path like ./agent.yaml, got ${JSON.stringify(ref)}`);
  for (const dir of profileDirs(cwd)) {
    const path = join(dir, `${ref}.yaml`);
    if (existsSync(path)) return loadProfileFile(path, dirname(path), path.startsWith(templatesDir) ? `builtin:${ref}` : path);
  }
  throw new UsageError(`Unknown agent ${JSON.stringify(ref)}: use a built-in (codex, codex-tui, claude, claude-tui, gemini, shell) or a profile path like ./agent.yaml`);
}


/** Splits a command line into words the way a shell would quote them, with no expansion of any kind. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length && '"\\'.includes(line[i + 1]!)) word += line[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`Unclosed ${quote} quote in command ${JSON.stringify(line)}: close the quote`);
  if (inWord) words.push(word);
  return words;
}

/** Fills {{placeholders}} in an argv; `{{@name}}` as a whole item expands to several words. Unknown names are
 * errors naming the profile's file and line. */
export function fillArgv(argv: readonly string[], values: Record<string, string | undefined>, profile: Pick<AgentProfile, 'source' | 'lines'>): string[] {
  const where = (name: string) => `${profile.source}${profile.lines?.[name] ? `:${profile.lines[name]}` : ''}`;
  const out: string[] = [];
  for (const item of argv) {
    const whole = /^\{\{\s*@([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/.exec(item);
    if (whole) {
      const value = values[whole[1]!];
      if (value === undefined) throw new UsageError(`Agent profile ${where(whole[1]!)}: placeholder {{@${whole[1]}}} has no value: pass --var ${whole[1]}=...`);
      out.push(...splitWords(value));
      continue;
    }
    out.push(item.replace(PLACEHOLDER, (_m, _at, name: string) => {
      const value = values[name];
      if (value === undefined) {
        const known = [...new Set([...PROFILE_PLACEHOLDERS, ...Object.keys(values)])].join(', ');
        throw new UsageError(`Agent profile ${where(name)}: unknown placeholder {{${name}}} (known: ${known}; or pass --var ${name}=...)`);
      }
      return value;
    }));
  }
  return out;
}

/** The variables a profile takes from `--var` (its placeholders that are not built in), e.g. `command` for `shell`. */
export function profileVariables(profile: Pick<AgentProfile, 'command' | 'resume'>): string[] {
  const names = new Set<string>();
  for (const item of [...profile.command, ...(profile.resume ?? [])]) {
    for (const m of item.matchAll(PLACEHOLDER)) if (!(PROFILE_PLACEHOLDERS as readonly string[]).includes(m[2]!)) names.add(m[2]!);
  }
  return [...names];
}

/** Finds a program the way execvp would, in the caller's PATH; undefined when absent. */
export function whichProgram(program: string, env: NodeJS.ProcessEnv = process.env, baseDir = process.cwd()): string | undefined {
  const isExec = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (program.includes('/')) {
    const abs = isAbsolute(program) ? program : resolve(baseDir, program);
    return isExec(abs) ? abs : undefined;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, program);
    if (isExec(candidate)) return candidate;
  }
  return undefined;
}

/** The program of a filled argv resolved to an absolute path, or a usage error naming it and PATH. */
export function resolveProgram(argv: string[], profile: AgentProfile, env: NodeJS.ProcessEnv = process.env): string[] {
  const [program, ...rest] = argv;
  if (!program) throw new UsageError(`Agent profile ${profile.source}: the command is empty`);
  const found = whichProgram(program, env, profile.baseDir);
  if (!found && program.includes('/')) {
    const abs = resolve(profile.baseDir, program);
    throw new UsageError(`Agent ${profile.name}: \`${program}\` (${abs}${isAbsolute(program) ? '' : `, from the profile's folder`}) is not an executable file: check the path in ${profile.source}`);
  }
  if (!found) {
    throw new UsageError(`Agent ${profile.name}: \`${program}\` is not on PATH: install it, or pick another agent with --agent (or rehearse with --dry-run)`);
  }
  return [found, ...rest];
}
