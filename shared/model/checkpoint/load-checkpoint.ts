import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../errors/index.js';
import type { WeightMap } from '../encoder/index.js';
import {
  CHECKPOINT_ID_PATTERN,
  CheckpointMetaSchema,
  METADATA_FILE,
  WEIGHTS_FILE,
  metadataDigest,
  sha256Hex,
  type CheckpointMeta,
} from './checkpoint-meta.js';
import { ioError, isErrno } from '../../fs/index.js';
import { deserializeWeights, manifestProblems } from './weights-layout.js';
import { checkpointErrorCodes } from './checkpoint-errors.js';

export interface LoadedCheckpoint {
  meta: CheckpointMeta;
  weights: WeightMap;
}

/** A checkpoint that must not be used; says which file and why. Never retriable: the bytes will not heal. */
export function corrupt(dir: string, file: string, why: string, cause?: unknown): AppError {
  return new AppError(checkpointErrorCodes.corrupt, `checkpoint ${dir}: ${file}: ${why}`, { retriable: false, cause });
}

/**
 * metadata.json parsed and checked on its own (schema, digest, id ↔ weights hash, weight list ↔
 * architecture); no byte file is read. Cheap enough for listings; use verifyCheckpoint before trusting
 * the bytes.
 */
export async function readCheckpointMeta(dir: string): Promise<CheckpointMeta> {
  const raw = await readListedFile(dir, METADATA_FILE);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(raw).toString('utf8'));
  } catch (error) {
    throw corrupt(dir, METADATA_FILE, 'not valid JSON', error);
  }
  const parsed = CheckpointMetaSchema.safeParse(json);
  if (!parsed.success) {
    throw corrupt(
      dir,
      METADATA_FILE,
      `malformed: ${parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
      parsed.error,
    );
  }
  const meta = parsed.data;
  const digest = metadataDigest(meta);
  if (digest !== meta.digest)
    throw corrupt(
      dir,
      METADATA_FILE,
      `digest mismatch (edited after saving): recorded ${meta.digest}, computed ${digest}`,
    );
  const weightsFile = meta.files[WEIGHTS_FILE];
  if (!weightsFile) throw corrupt(dir, METADATA_FILE, `does not list ${WEIGHTS_FILE}`);
  if (CHECKPOINT_ID_PATTERN.exec(meta.id)?.[2] !== weightsFile.sha256.slice(0, 12))
    throw corrupt(
      dir,
      METADATA_FILE,
      `id ${meta.id} does not match the weights hash ${weightsFile.sha256.slice(0, 12)}`,
    );
  const problems = manifestProblems(meta.arch, meta.weights, weightsFile.bytes);
  if (problems.length > 0)
    throw corrupt(dir, METADATA_FILE, `weights do not match the architecture: ${problems.slice(0, 5).join('; ')}`);
  return meta;
}

/**
 * Checks everything: metadata (see readCheckpointMeta) and every listed file's size and sha256. Files
 * not listed in metadata (e.g. a stray temp file) are ignored. Returns the metadata or throws
 * CHECKPOINT_CORRUPT naming the file and the reason.
 */
export async function verifyCheckpoint(dir: string): Promise<CheckpointMeta> {
  return (await inspect(dir)).meta;
}

/** verifyCheckpoint, then the weights as a WeightMap in the metadata's order. */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const { meta, weightsBytes } = await inspect(dir);
  return { meta, weights: deserializeWeights(weightsBytes, meta.weights) };
}

/** Reads one listed file after checking its size and sha256 against the (verified) metadata. */
export async function readCheckpointFile(dir: string, name: string): Promise<Uint8Array> {
  const meta = await readCheckpointMeta(dir);
  return readVerified(dir, name, meta);
}

async function inspect(dir: string): Promise<{ meta: CheckpointMeta; weightsBytes: Uint8Array }> {
  const meta = await readCheckpointMeta(dir);
  let weightsBytes: Uint8Array | undefined;
  for (const name of Object.keys(meta.files)) {
    const bytes = await readVerified(dir, name, meta);
    if (name === WEIGHTS_FILE) weightsBytes = bytes;
  }
  return { meta, weightsBytes: weightsBytes! };
}

async function readVerified(dir: string, name: string, meta: CheckpointMeta): Promise<Uint8Array> {
  const listed = meta.files[name];
  if (!listed)
    throw new AppError(checkpointErrorCodes.fileUnknown, `checkpoint ${meta.id} has no file ${name}`, {
      retriable: false,
    });
  const bytes = await readListedFile(dir, name);
  if (bytes.length !== listed.bytes) {
    throw corrupt(
      dir,
      name,
      `${bytes.length} bytes, metadata says ${listed.bytes}${bytes.length < listed.bytes ? ' (truncated)' : ''}`,
    );
  }
  const sha256 = sha256Hex(bytes);
  if (sha256 !== listed.sha256)
    throw corrupt(dir, name, `sha256 mismatch: metadata says ${listed.sha256}, file has ${sha256}`);
  return bytes;
}

async function readListedFile(dir: string, name: string): Promise<Uint8Array> {
  try {
    const bytes = await readFile(path.join(dir, name));
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length); // a plain Uint8Array, not a Buffer
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) throw corrupt(dir, name, 'missing', error);
    throw ioError(checkpointErrorCodes.io, `cannot read ${path.join(dir, name)}`, error);
  }
}
