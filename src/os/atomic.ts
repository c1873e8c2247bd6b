import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { crashPoint } from './crash-point.js';

/** Writes a file so readers see the old or the new content, never a part: temp file, fsync, rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600, durable = true): void {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    if (durable) fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (error) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw error;
  }
  crashPoint(`${basename(path)}:written`);
}

/** JSON, pretty-printed, written atomically; `durable: false` skips the fsync for caches rebuilt on every pass. */
export function writeJsonAtomic(path: string, value: unknown, mode = 0o600, durable = true): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, mode, durable);
}
