import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { AppError, ValidationError, describeError, errorCodes } from '../../errors/index.js';
import { silentLogger, type Logger } from '../../log/index.js';
import { listImageFiles } from '../image/index.js';
import { createDecodePool } from './decode-pool.js';
import { createImageEmbedder } from './image-embedder.js';
import { createOrtEncoder, type ExecutionProviderName } from './ort-encoder.js';
import { prepareModel, type PrepareModelOptions } from './prepare-model.js';
import { inferErrorCodes } from './infer-errors.js';

export interface EmbedImagesToJsonlOptions extends PrepareModelOptions {
  /** every JPEG/PNG under it, recursively, in sorted relative-path order */
  dir: string;
  /** JSONL output; written to a temp name and renamed, so a crash never leaves a half file under this name */
  out: string;
  /** images per encoder call (default 32) */
  batchSize?: number;
  /** decode worker threads (default: available cores) */
  workers?: number;
  intraOpThreads?: number;
  executionProviders?: ExecutionProviderName[];
  log?: Logger;
}

export interface EmbedImagesSummary {
  modelId: string;
  provider: ExecutionProviderName;
  embeddingDim: number;
  inputSize: number;
  /** image files found */
  images: number;
  /** lines written */
  embedded: number;
  /** images that got no line, with the reason (undecodable, unreadable) */
  failed: Array<{ path: string; code: string; message: string }>;
  seconds: number;
}

/**
 * `gibs-embed embed-images DIR --checkpoint DIR|random [--seed N] --out FILE.jsonl`: one line per embedded
 * image, `{"path": "<relative, '/'-separated>", "vector": [...]}`, in sorted path order. An image that
 * cannot be read or decoded gets no line; it is listed in the summary's `failed` (and logged), and the run
 * goes on. Vector components are written with 9 significant digits, which round-trips float32 exactly.
 */
export async function embedImagesToJsonl(options: EmbedImagesToJsonlOptions): Promise<EmbedImagesSummary> {
  const started = performance.now();
  const log = options.log ?? silentLogger();
  const batchSize = options.batchSize ?? 32;
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ValidationError(`batchSize must be a positive integer, got ${batchSize}`);

  const files = await listImageFiles(options.dir);
  const model = await prepareModel(options);
  const encoder = await createOrtEncoder(model.onnx, {
    intraOpThreads: options.intraOpThreads,
    executionProviders: options.executionProviders,
    log,
  });
  const failed: EmbedImagesSummary['failed'] = [];
  let embedded = 0;
  const temp = `${options.out}.partial-${process.pid}`;
  try {
    const pool = await createDecodePool({
      workers: Math.min(workers, Math.max(1, files.length)),
      inputSize: model.inputSize,
      stats: model.stats,
      log,
    });
    try {
      const embedder = createImageEmbedder({ encoder, pool, batchSize });
      await mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
      const stream = createWriteStream(temp, { flags: 'w' });
      const streamFailed = new Promise<never>((_, reject) => stream.once('error', reject));
      streamFailed.catch(() => undefined); // observed below through Promise.race; never unhandled
      const write = async (text: string) => {
        if (!stream.write(text)) await Promise.race([once(stream, 'drain'), streamFailed]);
      };
      // chunks bound how many file bytes are held at once; the embedder overlaps decode and inference within one
      const chunk = batchSize * 4;
      for (let start = 0; start < files.length; start += chunk) {
        const group = files.slice(start, start + chunk);
        const read = await Promise.all(group.map((f) => readImage(f.path)));
        const readable = read.filter((r): r is Uint8Array => r instanceof Uint8Array);
        const results = await embedder.embed(readable);
        let k = 0;
        for (let i = 0; i < group.length; i++) {
          const outcome = read[i] instanceof Uint8Array ? results[k++] : (read[i] as AppError);
          if (outcome instanceof Float32Array) {
            await write(
              `${JSON.stringify({ path: group[i].relative, vector: Array.from(outcome, (v) => Number(v.toPrecision(9))) })}\n`,
            );
            embedded++;
          } else {
            failed.push({ path: group[i].relative, code: outcome.code, message: outcome.message });
            log.warn({ path: group[i].relative, code: outcome.code, err: outcome.message }, 'image not embedded');
          }
        }
        log.debug({ done: Math.min(start + chunk, files.length), of: files.length }, 'embedding images');
      }
      stream.end();
      await Promise.race([once(stream, 'finish'), streamFailed]);
    } finally {
      await pool.close();
    }
    await rename(temp, options.out);
  } catch (error) {
    await rm(temp, { force: true });
    throw error instanceof AppError
      ? error
      : new AppError(inferErrorCodes.embedImagesFailed, `embedding ${options.dir} failed: ${describeError(error)}`, {
          retriable: false,
          cause: error,
        });
  } finally {
    await encoder.close();
  }
  const summary: EmbedImagesSummary = {
    modelId: model.modelId,
    provider: encoder.provider,
    embeddingDim: model.embeddingDim,
    inputSize: model.inputSize,
    images: files.length,
    embedded,
    failed,
    seconds: (performance.now() - started) / 1000,
  };
  log.info({ ...summary, failed: failed.length }, 'embedded images');
  return summary;
}

async function readImage(file: string): Promise<Uint8Array | AppError> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    return new AppError(errorCodes.imageUnreadable, `cannot read ${file}: ${code ?? describeError(cause)}`, {
      retriable: code === 'EMFILE' || code === 'EAGAIN',
      cause,
    });
  }
}
