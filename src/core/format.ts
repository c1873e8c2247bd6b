// Durations people type: `90s`, `30m`, `12h`, `7d`, a plain number of seconds, or `forever` (config keys and
// command options share this one reading).

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds for `90s`, `30m`, `12h`, `7d` or a plain number of seconds; Infinity for `forever`; undefined when it is none of these. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * 1000 : undefined;
  const t = text.trim();
  if (t === 'forever') return Infinity;
  const m = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/.exec(t);
  return m ? Number(m[1]) * UNIT_MS[m[2] || 's']! : undefined;
}
