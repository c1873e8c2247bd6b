// Durations, both ways: the ones people type (`90s`, `30m`, `12h`, `7d`, a plain number of seconds, `forever`:
// config keys and command options share this one reading) and the ones people read (tables, the board, reports).

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds for `90s`, `30m`, `12h`, `7d` or a plain number of seconds; Infinity for `forever`; undefined when it is none of these. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text * 1000 : undefined;
  const t = text.trim();
  if (t === 'forever') return Infinity;
  const m = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/.exec(t);
  return m ? Number(m[1]) * UNIT_MS[m[2] || 's']! : undefined;
}

/** A duration for people: 850 ms, 12.4 s, 3 min 5 s, 1 h 2 min. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** How long ago, for people: `now` under 2 s, `12 s ago`, `3 min 5 s ago`, `1 h 2 min ago`. */
export function formatAgo(thenMs: number | undefined, nowMs: number): string {
  if (thenMs === undefined || !Number.isFinite(thenMs)) return '-';
  const s = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  return s < 2 ? 'now' : s < 60 ? `${s} s ago` : `${formatDuration(s * 1000)} ago`;
}

/** How old, in its largest whole unit, for a column read at a glance: `40 s`, `12 min`, `3 h`, `2 d`. */
export function formatAge(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min` : s < 172_800 ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 86_400)} d`;
}
