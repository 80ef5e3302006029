import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors/index.js';
import { errnoOf, fsyncPath, isErrno, isTransientErrno, sha256Hex } from '../fs/index.js';
import { validateBlobKey } from './blob-key.js';
import type { BlobInfo, BlobStore } from './blob-store.js';
import { blobErrorCodes } from './blob-errors.js';

export interface FsBlobStoreOptions {
  /** directory holding the objects; created on first write */
  root: string;
  /**
   * fsync the file and its directory on every put (default true). Off only for throwaway stores in
   * benchmarks: without it a power cut may leave an empty file under a key that was acknowledged.
   */
  fsync?: boolean;
}

// Errors that may pass on their own (full disk, descriptor exhaustion, a busy file): worth retrying.

/**
 * BlobStore on a local directory: the object for key `a/b/c.jpg` is the file `{root}/a/b/c.jpg`, so the
 * tile store is browsable with ordinary tools. A put writes a temp file beside the target (names starting
 * with '.', which keys may not use), fsyncs it, renames it over the target and fsyncs the directory:
 * readers see the old bytes or the new ones, never a torn file, even after a crash.
 */
export class FsBlobStore implements BlobStore {
  private readonly root: string;
  private readonly fsync: boolean;
  private closed = false;

  constructor(options: FsBlobStoreOptions) {
    this.root = path.resolve(options.root);
    this.fsync = options.fsync ?? true;
  }

  async put(key: string, bytes: Uint8Array): Promise<BlobInfo> {
    const file = this.pathOf(key);
    const dir = path.dirname(file);
    const temp = path.join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(dir, { recursive: true });
      const handle = await open(temp, 'w', 0o644);
      try {
        await handle.writeFile(bytes);
        if (this.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
      if (this.fsync) await fsyncPath(dir);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined); // best effort; the original error is what matters
      throw ioError('put', key, error);
    }
    return { sha256: sha256Hex(bytes), bytes: bytes.byteLength };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const file = this.pathOf(key);
    try {
      const buffer = await readFile(file);
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw ioError('get', key, error);
    }
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    const file = this.pathOf(key);
    try {
      const info = await stat(file);
      if (!info.isFile()) return undefined;
      // Plain files carry no checksum, so hash by streaming (bounded memory even for big checkpoints).
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
      return { sha256: hash.digest('hex'), bytes: info.size };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw ioError('stat', key, error);
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      await unlink(file);
    } catch (error) {
      if (isMissing(error)) return;
      throw ioError('delete', key, error);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    this.assertOpen();
    if (typeof prefix !== 'string')
      throw new AppError(blobErrorCodes.badPrefix, 'list prefix must be a string', { retriable: false });
    // Start at the deepest directory the prefix fully names; everything else is filtered by string prefix.
    const cut = prefix.lastIndexOf('/');
    const base = cut < 0 ? '' : prefix.slice(0, cut + 1);
    if (base !== '') validateBlobKey(base.slice(0, -1));
    yield* this.walk(base, prefix);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private async *walk(dirKey: string, prefix: string): AsyncIterable<string> {
    let entries;
    try {
      entries = await readdir(path.join(this.root, dirKey), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw ioError('list', dirKey, error);
    }
    // Sorting directories as "name/" makes a depth-first walk come out in exact code-unit key order
    // ("a-b" < "a/c" because '-' < '/').
    const named = entries
      .filter((e) => !e.name.startsWith('.') && (e.isDirectory() || e.isFile()))
      .map((e) => ({ name: e.isDirectory() ? `${e.name}/` : e.name, dir: e.isDirectory() }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of named) {
      const key = dirKey + entry.name;
      if (entry.dir) {
        // Descend only where keys below could still match the prefix.
        if (key.startsWith(prefix) || prefix.startsWith(key)) yield* this.walk(key, prefix);
      } else if (key.startsWith(prefix)) {
        yield key;
      }
    }
  }

  private pathOf(key: string): string {
    this.assertOpen();
    return path.join(this.root, validateBlobKey(key));
  }

  private assertOpen(): void {
    if (this.closed)
      throw new AppError(blobErrorCodes.closed, `blob store at ${this.root} is closed`, { retriable: false });
  }
}

// ENOTDIR: a parent segment of the key is a file, so the key cannot exist either.
function isMissing(error: unknown): boolean {
  return isErrno(error, 'ENOENT', 'ENOTDIR');
}

function ioError(op: string, key: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = errnoOf(error) ?? 'UNKNOWN';
  return new AppError(blobErrorCodes.io, `blob ${op} "${key}" failed: ${code}`, {
    retriable: isTransientErrno(error),
    cause: error,
  });
}
