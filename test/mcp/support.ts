// An MCP client (the official SDK's own) talking to `orch-tmux mcp` over stdio, started the way an agent that
// passes no environment starts it: the state folder, runs folder and tmux socket come from its arguments.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { join } from 'node:path';
import { cliPath, type TestServer } from '../helpers/tmux-server.js';

/** A tool call's answer: its JSON text parsed, and whether it was an error. */
export interface Answer {
  isError: boolean;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  bytes: number;
}

export interface McpSession {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<Answer>;
  close(): Promise<void>;
}

/** The server's argv as `mcp install` writes it for this test server. */
export function serverArgs(server: TestServer): string[] {
  return [cliPath, 'mcp', '--home', server.env.ORCH_TMUX_HOME!, '--runs', server.env.ORCH_TMUX_RUNS!, '-L', server.name];
}

/** The test's environment without orch-tmux's own variables: the server must manage with its arguments. */
export function bareEnv(server: TestServer, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env = { ...server.env, ORCH_TMUX_HOME: undefined, ORCH_TMUX_RUNS: undefined, ORCH_TMUX_SOCKET: undefined, ...extra };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/** Starts the server (or `command args`, for a server under another parent) and connects a client to it. */
export async function connectMcp(server: TestServer, o: { env?: Record<string, string>; command?: string; args?: string[] } = {}): Promise<McpSession> {
  const transport = new StdioClientTransport({
    command: o.command ?? process.execPath, args: o.args ?? serverArgs(server), env: o.env ?? bareEnv(server), cwd: join(server.dir, 'work'), stderr: 'pipe',
  });
  const client = new Client({ name: 'orch-tmux-test', version: '1.0.0' });
  await client.connect(transport);
  return {
    client,
    async call(name, args = {}) {
      const r = await client.callTool({ name, arguments: args });
      const text = (r.content as { type: string; text: string }[]).map((c) => c.text).join('');
      return { isError: r.isError === true, json: JSON.parse(text), bytes: Buffer.byteLength(text) };
    },
    close: () => client.close(),
  };
}
