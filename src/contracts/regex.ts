import type { z } from 'zod';
import { gotText, pathText } from './issue-text.js';
import type { DataPath } from './yaml-file.js';

/** Adds an issue for each text that is not a valid regex, at its own path, with the reason JavaScript gives. */
export function addRegexIssues(ctx: z.RefinementCtx, texts: [DataPath, string | undefined][], flags = ''): void {
  for (const [path, text] of texts) {
    if (text === undefined) continue;
    try {
      new RegExp(text, flags);
    } catch (error) {
      const why = (error as Error).message.split(': ').at(-1);
      ctx.addIssue({ code: 'custom', path: [...path], message: `\`${pathText(path)}\` is not a valid regex: ${why} (got ${gotText(text)})` });
    }
  }
}
