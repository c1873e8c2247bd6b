// The MCP server on stdio (the official SDK's low-level Server): tools/list gives every tool with its JSON
// Schema, tools/call runs it (call.ts). stdout carries the protocol only: the commands' output is captured,
// their diagnostics go to stderr (clients log a server's stderr).
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { packageVersion } from '../os/version.js';
import { callTool, type CallPlace } from './call.js';
import { annotations, inputSchema, toolSpecs } from './tools.js';

/** What clients show the model about the server as a whole. */
const INSTRUCTIONS = [
  'orch-tmux runs AI coding agents as parallel workers in tmux and merges their answers.',
  'Non-blocking: start with review or run (they return the run id at once) or new + spawn; then call wait',
  '(bounded) until nothing runs; then read result (worker synth holds a review\'s merged answer).',
  'A stuck worker: explain, then approve/deny, send (only when it waits for input), resume or kill.',
].join(' ');

/** An MCP server whose tools run orch-tmux commands at `place`. */
export function createServer(place: CallPlace): Server {
  const server = new Server({ name: 'orch-tmux', version: packageVersion() }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: toolSpecs().map((t) => ({ name: t.name, description: t.description, inputSchema: inputSchema(t) as { type: 'object' }, annotations: annotations(t) })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const answer = await callTool(request.params.name, request.params.arguments, place);
    return { content: [{ type: 'text' as const, text: answer.text }], ...(answer.isError ? { isError: true } : {}) };
  });
  return server;
}

/** Serves on this process's stdin and stdout until the client closes stdin. */
export async function serveStdio(place: CallPlace): Promise<void> {
  // Anything a library prints with console.log would corrupt the protocol on stdout.
  console.log = (...args: unknown[]) => console.error(...args);
  const server = createServer(place);
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    server.onclose = resolve;
  });
  await server.connect(new StdioServerTransport());
  await closed;
  await server.close().catch(() => undefined);
}
