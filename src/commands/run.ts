import { OrchError } from '../errors.js';
import type { Command } from './command.js';

/** Placeholder until this command lands. */
export const command: Command = {
  name: 'run', summary: '', usage: 'run', options: {}, positionals: [0, Infinity],
  async run() { throw new OrchError('not implemented yet'); },
};
