// The crash tests' oracle: what a run directory must look like whatever moment a writer died at. Pure
// reads of the files of record; returns the problems found (none for a consistent run).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Event { kind: string; worker?: string; detail?: Record<string, unknown> }

const FINISHED = new Set(['done', 'failed', 'killed', 'lost']);

// Every line of events.jsonl that parses (a torn line is skipped, as the readers do).
function eventsOf(runDir: string): Event[] {
  if (!existsSync(join(runDir, 'events.jsonl'))) return [];
  return readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n').flatMap((l) => {
    try {
      return l ? [JSON.parse(l) as Event] : [];
    } catch {
      return [];
    }
  });
}

function json(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** What the index says of a run (its lines merged, later ones winning). */
export function indexEntry(indexFile: string, id: string): Record<string, unknown> | undefined {
  if (!existsSync(indexFile)) return undefined;
  let entry: Record<string, unknown> | undefined;
  for (const line of readFileSync(indexFile, 'utf8').split('\n')) {
    try {
      const e = line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
      if (e?.id === id) entry = { ...entry, ...e };
    } catch {
      /* torn */
    }
  }
  return entry;
}

/**
 * Checks a run once its writers are done: no intent left; each worker's record agrees with its events
 * (last state event's version and state), versions strictly rise with no duplicate event; a done worker
 * has its result; run.json agrees with its end events and the index; plan.json is the last plan event's.
 */
export function inconsistencies(runDir: string, indexFile: string): string[] {
  const problems: string[] = [];
  const events = eventsOf(runDir);
  const committed = new Set(events.map((e) => e.detail?.commit).filter(Boolean));
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  for (const f of walk(runDir).filter((f) => f.endsWith('.next'))) problems.push(`an intent is left: ${f}`);
  const workersDir = join(runDir, 'workers');
  const names = existsSync(workersDir) ? readdirSync(workersDir) : [];
  for (const name of names) {
    const rec = json(join(workersDir, name, 'worker.json'));
    const mine = events.filter((e) => e.worker === name && typeof e.detail?.version === 'number' && e.kind !== 'worker.refused');
    if (!rec) {
      if (mine.length) problems.push(`${name}: events but no readable worker.json`);
      continue;
    }
    const versions = mine.map((e) => e.detail!.version as number);
    if (versions.some((v, i) => i > 0 && v <= versions[i - 1]!)) problems.push(`${name}: event versions not rising: ${versions.join(',')}`);
    const last = mine.at(-1);
    if (!last) problems.push(`${name}: a record (${String(rec.state)}) with no event`);
    else {
      const state = last.kind === 'worker.created' ? (last.detail!.state ?? 'pending') : last.detail!.to;
      if (state !== rec.state || last.detail!.version !== rec.version) problems.push(`${name}: record ${String(rec.state)} v${String(rec.version)}, last event ${String(state)} v${String(last.detail!.version)}`);
    }
    if (rec.commit && !committed.has(rec.commit)) problems.push(`${name}: record's commit ${String(rec.commit)} has no event`);
    if (rec.state === 'done' && !existsSync(join(workersDir, name, 'result.md'))) problems.push(`${name}: done without result.md`);
  }
  const run = json(join(runDir, 'run.json'));
  if (!run) problems.push('run.json unreadable');
  else {
    const ends = events.filter((e) => e.kind === 'run.finished' || e.kind === 'run.killed' || e.kind === 'run.reopened');
    const lastEnd = ends.at(-1)?.kind;
    const ended = run.state === 'finished' || run.state === 'killed';
    if (ended !== (lastEnd === 'run.finished' || lastEnd === 'run.killed')) problems.push(`run.json says ${String(run.state)}, the last run event is ${lastEnd ?? 'none'}`);
    if (run.commit && !committed.has(run.commit)) problems.push(`run.json's commit ${String(run.commit)} has no event`);
    const listed = indexEntry(indexFile, String(run.id));
    if (!listed) problems.push('the run is not in the index');
    else if ((listed.state ?? 'active') !== run.state) problems.push(`the index says ${String(listed.state ?? 'active')}, run.json ${String(run.state)}`);
  }
  const plan = json(join(runDir, 'plan.json'));
  const planEvents = events.filter((e) => e.kind === 'plan.updated');
  if (plan && plan.commit !== planEvents.at(-1)?.detail?.commit) problems.push('plan.json is not the last plan event\'s');
  if (!plan && planEvents.length) problems.push('plan events but no readable plan.json');
  if (existsSync(join(runDir, 'policy.json')) && !json(join(runDir, 'policy.json'))) problems.push('policy.json unreadable');
  return problems;
}

/** True when every worker of the run has a finished state in its record. */
export function allFinished(runDir: string): boolean {
  const workersDir = join(runDir, 'workers');
  const names = existsSync(workersDir) ? readdirSync(workersDir) : [];
  return names.every((n) => FINISHED.has(String(json(join(workersDir, n, 'worker.json'))?.state)));
}
