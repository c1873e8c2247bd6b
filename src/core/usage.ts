// What a worker's turns cost, from what its agent reported (claude's `usage` and `total_cost_usd`, gemini's
// `stats`), recorded with the worker when it settles; summed per run for status.

/** Tokens in and out, as far as the agent said; input read from the agent's prompt cache is counted apart. */
export interface Tokens {
  input: number;
  output: number;
  cacheRead?: number;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Tokens from an agent's usage object: Anthropic's `{input_tokens, output_tokens, cache_*_input_tokens}` (cache
 * writes count as input, cache reads apart) or
 * Gemini's `{models: {NAME: {tokens: {prompt|input, candidates}}}}`; undefined when it is neither. */
export function tokensOf(usage: unknown): Tokens | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const u = usage as Record<string, unknown>;
  if ('input_tokens' in u || 'output_tokens' in u) {
    const cacheRead = num(u.cache_read_input_tokens);
    return { input: num(u.input_tokens) + num(u.cache_creation_input_tokens), output: num(u.output_tokens), ...(cacheRead ? { cacheRead } : {}) };
  }
  if (u.models && typeof u.models === 'object') {
    const out = { input: 0, output: 0 };
    for (const m of Object.values(u.models as Record<string, { tokens?: Record<string, unknown> }>)) {
      out.input += num(m?.tokens?.prompt ?? m?.tokens?.input);
      out.output += num(m?.tokens?.candidates ?? m?.tokens?.output);
    }
    return out;
  }
  return undefined;
}

/** A worker's total over its attempts (a resumed worker paid for each). */
export function workerUsage(spent: Record<string, { cost?: number; usage?: unknown }> | undefined): { cost?: number; tokens?: Tokens } {
  return runUsage(Object.values(spent ?? {}).map((s) => ({ cost: s.cost, tokens: tokensOf(s.usage) })));
}

/** A run's total over its workers (cost only where some worker reported one). */
export function runUsage(workers: { cost?: number; tokens?: Tokens }[]): { cost?: number; tokens?: Tokens } {
  const withCost = workers.filter((w) => w.cost !== undefined);
  const withTokens = workers.filter((w) => w.tokens);
  return {
    ...(withCost.length ? { cost: Math.round(withCost.reduce((s, w) => s + w.cost!, 0) * 1e6) / 1e6 } : {}),
    ...(withTokens.length ? { tokens: withTokens.reduce((s, w) => ({ input: s.input + w.tokens!.input, output: s.output + w.tokens!.output, ...(s.cacheRead || w.tokens!.cacheRead ? { cacheRead: (s.cacheRead ?? 0) + (w.tokens!.cacheRead ?? 0) } : {}) }), { input: 0, output: 0 } as Tokens) } : {}),
  };
}
