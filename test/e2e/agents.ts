// What the Claude Code and Gemini CLI end-to-end tests need: a loopback stub of each API, the pinned CLI
// first on PATH, and their config under the test's own HOME.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { test as base, type TestServer } from '../helpers/tmux-server.js';
// @ts-expect-error plain ESM module without types
import { startClaudeStub } from './claude-stub.mjs';
// @ts-expect-error plain ESM module without types
import { startGeminiStub } from './gemini-stub.mjs';

/** A running API stub: what it was asked, the user texts of each model request, and how to stop it. */
export interface AgentStub {
  baseUrl: string;
  /** Claude stub: answers the requests held by [[hold-once]]. Gemini stub: answers the one held by [[hold:NAME]]. */
  release?(name?: string): void;
  /** Gemini stub: whether the request carrying [[hold:NAME]] is waiting for release(NAME). */
  held?(name: string): boolean;
  requests: { method: string; url: string; body: unknown }[];
  turns(): string[][];
  close(): Promise<void>;
}

export interface AgentEnv {
  stub: AgentStub;
  home: string;
  work: string;
  env: Record<string, string | undefined>;
}

/** Claude Code against the stub: API key auth, no telemetry or update checks, 2 retries at most. */
export async function claudeFor(server: TestServer): Promise<AgentEnv> {
  const stub = (await startClaudeStub()) as AgentStub;
  const home = server.env.HOME!;
  const env = {
    ...server.env, ANTHROPIC_BASE_URL: stub.baseUrl, ANTHROPIC_API_KEY: 'sk-stub', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1', PATH: `${inject('claudeDir' as never)}:${server.env.PATH}`,
  };
  return { stub, home, work: join(server.dir, 'work'), env };
}

/** The ~/.gemini/settings.json geminiFor writes. */
export const geminiSettings = {
  security: { auth: { selectedType: 'gemini-api-key' } },
  general: { disableAutoUpdate: true, sessionRetention: { enabled: false } },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
} as const;

/**
 * Gemini CLI against the stub: API-key auth selected in its settings, no telemetry or update checks, and
 * its session cleanup off. On every start gemini deletes the session files of its project folder that hold
 * no user turn yet, another gemini's just-started session included: two workers started together (a
 * review's reviewers) could lose one's file (test/e2e/gemini-sessions.test.ts pins it; GEMINI-NOTES.md).
 */
export async function geminiFor(server: TestServer): Promise<AgentEnv> {
  const stub = (await startGeminiStub()) as AgentStub;
  const home = server.env.HOME!;
  mkdirSync(join(home, '.gemini'), { recursive: true });
  writeFileSync(join(home, '.gemini', 'settings.json'), JSON.stringify(geminiSettings));
  const env = { ...server.env, GEMINI_API_KEY: 'stub-key', GOOGLE_GEMINI_BASE_URL: stub.baseUrl, PATH: `${inject('geminiDir' as never)}:${server.env.PATH}` };
  return { stub, home, work: join(server.dir, 'work'), env };
}

/** ~/.claude.json as after a first start: onboarding done, the stub's API key accepted, `trusted` folders trusted. */
export function claudeStarted(home: string, env: Record<string, string | undefined>, trusted: string[]): void {
  const key = env.ANTHROPIC_API_KEY!;
  writeFileSync(join(home, '.claude.json'), JSON.stringify({
    hasCompletedOnboarding: true,
    customApiKeyResponses: { approved: [key.slice(-20)], rejected: [] },
    projects: Object.fromEntries(trusted.map((dir) => [dir, { hasTrustDialogAccepted: true }])),
  }));
}

/** Claude Code keeps a session in ~/.claude/projects/<cwd with / and . as ->/<id>.jsonl. */
export function claudeSessionFile(home: string, cwd: string, id: string): string {
  return join(home, '.claude', 'projects', cwd.replace(/[/.]/g, '-'), `${id}.jsonl`);
}

export const claudeTest = base.skipIf(Boolean(inject('claudeSkip' as never)));
export const geminiTest = base.skipIf(Boolean(inject('geminiSkip' as never)));
