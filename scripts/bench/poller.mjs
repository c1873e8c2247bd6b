#!/usr/bin/env node
// Bench baseline: the capture-and-hash poller today's tmux agent tools run. Every sweep runs one
// `tmux capture-pane -p` process per pane, one after another, hashes the text (sha256) and, when the
// hash changed, looks for the finished marker (tmux's "Pane is dead" line under remain-on-exit, a bare agent's own
// "[agent exited N]" line, or the
// pane being gone); then it sleeps the interval (500 ms) and sweeps again.
// Usage: node poller.mjs '<json>' with { socket, panes: [%id...], intervalMs?, mode: notice|watch|once, durationMs?, timeoutMs? }
// Prints one JSON object: notices (pane -> wall ms), sweeps, sweepMs[], cpu (s, own and reaped tmux clients).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { now, procCpu, sleep } from './lib.mjs';

const o = JSON.parse(process.argv[2] ?? '{}');
const interval = o.intervalMs ?? 500;
const hashes = new Map();
const notices = {};
const sweepMs = [];
const last = new Map();

function capture(pane) {
  return new Promise((resolve) => {
    execFile('tmux', ['-L', o.socket, 'capture-pane', '-p', '-t', pane], { encoding: 'utf8' }, (error, stdout) => resolve(error ? undefined : stdout));
  });
}

async function sweep() {
  const t0 = now();
  for (const pane of o.panes) {
    if (notices[pane] !== undefined && o.mode === 'notice') continue;
    const text = await capture(pane);
    const t = now();
    if (text === undefined) {
      notices[pane] ??= t; // the window is gone: finished
      continue;
    }
    last.set(pane, text);
    const hash = createHash('sha256').update(text).digest('hex');
    if (hashes.get(pane) !== hash) {
      hashes.set(pane, hash);
      if (/^(Pane is dead|\[agent exited)/m.test(text)) notices[pane] ??= t;
    }
  }
  sweepMs.push(now() - t0);
}

// Let the parent know the poller is running before it counts on it.
process.stderr.write('ready\n');
const cpu0 = process.cpuUsage();
const kids0 = procCpu(process.pid)?.children ?? 0;
const start = now();
if (o.mode === 'once') await sweep();
else {
  const end = start + (o.mode === 'watch' ? o.durationMs : o.timeoutMs ?? 120_000);
  while (now() < end) {
    await sweep();
    if (o.mode === 'notice' && o.panes.every((p) => notices[p] !== undefined)) break;
    await sleep(interval);
  }
}
const elapsed = now() - start;
const own = process.cpuUsage(cpu0);
const kids = (procCpu(process.pid)?.children ?? 0) - kids0;
process.stdout.write(`${JSON.stringify({
  notices, tStart: start, sweeps: sweepMs.length,
  unseen: o.mode === 'notice' ? Object.fromEntries(o.panes.filter((p) => notices[p] === undefined).map((p) => [p, (last.get(p) ?? '').trimEnd().split('\n').slice(-5).join('\n')])) : undefined, sweepMs, elapsedMs: elapsed,
  cpu: { own: (own.user + own.system) / 1e6, tmuxClients: kids, total: (own.user + own.system) / 1e6 + kids },
})}\n`);
