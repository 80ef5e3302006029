import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { AppError } from '../errors/index.js';

/**
 * Small durable-write helpers shared by every file-backed adapter (tile store, checkpoints, model
 * registry): data is fsynced before a rename publishes it, and the directory is fsynced after, so a crash
 * leaves either the old state or the new one, never a half-written file under the final name.
 */

/** errno codes that may clear up by themselves (disk full, too many open files, a busy device) */
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'ENOSPC', 'EDQUOT', 'EIO', 'ETIMEDOUT']);

/** The errno code of a Node fs error, if it is one. */
export function errnoOf(error: unknown): string | undefined {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof errno === 'string' ? errno : undefined;
}

export function isTransientErrno(error: unknown): boolean {
  const errno = errnoOf(error);
  return errno !== undefined && TRANSIENT.has(errno);
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** An fs failure as an AppError; disk full or too many open files may clear up, a missing dir will not. */
export function ioError(code: string, message: string, error: unknown): AppError {
  const errno = errnoOf(error);
  return new AppError(code, `${message}: ${errno ?? (error instanceof Error ? error.message : String(error))}`, {
    retriable: isTransientErrno(error),
    cause: error,
  });
}

export async function writeFileSynced(file: string, bytes: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync a directory (after a rename into it) or a file already written */
export async function fsyncPath(target: string): Promise<void> {
  const handle = await open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function removeAfterFailure(target: string, original: unknown): Promise<void> {
  // cleanup after a failure: a cleanup error is attached to the original failure, not swallowed
  await rm(target, { recursive: true, force: true }).catch((cleanupError: unknown) => {
    if (original instanceof Error) (original as Error & { cleanupError?: unknown }).cleanupError = cleanupError;
  });
}

export function isErrno(error: unknown, ...codes: string[]): boolean {
  const errno = errnoOf(error);
  return errno !== undefined && codes.includes(errno);
}
