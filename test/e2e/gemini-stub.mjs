// Loopback stub of the Gemini API (`models/*:streamGenerateContent?alt=sse`, `generateContent`,
// `countTokens`), enough to drive the real Gemini CLI offline. Directives in the first user text steer it:
// [[reply:TEXT]] [[write:PATH|TEXT]] (a write_file call) [[hang]] [[hang-once]]; [[hold:NAME]] (the first
// request whose user text carries it, gemini's routing request, before gemini records the user's turn, waits
// until the test calls release(NAME), then is answered as usual; held(NAME) says whether it is waiting); the
// default reply is "stub reply" (+ " for lens x" when the prompt has a line "LENS: x").
import { createServer } from 'node:http';
import { closeLoopback, listenLoopback, sendJson } from './loopback.mjs';

const DIRECTIVE = /\[\[(reply|write|hang-once|hang)(?::([\s\S]*?))?\]\]/;
const HOLD = /\[\[hold:([A-Za-z0-9_-]+)\]\]/;

// Starts the stub on 127.0.0.1 (port 0) and resolves to { port, baseUrl, requests, turns(), held(), release(), close() }.
export async function startGeminiStub() {
  const requests = [];
  const hanging = new Set();
  const hungOnce = new Set();
  // [[hold:NAME]]: the names seen, and the answers waiting for release(NAME).
  const holdsSeen = new Set();
  const holding = new Map();

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });

  function handle(req, res, raw) {
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const path = (req.url ?? '').split('?')[0];
    requests.push({ method: req.method, url: req.url, body: body ?? raw });
    if (/:countTokens$/.test(path)) return sendJson(res, 200, { totalTokens: 10 });
    const stream = /:streamGenerateContent$/.test(path);
    if (req.method !== 'POST' || !body || !(stream || /:generateContent$/.test(path))) return sendJson(res, 404, { error: { code: 404, message: `stub has no route ${req.method} ${path}`, status: 'NOT_FOUND' } });
    const hold = HOLD.exec(userTexts(body.contents).join('\n'))?.[1];
    if (hold && !holdsSeen.has(hold)) {
      holdsSeen.add(hold);
      hanging.add(res);
      holding.set(hold, () => {
        hanging.delete(res);
        respond(res, body, stream);
      });
      return;
    }
    respond(res, body, stream);
  }

  // A function response last means the tool ran: say what it returned. Otherwise obey the directive.
  function respond(res, body, stream) {
    const contents = Array.isArray(body.contents) ? body.contents : [];
    const lastParts = contents[contents.length - 1]?.parts ?? [];
    const toolResult = lastParts.find((p) => p?.functionResponse);
    if (toolResult) return answer(res, stream, [{ text: `tool said: ${oneLine(JSON.stringify(toolResult.functionResponse.response ?? {}))}` }]);
    if (body.generationConfig?.responseMimeType === 'application/json' || body.generationConfig?.responseJsonSchema || body.generationConfig?.responseSchema) {
      // Side requests (routing, next-speaker checks) ask for JSON: a neutral answer.
      return answer(res, stream, [{ text: JSON.stringify({ reasoning: 'stub', next_speaker: 'user', model_choice: 'flash', complexity_reasoning: 'stub', complexity_score: 1 }) }]);
    }
    const prompt = firstUserText(contents);
    const match = DIRECTIVE.exec(prompt);
    const arg = match?.[2] ?? '';
    switch (match?.[1]) {
      case 'reply':
        return answer(res, stream, [{ text: arg }]);
      case 'write': {
        const [file, ...text] = arg.split('|');
        return answer(res, stream, [{ functionCall: { name: 'write_file', args: { file_path: file, content: text.join('|') } } }]);
      }
      case 'hang':
        return hang(res, stream);
      case 'hang-once':
        // Keyed by the words only: a resumed conversation may carry the text with other spacing.
        if (!hungOnce.has(words(prompt))) {
          hungOnce.add(words(prompt));
          return hang(res, stream);
        }
        return answer(res, stream, [{ text: defaultText(prompt) }]);
      default:
        return answer(res, stream, [{ text: defaultText(prompt) }]);
    }
  }

  function chunk(parts) {
    return { candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 }, modelVersion: 'stub' };
  }

  function answer(res, stream, parts) {
    if (!stream) return sendJson(res, 200, chunk(parts));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify(chunk(parts))}\r\n\r\n`);
    res.end();
  }

  function hang(res, stream) {
    if (stream) res.writeHead(200, { 'content-type': 'text/event-stream' });
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
  }

  const port = await listenLoopback(server);

  const close = () => closeLoopback(server, hanging);

  // The user texts of every generate request, one list per request.
  const turns = () => requests.filter((q) => /generateContent/i.test(q.url ?? '') && q.body?.contents).map((q) => userTexts(q.body.contents));

  // [[hold:NAME]]: whether its request is waiting, and answering it.
  const held = (name) => holding.has(name);
  const release = (name) => {
    const go = holding.get(name);
    holding.delete(name);
    go?.();
  };

  return { port, baseUrl: `http://127.0.0.1:${port}`, requests, turns, held, release, close };
}

export function userTexts(contents) {
  const out = [];
  for (const c of contents ?? []) if (c?.role === 'user') for (const p of c.parts ?? []) if (typeof p?.text === 'string') out.push(p.text);
  return out;
}

function firstUserText(contents) {
  const texts = userTexts(contents);
  return texts.find((t) => DIRECTIVE.test(t) || /^[ \t]*LENS:/m.test(t)) ?? texts.join('\n');
}

function words(text) {
  return text.replace(/\s+/g, ' ').trim();
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
