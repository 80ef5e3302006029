import { randomBytes } from 'node:crypto';
import { readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../errors/index.js';
import { fsyncPath, ioError, isErrno, removeAfterFailure, writeFileSynced } from '../../fs/index.js';
import { CHECKPOINT_ID_PATTERN } from '../checkpoint/index.js';
import { LATEST_HISTORY_LENGTH, type LatestPointer } from './model-registry.js';
import { registryErrorCodes } from './registry-errors.js';

/** The pointer file of a filesystem registry: `<root>/latest.json`. */
export const LATEST_FILE = 'latest.json';

const isId = (value: unknown): value is string => typeof value === 'string' && CHECKPOINT_ID_PATTERN.test(value);

/** The pointer after promoting `id` over `current` (undefined: the first promotion). */
export function promotedPointer(current: LatestPointer | undefined, id: string, now: Date): LatestPointer {
  // promoting what already serves must not push it onto its own history (a rollback would then go nowhere)
  const history =
    current === undefined
      ? []
      : current.id === id
        ? current.history
        : [current.id, ...current.history].slice(0, LATEST_HISTORY_LENGTH);
  return { id, promoted_at: now.toISOString(), previous: history[0] ?? null, history };
}

/** The pointer after rolling `current` back to its `previous`; undefined when nothing served before it. */
export function rolledBackPointer(current: LatestPointer, now: Date): LatestPointer | undefined {
  const [to, ...older] = current.history;
  if (to === undefined) return undefined;
  return { id: to, promoted_at: now.toISOString(), previous: older[0] ?? null, history: older };
}

/** Reads `<root>/latest.json`; undefined when there is none, 'REGISTRY_CORRUPT' when it cannot be trusted. */
export async function readLatestPointer(root: string): Promise<LatestPointer | undefined> {
  const file = path.join(root, LATEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw ioError(registryErrorCodes.io, `model registry: cannot read ${LATEST_FILE}`, error);
  }
  const corrupt = (why: string, cause?: unknown) =>
    new AppError(registryErrorCodes.corrupt, `${file} is unreadable: ${why}`, { retriable: false, cause });
  let pointer: Partial<Record<keyof LatestPointer, unknown>>;
  try {
    pointer = JSON.parse(text) as typeof pointer;
  } catch (error) {
    throw corrupt(error instanceof Error ? error.message : String(error), error);
  }
  if (!isId(pointer.id)) throw corrupt(`no valid id in ${JSON.stringify(pointer)}`);
  const previous = pointer.previous ?? null;
  if (previous !== null && !isId(previous)) throw corrupt(`no valid previous id in ${JSON.stringify(pointer)}`);
  // files written before the history existed remember only `previous`
  const history = pointer.history ?? (previous === null ? [] : [previous]);
  if (!Array.isArray(history) || !history.every(isId) || (history[0] ?? null) !== previous)
    throw corrupt(`its history does not start with its previous id: ${JSON.stringify(pointer)}`);
  return { id: pointer.id, promoted_at: String(pointer.promoted_at), previous, history };
}

/** Replaces `<root>/latest.json` atomically: temp file, fsync, rename, fsync of the folder. */
export async function writeLatestPointer(root: string, pointer: LatestPointer): Promise<void> {
  const file = path.join(root, LATEST_FILE);
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFileSynced(temp, `${JSON.stringify(pointer)}\n`);
    await rename(temp, file);
    await fsyncPath(root);
  } catch (error) {
    await removeAfterFailure(temp, error);
    throw ioError(registryErrorCodes.io, `model registry: cannot move ${LATEST_FILE} to ${pointer.id}`, error);
  }
}
