// Starts tty-capture.mjs in a new window of the test server: what a pane's program really receives.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { waitUntil, type TestServer } from '../helpers/tmux-server.js';

const CAPTURE = resolve(import.meta.dirname, 'fixtures', 'tty-capture.mjs');
let counter = 0;

export interface Capture {
  paneId: string;
  /** Types the sentinel, waits for the program to write its file, returns the bytes it read before it. */
  finish(timeoutMs?: number): Promise<Buffer>;
}

/** A raw-mode reader in its own window; resolves once its tty is raw (and bracketed paste on, if asked). */
export async function startCapture(server: TestServer, o: { bracketed?: boolean } = {}): Promise<Capture> {
  const n = ++counter;
  const out = join(server.dir, `capture-${n}.bin`);
  const sentinel = `<<END-${randomBytes(6).toString('hex')}>>`;
  const argv = [process.execPath, CAPTURE, out, sentinel, ...(o.bracketed ? ['--bracketed'] : [])];
  const { paneId } = await server.tmux.newWindow({ target: 'keepalive', name: `capture-${n}`, command: argv });
  // The mode sequence is written before this line, so once tmux shows the line it has seen the mode too.
  await waitUntil(async () => (await server.tmux.capturePane(paneId)).includes('capture ready'), 'the capture program to start');
  return {
    paneId,
    async finish(timeoutMs = 20_000) {
      await server.tmux.sendText(paneId, sentinel);
      await waitUntil(() => existsSync(out), `the capture program to write ${out}`, timeoutMs);
      return readFileSync(out);
    },
  };
}
