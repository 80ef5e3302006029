import { AppError, ValidationError, describeError, errorCodes } from '../../errors/index.js';
import { silentLogger, type Logger } from '../../log/index.js';
import { createDecodePool } from './decode-pool.js';
import { createImageEmbedder } from './image-embedder.js';
import { createOrtEncoder, type ExecutionProviderName } from './ort-encoder.js';
import { prepareModel } from './prepare-model.js';

export interface QueryEmbedderOptions {
  /** the checkpoint directory of the model whose collection is queried (resolve ids with the registry) */
  checkpoint: string;
  /**
   * the id the collection's points carry in `model`: the checkpoint must be that one, or the query vector
   * would live in another space than the stored ones (a ValidationError names both)
   */
  expectModelId?: string;
  /** ORT intra-op threads (default: ORT's choice) */
  intraOpThreads?: number;
  executionProviders?: ExecutionProviderName[];
  log?: Logger;
}

/** One query image as a caller has it: `label` names it in errors (a file path, an upload's name). */
export interface QueryImage {
  label: string;
  bytes: Uint8Array;
}

/** Embeds query images exactly as the embedder embeds tiles, so a stored tile's own image scores ~1 against it. */
export interface QueryEmbedder {
  /** the checkpoint id, as points carry it in `model` */
  readonly modelId: string;
  readonly embeddingDim: number;
  /**
   * One unit vector per image, in order. An image that cannot be decoded is the caller's bad input: a
   * ValidationError (code UNDECODABLE) naming its label; an encoder failure stays what it is.
   */
  embed(images: readonly QueryImage[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/** Images per encoder call: queries carry a handful of examples, never a stream. */
const QUERY_BATCH = 8;

/**
 * The checkpoint → ONNX → ORT session, with the decode on the calling thread (a few images do not pay for
 * worker start-up). Same preprocessing and model export as the embedder (prepareModel at the checkpoint's
 * own input size, preprocessImage), so query and stored vectors are comparable. Load once, embed many.
 */
export async function openQueryEmbedder(options: QueryEmbedderOptions): Promise<QueryEmbedder> {
  const log = options.log ?? silentLogger();
  const model = await prepareModel({ checkpoint: options.checkpoint });
  if (options.expectModelId !== undefined && model.modelId !== options.expectModelId) {
    throw new ValidationError(
      `checkpoint ${options.checkpoint} is model ${model.modelId}, but the collection was embedded with ${options.expectModelId}`,
    );
  }
  const encoder = await createOrtEncoder(model.onnx, {
    intraOpThreads: options.intraOpThreads,
    executionProviders: options.executionProviders,
    log,
  });
  const pool = await createDecodePool({ workers: 0, inputSize: model.inputSize, stats: model.stats, log });
  const embedder = createImageEmbedder({ encoder, pool, batchSize: QUERY_BATCH });
  return {
    modelId: model.modelId,
    embeddingDim: model.embeddingDim,
    async embed(images) {
      if (images.length === 0) return [];
      const results = await embedder.embed(images.map((image) => image.bytes));
      return results.map((result, i) => {
        if (result instanceof AppError) throw asBadInput(images[i].label, result);
        return result;
      });
    },
    async close() {
      await pool.close();
      await encoder.close();
    },
  };
}

function asBadInput(label: string, error: AppError): ValidationError {
  // a per-image failure is always the image's fault (see EmbedResult): one code for callers to branch on
  return new ValidationError(`${label} is not a decodable JPEG/PNG image: ${describeError(error)}`, {
    code: errorCodes.undecodable,
    cause: error,
  });
}
