import { collectionForModel } from '../../shared/store/index.js';
import type { Logger } from '../../shared/log/index.js';
import {
  createDecodePool,
  createImageEmbedder,
  createOrtEncoder,
  prepareModel,
  type EmbedResult,
  type ExecutionProviderName,
} from '../../shared/model/infer/index.js';

/** One loaded model: its decode pool (the model's input size and statistics) and its ONNX Runtime session. */
export interface ModelRuntime {
  /** checkpoint id */
  readonly id: string;
  /** the collection its vectors go to */
  readonly collection: string;
  readonly dimension: number;
  /** one result per image, in order: a unit vector or the AppError that image alone caused */
  embed(images: readonly Uint8Array[]): Promise<EmbedResult[]>;
  close(): Promise<void>;
}

export interface ModelRuntimeOptions {
  /** images per encoder call */
  batchSize: number;
  /** decode worker threads (0 = the calling thread) */
  decodeWorkers: number;
  /** ONNX Runtime intra-op threads; 0 = its default */
  threads: number;
  executionProvider: ExecutionProviderName;
  log: Logger;
}

/** A verified checkpoint directory → a ready model (the checkpoint is verified again on load: tampering is refused). */
export async function openModelRuntime(checkpointDir: string, options: ModelRuntimeOptions): Promise<ModelRuntime> {
  const model = await prepareModel({ checkpoint: checkpointDir });
  const encoder = await createOrtEncoder(model.onnx, {
    intraOpThreads: options.threads > 0 ? options.threads : undefined,
    executionProviders: options.executionProvider === 'cpu' ? ['cpu'] : [options.executionProvider, 'cpu'],
    log: options.log,
  });
  try {
    const pool = await createDecodePool({
      workers: options.decodeWorkers,
      inputSize: model.inputSize,
      stats: model.stats,
      log: options.log,
    });
    const embedder = createImageEmbedder({ encoder, pool, batchSize: options.batchSize });
    let closed = false;
    return {
      id: model.modelId,
      collection: collectionForModel(model.modelId),
      dimension: model.embeddingDim,
      embed: (images) => embedder.embed(images),
      async close() {
        if (closed) return;
        closed = true;
        await pool.close();
        await encoder.close();
      },
    };
  } catch (error) {
    await encoder.close();
    throw error;
  }
}
