import { randomBytes } from 'node:crypto';
import { mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, ValidationError } from '../../errors/index.js';
import type { WeightMap } from '../encoder/index.js';
import {
  CHECKPOINT_FILE_NAME,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CheckpointMetaSchema,
  METADATA_FILE,
  WEIGHTS_FILE,
  checkpointId,
  metadataDigest,
  sha256Hex,
  type CheckpointDescription,
  type CheckpointMeta,
} from './checkpoint-meta.js';
import { fsyncPath, ioError, isErrno, removeAfterFailure, writeFileSynced } from '../../fs/index.js';
import { verifyCheckpoint } from './load-checkpoint.js';
import { serializeWeights, weightMapProblems } from './weights-layout.js';
import { checkpointErrorCodes } from './checkpoint-errors.js';

/**
 * Writes a checkpoint directory at `dir` (which must not exist yet): weights.bin, any extra files (e.g.
 * model.onnx) and metadata.json, assembled in a temporary sibling directory, fsynced, then renamed into
 * place, so `dir` either does not exist or is complete. Refuses weights that do not fit the architecture
 * or contain NaN/Infinity (a diverged run must not become a checkpoint).
 */
export async function saveCheckpoint(
  dir: string,
  checkpoint: { weights: WeightMap; meta: CheckpointDescription },
  extraFiles: Record<string, Uint8Array> = {},
): Promise<CheckpointMeta> {
  const { weights, meta: description } = checkpoint;
  const problems = weightMapProblems(description.arch, weights, { checkFinite: true });
  if (problems.length > 0)
    throw new AppError(
      checkpointErrorCodes.invalid,
      `refusing to save: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
      { retriable: false },
    );
  for (const name of Object.keys(extraFiles)) {
    if (!CHECKPOINT_FILE_NAME.test(name) || name === WEIGHTS_FILE || name === METADATA_FILE)
      throw new ValidationError(
        `saveCheckpoint: extra file name '${name}' is not allowed (plain names only, not ${WEIGHTS_FILE} or ${METADATA_FILE})`,
      );
  }

  const { bytes, manifest } = serializeWeights(description.arch, weights);
  const weightsSha = sha256Hex(bytes);
  const createdAt = description.created_at ?? new Date().toISOString();
  const files: CheckpointMeta['files'] = { [WEIGHTS_FILE]: { sha256: weightsSha, bytes: bytes.length } };
  for (const [name, content] of Object.entries(extraFiles))
    files[name] = { sha256: sha256Hex(content), bytes: content.length };
  const draft = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    id: checkpointId(createdAt, weightsSha),
    parent: description.parent,
    created_at: createdAt,
    technique: description.technique,
    arch: description.arch,
    input_size: description.input_size,
    normalization: description.normalization,
    data_window: description.data_window,
    metrics: description.metrics,
    // absent, not undefined, when not given: a loaded checkpoint has no such keys either
    ...(description.augmentation && { augmentation: description.augmentation }),
    ...(description.training && { training: description.training }),
    weights: manifest,
    files,
  } as const;
  const parsed = CheckpointMetaSchema.safeParse({ ...draft, digest: metadataDigest(draft) });
  if (!parsed.success)
    throw new ValidationError(
      `saveCheckpoint: invalid description: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { cause: parsed.error },
    );
  const meta = parsed.data;

  const target = path.resolve(dir);
  if (await exists(target))
    throw new AppError(
      checkpointErrorCodes.exists,
      `refusing to save over ${target}: it already exists (checkpoints are immutable)`,
      { retriable: false },
    );
  const parent = path.dirname(target);
  const temp = path.join(parent, `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(temp, { recursive: true });
    await writeFileSynced(path.join(temp, WEIGHTS_FILE), bytes);
    for (const [name, content] of Object.entries(extraFiles)) await writeFileSynced(path.join(temp, name), content);
    await writeFileSynced(path.join(temp, METADATA_FILE), `${JSON.stringify(meta, null, 2)}\n`);
    await fsyncPath(temp);
    await rename(temp, target);
    await fsyncPath(parent);
  } catch (error) {
    await removeAfterFailure(temp, error);
    if (isErrno(error, 'ENOTEMPTY', 'EEXIST'))
      throw new AppError(checkpointErrorCodes.exists, `refusing to save over ${target}: it appeared while saving`, {
        retriable: false,
        cause: error,
      });
    throw ioError(checkpointErrorCodes.writeFailed, `cannot write checkpoint ${target}`, error);
  }
  return meta;
}

/**
 * Adds files (e.g. the ONNX export) to an existing, verified checkpoint and lists them in its metadata.
 * Weights and existing files never change: re-adding a file with the same bytes is a no-op, different
 * bytes are refused. Each file is renamed into place before the metadata that lists it.
 */
export async function addCheckpointFiles(dir: string, extraFiles: Record<string, Uint8Array>): Promise<CheckpointMeta> {
  const current = await verifyCheckpoint(dir);
  const files = { ...current.files };
  const toWrite: [string, Uint8Array][] = [];
  for (const [name, content] of Object.entries(extraFiles)) {
    if (!CHECKPOINT_FILE_NAME.test(name) || name === WEIGHTS_FILE || name === METADATA_FILE)
      throw new ValidationError(`addCheckpointFiles: file name '${name}' is not allowed`);
    const sha256 = sha256Hex(content);
    const listed = files[name];
    if (listed && listed.sha256 !== sha256)
      throw new AppError(checkpointErrorCodes.immutable, `${name} already exists in ${current.id} with other content`, {
        retriable: false,
      });
    if (!listed) {
      files[name] = { sha256, bytes: content.length };
      toWrite.push([name, content]);
    }
  }
  if (toWrite.length === 0) return current;
  const { digest: _old, ...rest } = current;
  const next: CheckpointMeta = { ...rest, files, digest: metadataDigest({ ...rest, files }) };
  const suffix = `.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    for (const [name, content] of toWrite) {
      await writeFileSynced(path.join(dir, name + suffix), content);
      await rename(path.join(dir, name + suffix), path.join(dir, name));
    }
    await writeFileSynced(path.join(dir, METADATA_FILE + suffix), `${JSON.stringify(next, null, 2)}\n`);
    await rename(path.join(dir, METADATA_FILE + suffix), path.join(dir, METADATA_FILE));
    await fsyncPath(dir);
  } catch (error) {
    for (const name of [...toWrite.map(([n]) => n), METADATA_FILE])
      await removeAfterFailure(path.join(dir, name + suffix), error);
    throw ioError(checkpointErrorCodes.writeFailed, `cannot add files to checkpoint ${dir}`, error);
  }
  return next;
}

async function exists(target: string): Promise<boolean> {
  try {
    await stat(target);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw ioError(checkpointErrorCodes.writeFailed, `cannot check ${target}`, error);
  }
}
