import { OrchError } from '../errors.js';
import type { Command } from './command.js';

/** Placeholder until this command lands. */
export const command: Command = {
  name: 'plan', summary: '', usage: 'plan', options: {}, positionals: [0, Infinity],
  async run() { throw new OrchError('not implemented yet'); },
};
