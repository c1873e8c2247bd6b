// Files a user names (prompts, documents, contexts): checked once, the same way everywhere.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';

/** Reads a file the user named, refusing missing files, directories and unreadable ones with exit 2. */
export function readUserFile(path: string, flag: string, maxBytes = 64 * 1024 * 1024): Buffer {
  const abs = resolve(path);
  let size: number;
  try {
    const st = statSync(abs);
    if (st.isDirectory()) throw new UsageError(`${flag} ${JSON.stringify(path)} is a directory: give a file`);
    // A FIFO or a device would block or never end: only regular files.
    if (!st.isFile()) throw new UsageError(`${flag} ${JSON.stringify(path)} is not a regular file: give a file`);
    size = st.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${flag} ${JSON.stringify(path)} does not exist: check the path`);
  }
  if (size > maxBytes) throw new UsageError(`${flag} ${JSON.stringify(path)} is ${size} bytes, over the ${maxBytes}-byte limit: give a smaller file`);
  try {
    return readFileSync(abs);
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(path)} cannot be read: check its permissions`);
  }
}

/** True when bytes look binary (a NUL byte, or invalid UTF-8) rather than text. */
export function looksBinary(bytes: Buffer): boolean {
  if (bytes.includes(0)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return false;
  } catch {
    return true;
  }
}
