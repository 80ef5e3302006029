import { AppError, ValidationError, describeError } from '../../errors/index.js';
import type { DecodePool } from './decode-pool.js';
import { inferErrorCodes } from './infer-errors.js';

/** What the embedder needs from an encoder: OrtEncoder fits; a tfjs encoder fits through a two-line adapter. */
export interface TensorEncoder {
  readonly inputSize: number;
  embedTensor(input: Float32Array, n: number): Promise<Float32Array[]>;
}

export interface ImageEmbedderOptions {
  encoder: TensorEncoder;
  pool: DecodePool;
  /** images per encoder call */
  batchSize: number;
}

/**
 * One result per input image, in input order: its unit vector, or the AppError that image alone caused
 * (UNDECODABLE for bad bytes). A failure that is not the image's fault (the encoder failing) rejects
 * the whole call instead, so a caller can never mistake an outage for bad data.
 */
export type EmbedResult = Float32Array | AppError;

export interface ImageEmbedder {
  embed(images: readonly Uint8Array[]): Promise<EmbedResult[]>;
}

type Decoded = { tensor: Float32Array } | { error: AppError };

/**
 * Decodes on the pool while the encoder runs micro-batches of up to `batchSize` decoded images. At most a
 * few batches of decoded tensors are held at once, so a long image list does not decode ahead into memory.
 */
export function createImageEmbedder(options: ImageEmbedderOptions): ImageEmbedder {
  const { encoder, pool, batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ValidationError(`batchSize must be a positive integer, got ${batchSize}`);
  if (pool.inputSize !== encoder.inputSize) {
    throw new ValidationError(
      `decode pool makes ${pool.inputSize} px tensors but the encoder expects ${encoder.inputSize} px`,
    );
  }
  const perImage = encoder.inputSize * encoder.inputSize * 3;
  // enough decodes ahead to fill the next batch and keep every worker fed (the pool runs 8 per worker)
  const window = 2 * batchSize + 8 * Math.max(1, pool.workers);

  return {
    async embed(images) {
      const results: EmbedResult[] = new Array(images.length);
      const pending: Array<Promise<Decoded>> = [];
      let started = 0;
      const startDecodes = (upTo: number) => {
        for (; started < Math.min(upTo, images.length); started++) {
          // settled into a value at once, so a decode that fails while we await another is never unhandled
          pending[started] = pool.decode(images[started]).then(
            (tensor) => ({ tensor }),
            (error: unknown) => ({ error: asAppError(error) }),
          );
        }
      };
      const batch = new Float32Array(batchSize * perImage);
      const members: number[] = [];
      const flush = async () => {
        if (members.length === 0) return;
        const n = members.length;
        const vectors = await encoder.embedTensor(n === batchSize ? batch : batch.subarray(0, n * perImage), n);
        members.forEach((index, k) => (results[index] = vectors[k]));
        members.length = 0;
      };
      try {
        for (let i = 0; i < images.length; i++) {
          startDecodes(i + window);
          const decoded = await pending[i];
          delete pending[i];
          if ('error' in decoded) {
            results[i] = decoded.error;
            continue;
          }
          if (decoded.tensor.length !== perImage) {
            results[i] = new AppError(
              inferErrorCodes.decodeFailed,
              `decoded tensor holds ${decoded.tensor.length} floats, expected ${perImage}`,
              { retriable: false },
            );
            continue;
          }
          batch.set(decoded.tensor, members.length * perImage);
          members.push(i);
          if (members.length === batchSize) await flush();
        }
        await flush();
      } finally {
        // an encoder failure leaves decodes running: let them settle before the call returns
        await Promise.all(pending.filter((p) => p !== undefined));
      }
      return results;
    },
  };
}

function asAppError(error: unknown): AppError {
  return error instanceof AppError
    ? error
    : new AppError(inferErrorCodes.decodeFailed, `decode failed: ${describeError(error)}`, {
        retriable: false,
        cause: error,
      });
}
