// Pure: when a usage or rate limit resets, from the words an agent prints ("try again in 2 hours 13
// minutes", "try again at 3:45 PM", "resets 3pm", an ISO time). No clock: the caller passes `nowMs`, the
// time the words were printed (a relative time counts from then: callers remember the first answer).

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Epoch ms of the reset the text names, or undefined when it names none. */
export function resetTime(text: string, nowMs: number): number | undefined {
  const iso = /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/.exec(text);
  if (iso) {
    const t = Date.parse(iso[0].replace(' ', 'T'));
    if (!Number.isNaN(t)) return t;
  }
  const within = /\b(?:in|after)\s+((?:\d+\s*(?:seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d)\b[\s,]*(?:and\s+)?)+)/i.exec(text);
  if (within) {
    let ms = 0;
    for (const m of within[1]!.matchAll(/(\d+)\s*([a-z]+)/gi)) ms += Number(m[1]) * (UNIT_MS[m[2]!.toLowerCase()[0]!] ?? 0);
    if (ms > 0) return nowMs + ms;
  }
  const at = /\b(?:at|resets?(?:\s+at)?)\s+(\d{1,2})(?::(\d{2}))?\s*([ap]\.?m\.?)?/i.exec(text);
  if (at && (at[2] !== undefined || at[3] !== undefined)) {
    let hour = Number(at[1]);
    const pm = at[3]?.toLowerCase().startsWith('p');
    if (at[3]) hour = (hour % 12) + (pm ? 12 : 0);
    if (hour > 23) return undefined;
    const d = new Date(nowMs);
    d.setHours(hour, Number(at[2] ?? 0), 0, 0);
    // Today's, up to an hour past (the words may be read a while after they were printed); else tomorrow's.
    return d.getTime() > nowMs - UNIT_MS.h! ? d.getTime() : d.getTime() + UNIT_MS.d!;
  }
  return undefined;
}
