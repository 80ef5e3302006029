import { open, rm } from 'node:fs/promises';
import { AppError } from '../../errors/index.js';

/**
 * Small durable-write helpers: data is fsynced before a rename publishes it, and the directory is fsynced
 * after, so a crash leaves either the old state or the new one, never a half-written file under the
 * final name.
 */

const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'ENOSPC', 'EIO', 'ETIMEDOUT']);

/** An fs failure as an AppError; disk full or too many open files may clear up, a missing dir will not. */
export function ioError(code: string, message: string, error: unknown): AppError {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  return new AppError(code, `${message}: ${errno ?? (error instanceof Error ? error.message : String(error))}`, { retriable: errno !== undefined && TRANSIENT.has(errno), cause: error });
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

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
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
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  return errno !== undefined && codes.includes(errno);
}
