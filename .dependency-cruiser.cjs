// The architecture on one page: src/ is layered, and imports run down only (each layer may use the layers
// listed before it, never one after it), with no cycles. `npx depcruise src` checks it (CI runs it).
//
//   core        pure: states and transitions, truth from evidence, screen classification, policy decisions,
//               verdicts, plans, paths of a run directory, timing (every timeout), formats. Imports nothing.
//   os          processes, files, atomic writes, locks, file watching, the package's own paths
//   tmux        the tmux client (argv arrays, formats, errors); another host's tmux through a transport
//   contracts   the YAML contracts (zod schemas, FILE:LINE messages) and which project files are trusted
//   agents      agent profiles and their resolution, prompt templates
//   runner      the runner protocol: launch files, facts, the environment file, hooks (scripts/orch-*)
//   sites       where workers live besides here: hosts.yaml, ssh, files shipped and brought home
//   store       the only writer of records: runs, workers, events, the index, plans, policies, settling
//   supervise   what readers see (observe, wait), starting and stopping workers, the monitor
//   pipeline    patterns: stages, rounds, verdicts applied, workspaces (worktrees)
//   views       the board, the report, tables, progress lines
//   skill, mcp  what an orchestrating agent installs and talks to
//   cli         main() and one file per command (cli.ts, index.ts: the entry points)
const LAYERS = ['core', 'os', 'tmux', 'contracts', 'agents', 'runner', 'sites', 'store', 'supervise', 'pipeline', 'views', 'skill', 'mcp', 'cli'];

const layerPath = (l) => (l === 'cli' ? '^src/(cli/|cli\\.ts$|index\\.ts$)' : `^src/${l}/`);

module.exports = {
  forbidden: [
    ...LAYERS.map((layer, i) => ({
      name: `${layer}-imports-down-only`,
      comment: `${layer}/ may use ${LAYERS.slice(0, i).join(', ') || 'nothing of ours'} and itself, never a layer above it`,
      severity: 'error',
      from: { path: layerPath(layer) },
      to: { path: LAYERS.slice(i + 1).map(layerPath).join('|') || '^$' },
    })),
    {
      name: 'core-is-pure',
      comment: 'core/ imports nothing but core/ and Node built-ins (no package, no other folder)',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { pathNot: '^src/core/', dependencyTypesNot: ['core'] },
    },
    {
      name: 'no-cycles',
      comment: 'no module reaches itself through its imports',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'every-file-in-a-layer',
      comment: 'every source file lives in one of the layers',
      severity: 'error',
      from: { path: '^src/', pathNot: `${LAYERS.map(layerPath).join('|')}` },
      to: {},
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
