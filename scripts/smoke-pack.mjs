#!/usr/bin/env node
// Smoke test of the published shape: `npm pack`, install the tarball into an empty folder, run the
// installed `orch-tmux --help` and `--version`. Exits 1 with the failing step and its output.
// Usage: node scripts/smoke-pack.mjs [--root DIR] [--skip-build] [--keep]
//   --root: the package to pack (default: this repo); --skip-build: pack the dist/ that is there (npm pack
//   --ignore-scripts, so `prepare` does not rebuild dist/ under tests that are running it); --keep: keep the temp folder.
import { $, fs, os, path, within } from 'zx';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { root: { type: 'string' }, keep: { type: 'boolean' }, 'skip-build': { type: 'boolean' } } });
const root = path.resolve(values.root ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const pkg = await fs.readJson(path.join(root, 'package.json'));
const work = await fs.mkdtemp(path.join(os.tmpdir(), 'orch-smoke-pack-'));
const log = (text) => process.stdout.write(`smoke-pack: ${text}\n`);

// One named step; a failure says which step, which command and what it printed.
async function step(name, fn) {
  try {
    return await fn();
  } catch (error) {
    const out = [error.stderr, error.stdout].filter((s) => s && s.trim()).join('\n').trim().split('\n').slice(-20).join('\n');
    const why = error.exitCode === undefined || error.exitCode === null ? error.message : `exited ${error.exitCode}`;
    throw new Error(`${name} failed: ${why}${out ? `\n${out}` : ''}`);
  }
}

try {
  const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {});
  for (const bin of values['skip-build'] ? bins : []) {
    if (!fs.existsSync(path.join(root, bin))) throw new Error(`--skip-build, but ${bin} is not built in ${root}: run \`npm run build\` first`);
  }
  const packDir = path.join(work, 'pack');
  const appDir = path.join(work, 'app');
  await fs.mkdirp(packDir);
  await fs.mkdirp(appDir);

  const tarball = await step('npm pack', () => within(async () => {
    $.cwd = root;
    const scripts = values['skip-build'] ? ['--ignore-scripts'] : [];
    const out = await $`npm pack --json ${scripts} --pack-destination ${packDir}`.quiet();
    // prepare scripts may print before the JSON; it is the last thing on stdout.
    const json = JSON.parse(out.stdout.slice(out.stdout.lastIndexOf('\n[') + 1));
    return path.join(packDir, json[0].filename);
  }));
  log(`packed ${path.basename(tarball)}`);

  // A package.json of its own, so npm installs here and not into some folder above.
  await fs.writeJson(path.join(appDir, 'package.json'), { name: 'orch-smoke-app', version: '0.0.0', private: true });
  await step('npm install of the tarball', () => within(async () => {
    $.cwd = appDir;
    await $`npm install --no-audit --no-fund ${tarball}`.quiet();
  }));
  log(`installed into ${appDir}`);

  const help = await step('npx orch-tmux --help', () => within(async () => {
    $.cwd = appDir;
    return (await $`npx --no -- orch-tmux --help`.quiet()).stdout;
  }));
  if (!/^Usage: orch-tmux /m.test(help) || !/^Commands:$/m.test(help)) {
    throw new Error(`npx orch-tmux --help printed no usage and command list:\n${help}`);
  }
  log('orch-tmux --help ok');

  const version = await step('npx orch-tmux --version', () => within(async () => {
    $.cwd = appDir;
    return (await $`npx --no -- orch-tmux --version`.quiet()).stdout.trim();
  }));
  if (version !== pkg.version) throw new Error(`npx orch-tmux --version printed ${JSON.stringify(version)}, expected ${JSON.stringify(pkg.version)}`);
  log(`orch-tmux --version ok (${version})`);

  // The built-in templates ship in the tarball (package.json "files"), or nothing works after install.
  if (fs.existsSync(path.join(root, 'templates'))) {
    const templates = await step('npx orch-tmux templates list', () => within(async () => {
      $.cwd = appDir;
      return (await $`npx --no -- orch-tmux templates list`.quiet()).stdout;
    }));
    if (!/^reviewer\b/m.test(templates)) throw new Error(`npx orch-tmux templates list does not list the built-in reviewer:\n${templates}`);
    log('orch-tmux templates list ok');
  }
  log('ok');
} catch (error) {
  process.stderr.write(`smoke-pack: FAILED: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  if (values.keep) log(`kept ${work}`);
  else await fs.remove(work);
}
