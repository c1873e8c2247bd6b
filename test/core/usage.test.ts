// Tokens and cost from what agents report: cache reads counted apart from input (a budget counts input and
// output only), summed over a worker's attempts and a run's workers.
import { describe, expect, test } from 'vitest';
import { runUsage, tokensOf, workerUsage } from '../../src/core/usage.js';

describe('usage', () => {
  test('Anthropic usage: cache writes are input, cache reads apart', () => {
    expect(tokensOf({ input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 3, cache_read_input_tokens: 100 })).toEqual({ input: 13, output: 5, cacheRead: 100 });
    expect(tokensOf({ input_tokens: 10, output_tokens: 5 })).toEqual({ input: 10, output: 5 });
  });

  test('Gemini stats: prompt and candidates over its models; anything else is no usage', () => {
    expect(tokensOf({ models: { a: { tokens: { prompt: 7, candidates: 2 } }, b: { tokens: { input: 1, output: 1 } } } })).toEqual({ input: 8, output: 3 });
    expect(tokensOf('nothing')).toBeUndefined();
    expect(tokensOf({ other: 1 })).toBeUndefined();
  });

  test('a worker\'s attempts and a run\'s workers add up, cache reads too; cost only where some reported one', () => {
    const w = workerUsage({ 0: { cost: 0.1, usage: { input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 4 } }, 1: { usage: { input_tokens: 3, output_tokens: 4 } } });
    expect(w).toEqual({ cost: 0.1, tokens: { input: 4, output: 6, cacheRead: 4 } });
    expect(runUsage([w, { tokens: { input: 1, output: 1 } }, {}])).toEqual({ cost: 0.1, tokens: { input: 5, output: 7, cacheRead: 4 } });
    expect(runUsage([{}, {}])).toEqual({});
  });
});
