import { OrchError } from '../errors.js';
import type { Command } from './command.js';

/** Placeholder until this command lands. */
export const command: Command = {
  name: 'resume', summary: '', usage: 'resume', options: {}, positionals: [0, Infinity],
  async run() { throw new OrchError('not implemented yet'); },
};
