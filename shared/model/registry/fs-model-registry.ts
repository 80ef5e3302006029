import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, ValidationError } from '../../errors/index.js';
import { fsyncPath, ioError as sharedIoError, isErrno } from '../../fs/index.js';
import { silentLogger, type Logger } from '../../log/index.js';
import {
  CHECKPOINT_ID_PATTERN,
  METADATA_FILE,
  addCheckpointFiles,
  canonicalJson,
  loadCheckpoint,
  readCheckpointFile,
  readCheckpointMeta,
  verifyCheckpoint,
  type CheckpointMeta,
  type LoadedCheckpoint,
  checkpointErrorCodes,
} from '../checkpoint/index.js';
import {
  type LatestPointer,
  type ModelRegistry,
  type RegistryWatch,
  type RollbackResult,
  type WatchOptions,
} from './model-registry.js';
import { pollLatest } from './poll-latest.js';
import {
  LATEST_FILE,
  promotedPointer,
  readLatestPointer,
  rolledBackPointer,
  writeLatestPointer,
} from './latest-pointer.js';
import { registryErrorCodes } from './registry-errors.js';

export interface FsModelRegistryOptions {
  /** directory holding `checkpoints/<id>/` and `latest.json` (created on first write) */
  root: string;
  /** where corrupt entries met while listing are reported */
  log?: Logger;
}

/**
 * ModelRegistry on a local (or mounted) filesystem. Every write goes to a temp name, is fsynced, and is
 * published by rename, so a reader sees a whole checkpoint or none, and `latest.json` always names a
 * checkpoint that was fully verified when it was promoted.
 */
export class FsModelRegistry implements ModelRegistry {
  /** the registry's folder (absolute), as error messages name it */
  readonly root: string;
  private readonly log: Logger;
  private readonly watches = new Set<RegistryWatch>();
  private closed = false;

  constructor(options: FsModelRegistryOptions) {
    this.root = path.resolve(options.root);
    this.log = options.log ?? silentLogger();
  }

  async publish(checkpointDir: string): Promise<CheckpointMeta> {
    this.assertOpen();
    const source = await verifyCheckpoint(checkpointDir);
    const target = this.dirOf(source.id);
    if (await this.exists(target)) return this.mergeInto(source, checkpointDir);
    const checkpoints = path.dirname(target);
    await this.io(`create ${checkpoints}`, () => mkdir(checkpoints, { recursive: true }));
    const temp = path.join(checkpoints, `.tmp-${source.id}-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(temp);
      for (const name of [...Object.keys(source.files), METADATA_FILE]) {
        await copyFile(path.join(checkpointDir, name), path.join(temp, name));
        await fsyncPath(path.join(temp, name));
      }
      await fsyncPath(temp);
      // the copy is what will be served: verify it, not just the source (which could change meanwhile)
      const copied = await verifyCheckpoint(temp);
      if (copied.digest !== source.digest)
        throw new AppError(
          registryErrorCodes.checkpointConflict,
          `${checkpointDir} changed while it was being published`,
          {
            retriable: true,
          },
        );
      await rename(temp, target);
      await fsyncPath(checkpoints);
    } catch (error) {
      await this.removeTemp(temp, error);
      if (isErrno(error, 'EEXIST', 'ENOTEMPTY')) return this.mergeInto(source, checkpointDir); // a concurrent publish won
      if (error instanceof AppError) throw error;
      throw ioError(`cannot publish ${source.id}`, error);
    }
    return source;
  }

  async get(id: string): Promise<CheckpointMeta | undefined> {
    this.assertOpen();
    const dir = this.dirOf(id);
    if (!(await this.exists(dir))) return undefined;
    return readCheckpointMeta(dir);
  }

  async list(): Promise<CheckpointMeta[]> {
    this.assertOpen();
    let names: string[];
    try {
      names = await readdir(path.join(this.root, 'checkpoints'));
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw ioError(`cannot list ${this.root}`, error);
    }
    const metas: CheckpointMeta[] = [];
    for (const name of names.filter((n) => CHECKPOINT_ID_PATTERN.test(n))) {
      try {
        metas.push(await readCheckpointMeta(this.dirOf(name)));
      } catch (error) {
        if (!(error instanceof AppError && error.code === checkpointErrorCodes.corrupt)) throw error;
        this.log.warn({ err: error, id: name }, 'model registry: leaving a corrupt checkpoint out of the listing');
      }
    }
    return metas.sort((a, b) =>
      a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1,
    );
  }

  async latest(): Promise<CheckpointMeta | undefined> {
    this.assertOpen();
    const pointer = await readLatestPointer(this.root);
    if (!pointer) return undefined;
    const meta = await this.get(pointer.id);
    if (!meta)
      throw new AppError(
        registryErrorCodes.corrupt,
        `${LATEST_FILE} points at ${pointer.id}, which is not in the registry`,
        {
          retriable: false,
        },
      );
    return meta;
  }

  async promote(id: string): Promise<CheckpointMeta> {
    this.assertOpen();
    const dir = this.dirOf(id);
    if (!(await this.exists(dir))) throw notFound(id);
    const meta = await verifyCheckpoint(dir);
    await writeLatestPointer(this.root, promotedPointer(await readLatestPointer(this.root), id, new Date()));
    return meta;
  }

  async pointer(): Promise<LatestPointer | undefined> {
    this.assertOpen();
    return readLatestPointer(this.root);
  }

  async rollback(): Promise<RollbackResult> {
    this.assertOpen();
    const current = await readLatestPointer(this.root);
    if (!current)
      throw new ValidationError(`nothing to roll back: no checkpoint has been promoted in ${this.root}`, {
        code: registryErrorCodes.noPrevious,
      });
    const pointer = rolledBackPointer(current, new Date());
    if (!pointer)
      throw new ValidationError(
        `nothing to roll back to: ${current.id} is the only checkpoint that has served from ${this.root}`,
        { code: registryErrorCodes.noPrevious },
      );
    const dir = this.dirOf(pointer.id);
    if (!(await this.exists(dir))) throw notFound(pointer.id);
    // the same check as promote: a damaged earlier checkpoint is refused and the current one keeps serving
    const to = await verifyCheckpoint(dir);
    await writeLatestPointer(this.root, pointer);
    return { from: current.id, to, pointer };
  }

  async open(id: string): Promise<LoadedCheckpoint> {
    this.assertOpen();
    const dir = this.dirOf(id);
    if (!(await this.exists(dir))) throw notFound(id);
    return loadCheckpoint(dir);
  }

  /**
   * The directory holding a stored checkpoint, for readers that load a directory (loadCheckpoint, the ONNX
   * encoder, `--init`). Unknown id → 'CHECKPOINT_NOT_FOUND'. The files are the registry's: read, never write.
   */
  async checkpointDir(id: string): Promise<string> {
    this.assertOpen();
    const dir = this.dirOf(id);
    if (!(await this.exists(dir))) throw notFound(id);
    return dir;
  }

  async readFile(id: string, name: string): Promise<Uint8Array> {
    this.assertOpen();
    const dir = this.dirOf(id);
    if (!(await this.exists(dir))) throw notFound(id);
    return readCheckpointFile(dir, name);
  }

  watch(onChange: (latest: CheckpointMeta | undefined) => void | Promise<void>, options: WatchOptions): RegistryWatch {
    this.assertOpen();
    const inner = pollLatest(() => this.latest(), onChange, options);
    const handle: RegistryWatch = {
      stop: () => {
        inner.stop();
        this.watches.delete(handle);
      },
    };
    this.watches.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of [...this.watches]) w.stop();
  }

  /** Same id already stored: a no-op, or add files the stored copy lacks; anything else is a conflict. */
  private async mergeInto(source: CheckpointMeta, sourceDir: string): Promise<CheckpointMeta> {
    const target = this.dirOf(source.id);
    const stored = await verifyCheckpoint(target);
    const strip = ({ files: _f, digest: _d, ...rest }: CheckpointMeta) => canonicalJson(rest);
    const clash = Object.entries(source.files).find(
      ([name, f]) => stored.files[name] && stored.files[name].sha256 !== f.sha256,
    );
    if (strip(stored) !== strip(source) || clash) {
      throw new AppError(
        registryErrorCodes.checkpointConflict,
        `${source.id} is already stored with different ${clash ? clash[0] : 'metadata'}; checkpoints are immutable`,
        { retriable: false },
      );
    }
    const missing = Object.keys(source.files).filter((name) => !stored.files[name]);
    if (missing.length === 0) return stored;
    const extra: Record<string, Uint8Array> = {};
    for (const name of missing) extra[name] = await readCheckpointFile(sourceDir, name);
    return addCheckpointFiles(target, extra);
  }

  private dirOf(id: string): string {
    if (typeof id !== 'string' || !CHECKPOINT_ID_PATTERN.test(id))
      throw new ValidationError(`not a checkpoint id: ${JSON.stringify(id)}`, {
        code: registryErrorCodes.invalidCheckpointId,
      });
    return path.join(this.root, 'checkpoints', id);
  }

  private async exists(target: string): Promise<boolean> {
    try {
      await stat(target);
      return true;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return false;
      throw ioError(`cannot stat ${target}`, error);
    }
  }

  private async io<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (error) {
      throw ioError(what, error);
    }
  }

  private async removeTemp(temp: string, original: unknown): Promise<void> {
    await rm(temp, { recursive: true, force: true }).catch((cleanupError: unknown) => {
      this.log.warn(
        { err: cleanupError, temp, original },
        'model registry: could not remove a temp path after a failure',
      );
    });
  }

  private assertOpen(): void {
    if (this.closed)
      throw new AppError(registryErrorCodes.closed, 'the model registry is closed', { retriable: false });
  }
}

function notFound(id: string): AppError {
  return new AppError(registryErrorCodes.checkpointNotFound, `checkpoint ${id} is not in the registry`, {
    retriable: false,
  });
}

function ioError(message: string, error: unknown): AppError {
  return sharedIoError(registryErrorCodes.io, `model registry: ${message}`, error);
}
