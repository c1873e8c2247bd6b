// The benchmark's report: targets and the Markdown table, from bench/results.json's shape. Used by
// scripts/bench.mjs to print, and to write the figures block of docs/performance.md (also `npm run bench:doc`).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './lib.mjs';

const f1 = (v, unit = ' ms') => (v === null || v === undefined ? '-' : `${v}${unit}`);
const pm = (s, unit) => (s && s.n ? `${f1(s.median, unit)} / ${f1(s.p95, unit)}` : '-');

/** The targets the benchmark reports (PASS / MISS / n/a); it never fails on them. */
export function targetsOf(results) {
  const F = results.figures;
  const t = [];
  const add = (name, value, ok, detail) => t.push({ target: name, value, result: ok === undefined ? 'n/a' : ok ? 'PASS' : 'MISS', detail });
  const n32 = F.notice?.[32];
  if (n32) add('completion notice median < 10 ms at 32 workers (baseline ~250 ms)', `wait loop ${f1(n32.waitLibraryPerWorkerMs.median)}; CLI wait (returns once result.md is written) ${f1(n32.waitCliLastExitMs.median)}; baseline ${f1(n32.baselinePoll500Ms.median)}`, (n32.waitLibraryPerWorkerMs.median ?? Infinity) < 10);
  const l4 = F.launch?.[4];
  const l32 = F.launch?.[32];
  if (l4) add('launch of 4 workers < 300 ms as one CLI call; 32 < 1.5 s', `spawn --worker x4 ${f1(l4.oneCliSpawnMs?.median)}${l32 ? `, x32 ${f1(l32.oneCliSpawnMs?.median)}` : ''}; 4 x spawn ${f1(l4.cliSpawnMs.median)}, library ${f1(l4.libraryMs.median)}`, (l4.oneCliSpawnMs?.median ?? Infinity) < 300 && (!l32 || (l32.oneCliSpawnMs?.median ?? Infinity) < 1500), 'median');
  const n1 = F.notice?.[1];
  if (n1) add('a lone end -> result.md on disk < 50 ms', `${f1(n1.resultOnDiskMs.median)} (the wait loop sees the exit in ${f1(n1.waitLibraryPerWorkerMs.median)})`, (n1.resultOnDiskMs.median ?? Infinity) < 50);
  const burst = F.waiters?.figures?.[32];
  if (burst) {
    const ns = Object.keys(burst);
    const ahead = ns.every((n) => burst[n].wait.median < burst[n].poller500.median);
    const at16 = burst[16] ?? burst[ns[ns.length - 1]];
    add('burst of 32 ends: 16 concurrent waits each return < 200 ms (median) after the last exit, ahead of the 500 ms pollers at every N', `${ns.map((n) => `N=${n}: ${f1(burst[n].wait.median)} vs ${f1(burst[n].poller500.median)}`).join('; ')}`, at16.wait.median < 200 && ahead);
  }
  const m64 = F.monitor?.[64];
  if (m64) {
    const calls = Object.values(F.monitor).map((m) => m.noChange.tmuxCalls.median);
    add('no-change monitor pass over 64 workers < 150 ms, constant tmux processes', `${f1(m64.noChange.ms.median)}; tmux calls ${calls.join('/')} at ${Object.keys(F.monitor).join('/')} workers`, m64.noChange.ms.median < 150 && new Set(calls).size === 1);
  }
  if (F.memory?.runnerRssMB) {
    const M = F.memory;
    const base = M.runnerRssMB.median + (M.pipePaneCatRssMB.median ?? 0);
    add('overhead per live worker < 5 MB RSS (runner + pipe-pane cat; exec agents also tee)', `runner ${f1(M.runnerRssMB.median, ' MB')} RSS (${f1(M.runnerPssMB.median, ' MB')} PSS) + cat ${f1(M.pipePaneCatRssMB.median, ' MB')} = ${base.toFixed(1)} MB; + tee ${f1(M.teeRssMB?.median, ' MB')} = ${(base + (M.teeRssMB?.median ?? 0)).toFixed(1)} MB`, base + (M.teeRssMB?.median ?? 0) < 5);
  }
  if (F.status) add('status --json < 250 ms (1,000 finished runs, 64 live workers)', f1(F.status.ms.median), F.status.ms.median < 250);
  if (F.ended) add('memory of an ended run: 0 MB of our processes left', `${f1(F.ended.rssLeftMB.max, ' MB')} left at most; none left ${f1(F.ended.msUntilNoneLeft.median)} after review returned (${F.ended.neverEmptied} runs never emptied)`, F.ended.rssLeftMB.max === 0 && F.ended.neverEmptied === 0);
  if (F.send) add('send: 100% submitted exactly once', `${(F.send.exactlyOnceShare * 100).toFixed(1)}% of ${F.send.messages}`, F.send.exactlyOnceShare === 1);
  return t;
}

/** The figures as a Markdown table: orch-tmux beside the baseline measured in the same run. */
export function tableOf(results) {
  const F = results.figures;
  const rows = [['Figure', 'orch-tmux median / p95', 'baseline median / p95']];
  if (F.startup) rows.push(['Node start-up: `node dist/cli.js --version` (bare `node -e 0`) [CPU: CLI, settle step imports, bare]', `${pm(F.startup.cliVersionMs)} (${pm(F.startup.nodeBareMs)}) [${f1(F.startup.cliVersionCpuS?.median, ' s')}, ${f1(F.startup.settleImportCpuS?.median, ' s')}, ${f1(F.startup.nodeBareCpuS?.median, ' s')}]`, '']);
  if (F.startup) rows.push(['tmux floor: one client spawn -> exit; wait-for -S -> waiter exits', `${pm(F.startup.tmuxClientMs)}; ${pm(F.startup.tmuxWakeMs)}`, '']);
  for (const [n, x] of Object.entries(F.notice ?? {})) {
    rows.push([`Completion notice, ${n} workers: exit -> wait loop sees it (per worker)`, pm(x.waitLibraryPerWorkerMs), `500 ms poller: ${pm(x.baselinePoll500Ms)}`]);
    rows.push([`  ${n} workers: last exit -> \`orch-tmux wait\` returns (n=${x.waitCliLastExitMs.n})`, pm(x.waitCliLastExitMs), '']);
    rows.push([`  ${n} workers: exit -> result.md on disk; endedAt; one runStatus (wait's check)`, `${pm(x.resultOnDiskMs)}; ${pm(x.endedAtMs)}; ${pm(x.runStatusMs)}`, '']);
  }
  for (const [n, x] of Object.entries(F.launch ?? {})) {
    const share = (v) => (v === null || v === undefined ? '' : `, ${Math.round(v * 100)}% Node start-up`);
    rows.push([`Launch ${n} workers: ${n} x \`orch-tmux spawn\` -> all agents running [CPU per worker]`, `${pm(x.cliSpawnMs)} [${f1(x.cliCpuSPerWorker.median, ' s')}${share(x.nodeStartShareCli)}]`, '']);
    rows.push([`  ${n} workers: one \`orch-tmux spawn --worker ...\` [CPU per worker]`, `${pm(x.oneCliSpawnMs)} [${f1(x.oneCliCpuSPerWorker?.median, ' s')}]`, '']);
    rows.push([`  ${n} workers: library, one process incl. its start (in-process part) [CPU per worker]`, `${pm(x.libraryMs)} (${pm(x.libraryInProcessMs)}) [${f1(x.libraryCpuSPerWorker.median, ' s')}${share(x.nodeStartShareLibrary)}]`, '']);
  }
  for (const [n, x] of Object.entries(F.monitor ?? {})) {
    rows.push([`Monitor pass, ${n} workers, nothing changed [CPU] (tmux calls, captures)`, `${pm(x.noChange.ms)} [${f1(x.noChange.cpuS.median, ' s')}] (${x.noChange.tmuxCalls.median} calls, ${x.noChange.captured.median} captures)`, `capture-pane every pane: ${pm(x.baselineCaptureAll.ms)} (${n} tmux processes)`]);
    rows.push([`  ${n} workers, all changed [CPU] (tmux calls)`, `${pm(x.allChanged.ms)} [${f1(x.allChanged.cpuS.median, ' s')}] (${x.allChanged.tmuxCalls.median} calls)`, '']);
  }
  for (const [n, x] of Object.entries(F.watch ?? {})) {
    rows.push([`Watching cost, ${n} idle workers: CPU s per worker-hour (runners + monitor every 30 s | poller)`, `${x.orch.cpuSPerWorkerHour} s`, `${x.baseline.cpuSPerWorkerHour} s (sweep ${pm(x.baseline.sweepMs)})`]);
  }
  if (F.memory?.runnerRssMB) {
    rows.push(['Memory per live worker: runner RSS (PSS) + pipe-pane cat RSS (PSS) + an exec agent\'s tee RSS (PSS)', `${pm(F.memory.runnerRssMB, ' MB')} (${pm(F.memory.runnerPssMB, ' MB')}) + ${pm(F.memory.pipePaneCatRssMB, ' MB')} (${pm(F.memory.pipePaneCatPssMB, ' MB')}) + ${pm(F.memory.teeRssMB, ' MB')} (${pm(F.memory.teePssMB, ' MB')})`, 'poller: 0 per worker']);
  }
  if (F.status) rows.push([`status --json: ${F.status.indexedRuns} runs indexed, ${F.status.liveWorkers} live workers [CPU] (tmux processes)`, `${pm(F.status.ms)} [${f1(F.status.cpuS.median, ' s')}] (${F.status.tmuxProcesses ?? 'count: full run only'})`, '']);
  if (F.status) rows.push(['  status <run> --json (one live run)', pm(F.status.oneRunMs), '']);
  for (const [w, byN] of Object.entries(F.waiters?.figures ?? {})) {
    for (const [n, x] of Object.entries(byN)) {
      rows.push([`Last exit -> each of ${n} concurrent \`wait\`s returns, ${w} workers: median / max (missed wake-ups)`, `${f1(x.wait.median)} / ${f1(x.wait.max)} (${x.missedWakeups})`, `${n} x 500 ms poller: ${f1(x.poller500.median)} / ${f1(x.poller500.max)}`]);
    }
  }
  if (F.ended) rows.push(['An ended run (`review --dry-run`): RSS of our processes still there (looked at for up to 10 s after it returned); time until none is left', `${pm(F.ended.rssLeftMB, ' MB')}; ${pm(F.ended.msUntilNoneLeft)}`, '']);
  if (F.send) rows.push([`send: ${F.send.messages} mixed messages`, `${F.send.perSecond} msg/s, ${(F.send.exactlyOnceShare * 100).toFixed(1)}% exactly once; per send ${pm(F.send.perSendMs)}`, '']);
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  return [line(rows[0]), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

/** One line saying where and when the figures were measured. */
export function headerOf(meta) {
  const load = meta.loadavg?.start;
  return `Measured ${meta.date.slice(0, 10)} (${meta.quick ? '--quick' : 'full run'}): ${meta.cpus} x ${meta.cpuModel}, ${meta.memGB} GB, load ${load ?? '?'} at the start; ${meta.tmux}, node ${meta.node}; ${meta.durationS} s, ${meta.cpuSeconds} CPU-s.`;
}

/** The block of docs/performance.md that scripts/perf-doc.mjs writes: the header line, the table, the targets. */
export function docBlockOf(results) {
  const targets = targetsOf(results).map((t) => `- **${t.result}** ${t.target}: ${t.value}`);
  return [headerOf(results.meta), '', tableOf(results), '', 'Targets (reported, never enforced):', '', ...targets].join('\n');
}

/** The markers around that block. */
export const DOC_BEGIN = '<!-- bench:begin: written by `npm run bench:doc` from bench/results.json; do not edit by hand -->';
export const DOC_END = '<!-- bench:end -->';

/** Brings docs/performance.md's figures block in line with `results`; with `check`, only says whether it is. */
export function syncDoc(results, { check = false } = {}) {
  const docPath = join(root, 'docs', 'performance.md');
  const doc = readFileSync(docPath, 'utf8');
  const begin = doc.indexOf(DOC_BEGIN);
  const end = doc.indexOf(DOC_END);
  if (begin < 0 || end < begin) throw new Error(`${docPath} has no ${DOC_BEGIN} ... ${DOC_END} block: add the two markers where the figures go`);
  const next = `${doc.slice(0, begin + DOC_BEGIN.length)}\n${docBlockOf(results)}\n${doc.slice(end)}`;
  if (next === doc) return true;
  if (!check) writeFileSync(docPath, next);
  return false;
}
