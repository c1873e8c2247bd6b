// Loopback stub of the Anthropic Messages API (SSE streaming, tool use), enough to drive the real Claude
// Code offline. Directives in the first user text of a conversation steer it: [[reply:TEXT]]
// [[write:PATH|TEXT]] (a Write tool call) [[bash:CMD]] (a Bash tool call) [[hang]] [[hang-once]]
// [[hold-once]] (the first such request streams its start, then waits for release() before answering)
// [[fix:PATH|TEXT]] (an implementer's prompt, "Fix the findings", gets a Write of TEXT to PATH; any other
// prompt is answered with a finding that quotes the directive, so it reaches the fix stage);
// [[orchestrate:WAY|DOC|AGENT]] makes it an orchestrating agent (orchestrate.mjs): each turn of that
// conversation is the script's next tool call (orch-tmux's MCP tools, or Bash), then its answer;
// the default reply is "stub reply" (+ " for lens x" when the prompt has a line "LENS: x").
// The API key sk-stub-revoked is refused with 401 authentication_error.
import { createServer } from 'node:http';
import { closeLoopback, listenLoopback, sendJson } from './loopback.mjs';
import { nextStep, ORCHESTRATE, shellTool } from './orchestrate.mjs';

/** How claude names orch-tmux's MCP tools (server orch-tmux): mcp__<server>__<tool>. */
const MCP_PREFIX = 'mcp__orch-tmux__';

const DIRECTIVE = /\[\[(reply|write|bash|fix|hang-once|hang)(?::([\s\S]*?))?\]\]/;

// Starts the stub on 127.0.0.1 (port 0) and resolves to { port, baseUrl, requests, turns(), close() }.
export async function startClaudeStub() {
  const requests = [];
  const hanging = new Set();
  const hungOnce = new Set();
  const held = [];
  let seq = 0;
  const nextId = (prefix) => `${prefix}_stub${String(++seq).padStart(4, '0')}`;

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });

  // Records every request; answers /v1/messages (streamed or not) and count_tokens, 404 elsewhere.
  function handle(req, res, raw) {
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '').split('?')[0];
    requests.push({ method: req.method, url: req.url, headers: req.headers, body: body ?? raw });
    // A revoked key is refused the way the real API refuses one.
    if (req.headers['x-api-key'] === 'sk-stub-revoked') return sendJson(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') return sendJson(res, 200, { input_tokens: 10 });
    if (req.method !== 'POST' || path !== '/v1/messages' || !body) return sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `stub has no route ${req.method} ${path}` } });
    respond(res, body);
  }

  // A tool result last means the tool ran: say what it returned. Otherwise obey the conversation's directive.
  function respond(res, body, holding = true) {
    const messages = Array.isArray(body.messages) ? body.messages : [];
    const orchestrate = userTexts(messages).map((t) => ORCHESTRATE.exec(t)).find(Boolean);
    if (orchestrate && Array.isArray(body.tools) && body.tools.length) return orchestrateTurn(res, body, orchestrate, messages);
    const last = messages[messages.length - 1];
    const toolResult = Array.isArray(last?.content) ? last.content.find((p) => p?.type === 'tool_result') : undefined;
    if (toolResult) return reply(res, body, `tool said: ${oneLine(partText(toolResult.content))}`);
    const prompt = directiveText(messages);
    if (holding && body.stream && /\[\[hold-once\]\]/.test(prompt) && !hungOnce.has(`hold:${prompt}`)) {
      hungOnce.add(`hold:${prompt}`);
      start(res, body);
      held.push(() => respond(res, body, false));
      return;
    }
    const match = DIRECTIVE.exec(prompt);
    const arg = match?.[2] ?? '';
    switch (match?.[1]) {
      case 'reply':
        return reply(res, body, arg);
      case 'write': {
        const [file, ...text] = arg.split('|');
        return toolUse(res, body, 'Write', { file_path: file, content: text.join('|') });
      }
      case 'bash':
        return toolUse(res, body, 'Bash', { command: arg, description: 'stub command' });
      case 'fix': {
        // A verifier sees the finding too: it checks, it does not find again.
        if (/`VERDICT: PASS`/.test(prompt)) return reply(res, body, defaultText(prompt));
        if (!/Fix the findings/.test(prompt)) return reply(res, body, `Finding: the file needs this fix: [[fix:${arg}]]`);
        const [file, ...text] = arg.split('|');
        return toolUse(res, body, 'Write', { file_path: file, content: text.join('|') });
      }
      case 'hang':
        return hang(res, body);
      case 'hang-once':
        if (!hungOnce.has(prompt)) {
          hungOnce.add(prompt);
          return hang(res, body);
        }
        return reply(res, body, defaultText(prompt));
      default:
        return reply(res, body, defaultText(prompt));
    }
  }

  // An assistant text answer, streamed or as one JSON body.
  function reply(res, body, text) {
    const content = [{ type: 'text', text }];
    if (!body.stream) return sendJson(res, 200, message(body, content, 'end_turn'));
    start(res, body);
    event(res, 'content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    event(res, 'content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
    event(res, 'content_block_stop', { index: 0 });
    stop(res, 'end_turn');
  }

  // One tool call (the model asks Claude Code to run a tool), its input streamed as JSON deltas.
  function toolUse(res, body, name, input) {
    const block = { type: 'tool_use', id: nextId('toolu'), name, input: {} };
    if (!body.stream) return sendJson(res, 200, message(body, [{ ...block, input }], 'tool_use'));
    start(res, body);
    event(res, 'content_block_start', { index: 0, content_block: block });
    event(res, 'content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(input) } });
    event(res, 'content_block_stop', { index: 0 });
    stop(res, 'tool_use');
  }

  // One turn of the scripted orchestrator: its next tool call (an MCP tool, or orch-tmux through Bash), or its answer.
  function orchestrateTurn(res, body, [, way, doc, agent], messages) {
    const step = nextStep(way, doc, agent, toolHistory(messages));
    if (step.final !== undefined) return reply(res, body, step.final);
    if (step.tool) return toolUse(res, body, `${MCP_PREFIX}${step.tool}`, step.args);
    return toolUse(res, body, 'Bash', { command: step.command, description: 'orch-tmux', timeout: 60_000 });
  }

  // message_start, then nothing: the socket stays open until the client goes or close() is called.
  function hang(res, body) {
    if (!body.stream) {
      hanging.add(res);
      return;
    }
    start(res, body);
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
  }

  function start(res, body) {
    if (res.headersSent) return;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    event(res, 'message_start', { message: { ...message(body, [], null), usage: { input_tokens: 10, output_tokens: 1 } } });
  }

  function stop(res, reason) {
    event(res, 'message_delta', { delta: { stop_reason: reason, stop_sequence: null }, usage: { output_tokens: 5 } });
    event(res, 'message_stop', {});
    res.end();
  }

  function message(body, content, stopReason) {
    return { id: nextId('msg'), type: 'message', role: 'assistant', model: body.model ?? 'stub', content, stop_reason: stopReason, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 5 } };
  }

  const port = await listenLoopback(server);

  const close = () => closeLoopback(server, hanging);

  // The conversations' user texts, one list per /v1/messages request.
  const turns = () => requests.filter((q) => q.url?.startsWith('/v1/messages') && !q.url.includes('count_tokens') && q.body?.messages).map((q) => userTexts(q.body.messages));

  // Answers the requests held by [[hold-once]].
  const release = () => held.splice(0).forEach((go) => go());

  return { port, baseUrl: `http://127.0.0.1:${port}`, requests, turns, release, close };
}

function event(res, type, payload) {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`);
}

// Text of a content field: a string, or the text parts of a list.
function partText(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (typeof p === 'string' ? p : typeof p?.text === 'string' ? p.text : '')).join('\n');
}

// Every user text part of a conversation, in order (Claude Code adds reminders as parts of their own).
export function userTexts(messages) {
  const out = [];
  for (const m of messages ?? []) {
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') out.push(m.content);
    else for (const p of m.content ?? []) if (p?.type === 'text') out.push(p.text);
  }
  return out;
}

// The tool calls of a conversation in order, each with the text it returned: the MCP tool's name, or the
// orch-tmux command a Bash call ran.
function toolHistory(messages) {
  const calls = new Map();
  const history = [];
  for (const m of messages) {
    for (const p of Array.isArray(m?.content) ? m.content : []) {
      if (p?.type === 'tool_use') calls.set(p.id, p.name.startsWith(MCP_PREFIX) ? p.name.slice(MCP_PREFIX.length) : shellTool(String(p.input?.command ?? '')));
      else if (p?.type === 'tool_result' && calls.has(p.tool_use_id)) history.push({ tool: calls.get(p.tool_use_id), output: partText(p.content) });
    }
  }
  return history;
}

// The newest user text that steers (a later turn of an interactive session brings its own directive).
function directiveText(messages) {
  return userTexts(messages).reverse().find((t) => DIRECTIVE.test(t) || /^[ \t]*LENS:/m.test(t)) ?? userTexts(messages).join('\n');
}

function oneLine(text) {
  const flat = text.trim().replace(/\s+/g, ' ');
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat || '(no output)';
}

function defaultText(prompt) {
  const lens = /^[ \t]*LENS:[ \t]*(.+?)[ \t]*$/m.exec(prompt);
  // A verifier is asked for a first line `VERDICT: PASS` or `VERDICT: FAIL`: it answers as asked.
  const verdict = /first line of your final message is exactly `VERDICT: PASS`/.test(prompt) ? 'VERDICT: PASS\n' : '';
  return `${verdict}${lens ? `stub reply for lens ${lens[1]}` : 'stub reply'}`;
}
