// Loopback stub of the streamed OpenAI Responses API, enough to drive the real Codex CLI offline.
// Directives in the last user message steer it: [[reply:TEXT]] [[shell:CMD]] [[shell-escalated:CMD]]
// [[hang]] [[hang-once]] [[fail]] [[http500]] [[mcp:TOOL:JSON]] (one call of orch-tmux's MCP tool TOOL);
// [[orchestrate:WAY|DOC|AGENT]] makes it an orchestrating agent (orchestrate.mjs): every turn of that
// conversation is the script's next tool call, then its answer. The default reply is "stub reply" (+ " for lens x").
import { createServer } from 'node:http';
import { closeLoopback, listenLoopback, sendJson } from './loopback.mjs';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { nextStep, ORCHESTRATE, shellTool } from './orchestrate.mjs';

const DIRECTIVE = /\[\[(reply|shell-escalated|shell|hang-once|hang|fail|http500|mcp)(?::([\s\S]*?))?\]\]/;

/** The namespace codex gives orch-tmux's MCP tools (server orch-tmux; hyphens become underscores). */
const MCP_NAMESPACE = 'mcp__orch_tmux';

// Starts the stub on 127.0.0.1 (port 0) and resolves to { port, baseUrl, requests, close() }.
export async function startCodexStub() {
  const requests = [];
  const hanging = new Set();
  const hungOnce = new Set();
  let seq = 0;
  // Short unique ids for responses, items and calls.
  const nextId = (prefix) => `${prefix}_stub${String(++seq).padStart(4, '0')}`;

  // Reads each body fully before routing it.
  const server = createServer((req, res) => {
    readBody(req).then(
      (raw) => handle(req, res, raw),
      () => sendJson(res, 400, { error: { message: 'stub could not read the request body' } }),
    );
  });

  // Records the request (with its kind) and routes it.
  function handle(req, res, raw) {
    const body = parseJson(raw);
    const path = (req.url ?? '').split('?')[0];
    const isResponses = req.method === 'POST' && path === '/v1/responses';
    const json = body && typeof body === 'object' ? body : {};
    const kind = isResponses ? requestKind(req.headers, json) : 'other';
    requests.push({ method: req.method, url: req.url, headers: req.headers, body: body ?? raw.toString('utf8'), kind });
    if (!isResponses) {
      sendJson(res, 404, { error: { message: `stub has no route ${req.method} ${path}` } });
      return;
    }
    respond(res, json, kind);
  }

  // Picks the answer for one /v1/responses request from its kind and input items.
  function respond(res, body, kind) {
    const input = Array.isArray(body.input) ? body.input : [];
    if (kind === 'title') return streamText(res, JSON.stringify({ title: 'Stub task' }));
    const orchestrate = ORCHESTRATE.exec(lastUserText(input));
    if (orchestrate) return orchestrateTurn(res, orchestrate, input);
    if (kind === 'tool-output') return streamText(res, `ran: ${summarizeOutput(input[input.length - 1].output)}`);
    const prompt = lastUserText(input);
    const match = DIRECTIVE.exec(prompt);
    const directive = match ? match[1] : 'default';
    const arg = match && match[2] !== undefined ? match[2] : '';
    switch (directive) {
      case 'reply':
        return streamText(res, arg);
      case 'shell':
        return streamCall(res, { cmd: arg, login: false });
      case 'shell-escalated':
        return streamCall(res, {
          cmd: arg,
          login: false,
          sandbox_permissions: 'require_escalated',
          justification: 'stub wants to run a command',
        });
      case 'hang':
        return hang(res);
      case 'hang-once':
        if (hungOnce.has(prompt)) return streamText(res, defaultText(prompt));
        hungOnce.add(prompt);
        return hang(res);
      case 'fail':
        return streamFail(res, 'stub failure');
      case 'http500':
        return sendJson(res, 500, { error: { message: 'stub http 500', type: 'server_error', code: 'server_error' } });
      case 'mcp': {
        const colon = arg.indexOf(':');
        return streamMcpCall(res, arg.slice(0, colon), JSON.parse(arg.slice(colon + 1)));
      }
      default:
        return streamText(res, defaultText(prompt));
    }
  }

  // Streams an assistant text message and completes the response.
  function streamText(res, text) {
    const responseId = nextId('resp');
    const itemId = nextId('msg');
    startStream(res, responseId);
    const item = { type: 'message', role: 'assistant', id: itemId, status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] };
    sendEvent(res, 'response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
    sendEvent(res, 'response.output_text.delta', { item_id: itemId, output_index: 0, content_index: 0, delta: text });
    sendEvent(res, 'response.output_item.done', { output_index: 0, item });
    finish(res, responseId);
  }

  // Streams an exec_command function call that codex should run and answer (login: false skips shell profiles).
  function streamCall(res, args) {
    const responseId = nextId('resp');
    startStream(res, responseId);
    const item = { type: 'function_call', id: nextId('fc'), call_id: nextId('call'), name: 'exec_command', arguments: JSON.stringify(args), status: 'completed' };
    sendEvent(res, 'response.output_item.added', { output_index: 0, item });
    sendEvent(res, 'response.output_item.done', { output_index: 0, item });
    finish(res, responseId);
  }

  // Streams a call of one of orch-tmux's MCP tools, the way codex offers them to gpt-5.3-codex: a function in a namespace.
  function streamMcpCall(res, tool, args) {
    const responseId = nextId('resp');
    startStream(res, responseId);
    const item = { type: 'function_call', id: nextId('fc'), call_id: nextId('call'), name: tool, namespace: MCP_NAMESPACE, arguments: JSON.stringify(args), status: 'completed' };
    sendEvent(res, 'response.output_item.added', { output_index: 0, item });
    sendEvent(res, 'response.output_item.done', { output_index: 0, item });
    finish(res, responseId);
  }

  // One turn of the scripted orchestrator: its next tool call (MCP, or orch-tmux through exec_command), or its answer.
  function orchestrateTurn(res, [, way, doc, agent], input) {
    const step = nextStep(way, doc, agent, toolHistory(input));
    if (step.final !== undefined) return streamText(res, step.final);
    if (step.tool) return streamMcpCall(res, step.tool, step.args);
    // A wait may take its whole timeout: codex must not hand back a half-finished command.
    return streamCall(res, { cmd: step.command, login: false, yield_time_ms: 30_000 });
  }

  // Streams response.failed with an error message.
  function streamFail(res, message) {
    const responseId = nextId('resp');
    startStream(res, responseId);
    sendEvent(res, 'response.failed', { response: { id: responseId, status: 'failed', error: { code: 'server_error', message } } });
    res.end();
  }

  // Sends response.created and then nothing, keeping the socket open until close().
  function hang(res) {
    startStream(res, nextId('resp'));
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
  }

  // Writes the SSE headers and the response.created event.
  function startStream(res, responseId) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    sendEvent(res, 'response.created', { response: { id: responseId, status: 'in_progress' } });
  }

  // Sends response.completed with a small usage block and ends the stream.
  function finish(res, responseId) {
    const usage = { input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 };
    sendEvent(res, 'response.completed', { response: { id: responseId, status: 'completed', usage } });
    res.end();
  }

  const port = await listenLoopback(server);

  const close = () => closeLoopback(server, hanging);

  return { port, baseUrl: `http://127.0.0.1:${port}/v1`, requests, close };
}

// Writes one SSE event whose data repeats the event name as `type`.
function sendEvent(res, type, payload) {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`);
}

// Reads the whole request body, undoing gzip/deflate/br content encodings.
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const buf = Buffer.concat(chunks);
      const enc = String(req.headers['content-encoding'] ?? '').toLowerCase();
      try {
        if (enc === 'gzip') resolve(gunzipSync(buf));
        else if (enc === 'deflate') resolve(inflateSync(buf));
        else if (enc === 'br') resolve(brotliDecompressSync(buf));
        else resolve(buf);
      } catch {
        resolve(buf);
      }
    });
  });
}

// 'title' for the TUI's side request naming the thread (it quotes the prompt, directives included),
// 'tool-output' when codex returns a function_call_output, else 'turn'.
function requestKind(headers, body) {
  let meta = {};
  try {
    meta = JSON.parse(String(headers['x-codex-turn-metadata'] ?? '{}'));
  } catch {}
  const input = Array.isArray(body.input) ? body.input : [];
  if (meta.thread_source === 'thread_title' || /^Generate a concise, single-line task title/.test(lastUserText(input))) return 'title';
  if (input[input.length - 1]?.type === 'function_call_output') return 'tool-output';
  return 'turn';
}

// The tool calls of a conversation in order, each with the text it returned: the MCP tool's name, or the
// orch-tmux command an exec_command ran.
function toolHistory(input) {
  const calls = new Map();
  const history = [];
  for (const item of input) {
    if (item?.type === 'function_call') {
      let args = {};
      try {
        args = JSON.parse(item.arguments ?? '{}');
      } catch {}
      calls.set(item.call_id, item.namespace === MCP_NAMESPACE ? item.name : shellTool(String(args.cmd ?? '')));
    } else if (item?.type === 'function_call_output' && calls.has(item.call_id)) {
      const output = typeof item.output === 'string' ? item.output : contentText(item.output?.content ?? item.output);
      history.push({ tool: calls.get(item.call_id), output });
    }
  }
  return history;
}

// Parses JSON, or returns undefined.
function parseJson(buf) {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return undefined;
  }
}

// Text of the last user message in a Responses API `input` array.
function lastUserText(input) {
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i];
    if (item && item.role === 'user' && (item.type === 'message' || item.type === undefined)) return contentText(item.content);
  }
  return '';
}

// Joins the text parts of a message content (string or array of parts).
function contentText(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (typeof p === 'string' ? p : typeof p?.text === 'string' ? p.text : '')).join('\n');
}

// Default reply: "stub reply", plus " for lens x" when the prompt has a line "LENS: x".
function defaultText(prompt) {
  const lens = /^[ \t]*LENS:[ \t]*(.+?)[ \t]*$/m.exec(prompt);
  // A verifier is asked for a first line `VERDICT: PASS` or `VERDICT: FAIL`: it answers as asked.
  const verdict = /first line of your final message is exactly `VERDICT: PASS`/.test(prompt) ? 'VERDICT: PASS\n' : '';
  return `${verdict}${lens ? `stub reply for lens ${lens[1]}` : 'stub reply'}`;
}

// One-line summary of a function_call_output: the text after "Output:" when codex adds a header.
function summarizeOutput(output) {
  const text = typeof output === 'string' ? output : contentText(output?.content ?? output);
  const marker = text.lastIndexOf('Output:\n');
  const body = (marker >= 0 ? text.slice(marker + 'Output:\n'.length) : text).trim().replace(/\s+/g, ' ');
  return body.length > 200 ? `${body.slice(0, 197)}...` : body || '(no output)';
}
