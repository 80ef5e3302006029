import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../shared/errors/index.js';
import { fsyncPath, ioError, isErrno, writeFileSynced } from '../../../shared/fs/index.js';
import { embedderErrorCodes } from '../embedder-errors.js';

/** failed ids kept in the file (the count keeps going past it) */
export const MAX_FAILED_KEPT = 100;

const progressSchema = z.strictObject({
  v: z.literal(1),
  /** the model being filled */
  model: z.string().min(1),
  /** the collection read (the alias's when the job started) */
  source: z.string().min(1),
  /** every id ≤ this one has been handled (ids compare as strings, the scroll order) */
  after: z.string().optional(),
  /** points written into the target collection */
  reembedded: z.number().int().nonnegative(),
  /** points the target already held with the same tile bytes */
  skipped: z.number().int().nonnegative(),
  /** tiles that cannot be re-embedded (bytes gone, undecodable) */
  failed: z.number().int().nonnegative(),
  failures: z.array(z.strictObject({ id: z.string(), code: z.string(), reason: z.string() })),
  started_at: z.string(),
  updated_at: z.string(),
});

export type ReembedProgress = z.infer<typeof progressSchema>;

export function freshProgress(model: string, source: string, now: Date = new Date()): ReembedProgress {
  return {
    v: 1,
    model,
    source,
    reembedded: 0,
    skipped: 0,
    failed: 0,
    failures: [],
    started_at: now.toISOString(),
    updated_at: now.toISOString(),
  };
}

/** The saved progress, or undefined when there is none. A file this build cannot read is an error, not a restart. */
export async function loadProgress(file: string): Promise<ReembedProgress | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw ioError(embedderErrorCodes.reembedIo, `cannot read ${file}`, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, 'not JSON', error);
  }
  const parsed = progressSchema.safeParse(json);
  if (!parsed.success)
    throw corrupt(file, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

/** Replaces the file atomically and durably (temp, fsync, rename, fsync dir): a crash leaves the old or the new. */
export async function saveProgress(file: string, progress: ReembedProgress): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileSynced(temp, `${JSON.stringify(progress, null, 2)}\n`);
    await rename(temp, file);
    await fsyncPath(path.dirname(file));
  } catch (error) {
    await rm(temp, { force: true });
    throw ioError(embedderErrorCodes.reembedIo, `cannot save the re-embed progress ${file}`, error);
  }
}

export async function removeProgress(file: string): Promise<void> {
  try {
    await rm(file, { force: true });
  } catch (error) {
    throw ioError(embedderErrorCodes.reembedIo, `cannot remove ${file}`, error);
  }
}

function corrupt(file: string, why: string, cause?: unknown): AppError {
  return new AppError(
    embedderErrorCodes.reembedProgressCorrupt,
    `${file} is not a re-embed progress file (${why}); remove it to start the job over`,
    { retriable: false, cause },
  );
}
