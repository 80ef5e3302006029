import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, ValidationError } from '../../errors/index.js';
import { ioError, isErrno } from '../../fs/index.js';
import { CHECKPOINT_ID_PATTERN, checkpointErrorCodes } from '../checkpoint/index.js';
import type { FsModelRegistry } from './fs-model-registry.js';
import { registryErrorCodes } from './registry-errors.js';

/** The word that names the promoted checkpoint in a checkpoint argument. */
export const LATEST_CHECKPOINT = 'latest';

/**
 * A checkpoint argument as a user gives it (`--checkpoint`, `--init`, `--current`) → a checkpoint directory:
 * an existing directory is taken as it is; otherwise a registry id (ckpt-<time>-<hash>) or `latest` is
 * looked up in `registry`. Anything else, or an id the registry lacks, is a ValidationError (exit 2) naming
 * `what`, the value and the registry.
 */
export async function resolveCheckpointDir(
  ref: string,
  registry: FsModelRegistry,
  what = 'checkpoint',
): Promise<string> {
  const asPath = path.resolve(ref);
  if (await isDirectory(asPath)) return asPath;
  const id = ref === LATEST_CHECKPOINT ? (await registry.latest())?.id : ref;
  if (id === undefined)
    throw new ValidationError(`${what} ${ref}: the model registry ${registry.root} has promoted no checkpoint yet`, {
      code: registryErrorCodes.checkpointNotFound,
    });
  if (!CHECKPOINT_ID_PATTERN.test(id)) {
    throw new ValidationError(
      `${what} ${JSON.stringify(ref)} is neither a checkpoint directory nor a registry id (ckpt-<14 digits>-<12 hex>) nor "latest"`,
      { code: registryErrorCodes.checkpointNotFound },
    );
  }
  try {
    return await registry.checkpointDir(id);
  } catch (error) {
    if (error instanceof AppError && error.code === registryErrorCodes.checkpointNotFound) {
      throw new ValidationError(
        `${what} ${ref}: no such directory, and the model registry ${registry.root} holds no checkpoint ${id}`,
        { code: error.code, cause: error },
      );
    }
    throw error;
  }
}

async function isDirectory(target: string): Promise<boolean> {
  try {
    return (await stat(target)).isDirectory();
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
    throw ioError(checkpointErrorCodes.io, `cannot inspect ${target}`, error);
  }
}
