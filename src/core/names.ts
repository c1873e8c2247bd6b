import { UsageError } from './errors.js';

const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Worker names become tmux window names and folder names, so only `[a-z0-9][a-z0-9-]*`, at most 40 characters. */
export function checkWorkerName(name: string): string {
  if (!NAME.test(name) || name.length > 40) {
    throw new UsageError(`Expected a worker name like \`risks\` (a-z, 0-9, '-', at most 40 characters, not starting with '-'), got ${JSON.stringify(name)}`);
  }
  return name;
}

/** Session names given with --session follow the same rule, so tmux targets stay exact. */
export function checkSessionName(name: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]*$/.test(name) || name.length > 60) {
    throw new UsageError(`Expected a tmux session name like \`orch-review\` (letters, digits, '-', '_'), got ${JSON.stringify(name)}`);
  }
  return name;
}

/** A run's free-text name, reduced to a slug for its id (never refused: it is only a label). */
export function slugOf(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 24) || 'run';
}

/** A run's --name is a label kept as given, but no control characters and at most 200 characters. */
export function checkRunName(name: string): string {
  if (name.length === 0 || name.length > 200 || /[\x00-\x1f\x7f]/.test(name)) {
    throw new UsageError(`Expected a run name of 1-200 printable characters, got ${JSON.stringify(name.slice(0, 60))}`);
  }
  return name;
}
