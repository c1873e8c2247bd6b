// The compact shapes MCP tools answer with by default: what an orchestrating agent acts on (each worker's
// name, state, reason; for status the result's path), not the whole record (`full: true` gives the CLI's
// --json shape). An agent polling a run pays for every byte it reads: see docs/agents-orchestrating.md.

interface FullWorker {
  name: string;
  state: string;
  reason?: string;
  result?: string | null;
}

/** A worker as status shows it compactly: name, state, and the reason or result path where there is one. */
function statusWorker(w: FullWorker): Record<string, unknown> {
  return { name: w.name, state: w.state, ...(w.reason ? { reason: w.reason } : {}), ...(w.result ? { result: w.result } : {}) };
}

function statusRun(r: Record<string, unknown>): Record<string, unknown> {
  const plan = r.plan as { steps?: { title: string; status: string }[] } | null | undefined;
  return {
    run: r.run, state: r.state, dir: r.dir,
    ...(plan?.steps ? { plan: plan.steps.map((s) => ({ title: s.title, status: s.status })) } : {}),
    workers: ((r.workers ?? []) as FullWorker[]).map(statusWorker),
  };
}

const ENDED = new Set(['done', 'failed', 'killed', 'lost']);

/** Compacts a tool's parsed --json output; tools without a compact shape answer as the CLI does. */
export function compactOutput(tool: string, out: Record<string, unknown>): Record<string, unknown> {
  switch (tool) {
    case 'status':
      return Array.isArray(out.runs) ? { runs: (out.runs as Record<string, unknown>[]).map(statusRun) } : statusRun(out);
    case 'wait': {
      const workers = (out.workers ?? []) as FullWorker[];
      return {
        run: out.run, state: out.state, ...(out.outcome ? { outcome: out.outcome, reason: out.reason } : {}), timedOut: out.timedOut, exitCode: out.exitCode,
        ended: workers.filter((w) => ENDED.has(w.state)).map((w) => ({ name: w.name, state: w.state, ...(w.reason ? { reason: w.reason } : {}) })),
        running: workers.filter((w) => !ENDED.has(w.state)).map((w) => w.name),
      };
    }
    case 'spawn': {
      const started = (Array.isArray(out.workers) ? out.workers : [out]) as { worker: string; state: string }[];
      return { run: out.run, workers: started.map((w) => ({ name: w.worker, state: w.state })) };
    }
    default:
      return out;
  }
}
