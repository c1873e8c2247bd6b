// What each end-to-end test needs: the loopback stub, a CODEX_HOME of its own, and codex on PATH.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { test as base } from '../helpers/tmux-server.js';
import type { TestServer } from '../helpers/tmux-server.js';
// @ts-expect-error plain ESM module without types
import { startCodexStub } from './codex-stub.mjs';

export interface CodexStub {
  port: number;
  baseUrl: string;
  requests: { method: string; url: string; kind: string; body: { input?: { role?: string; type?: string; content?: { text?: string }[]; output?: string }[] } }[];
  close(): Promise<void>;
}

export interface CodexEnv {
  stub: CodexStub;
  home: string;
  work: string;
  env: Record<string, string | undefined>;
}

/** The config.toml from the reference: the stub as the provider, no update checks, analytics or plugins. */
export function codexConfig(port: number, work: string, idleTimeoutMs = 20_000, extra: string[] = []): string {
  return [
    'model = "gpt-5.5"',
    'model_provider = "stub"',
    'check_for_update_on_startup = false',
    '[model_providers.stub]',
    'name = "loopback stub"',
    `base_url = "http://127.0.0.1:${port}/v1"`,
    'env_key = "STUB_API_KEY"',
    'wire_api = "responses"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    `stream_idle_timeout_ms = ${idleTimeoutMs}`,
    '[features]',
    'plugins = false',
    '[analytics]',
    'enabled = false',
    '[notice.model_migrations]',
    '"gpt-5.5" = "gpt-6-sol"',
    `[projects."${work}"]`,
    'trust_level = "trusted"',
    ...extra,
    '',
  ].join('\n');
}

/** Starts the stub and writes a CODEX_HOME for one test; the env puts codex first on PATH. */
export async function codexFor(server: TestServer, idleTimeoutMs?: number, extraConfig: string[] = []): Promise<CodexEnv> {
  const stub = (await startCodexStub()) as CodexStub;
  const home = join(server.dir, 'codex-home');
  const work = join(server.dir, 'work');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'config.toml'), codexConfig(stub.port, work, idleTimeoutMs, extraConfig));
  const env = { ...server.env, CODEX_HOME: home, STUB_API_KEY: 'stub-key', PATH: `${inject('codexDir' as never)}:${server.env.PATH}` };
  return { stub, home, work, env };
}

/** The last user message text of a recorded request (what codex sent as the prompt). */
export function lastUserText(req: CodexStub['requests'][number]): string {
  const input = req.body.input ?? [];
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i]!;
    if (item.role === 'user') return (item.content ?? []).map((c) => c.text ?? '').join('');
  }
  return '';
}

/** `test` with a tmux server, skipped with the reason printed when codex could not be installed outside CI. */
export const test = base.skipIf(Boolean(inject('codexSkip' as never)));
