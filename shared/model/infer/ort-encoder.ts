import * as ort from 'onnxruntime-node';
import { AppError, ValidationError, describeError } from '../../errors/index.js';
import { silentLogger, type Logger } from '../../log/index.js';
import { onnxErrorCodes } from '../onnx/index.js';
import { inferErrorCodes } from './infer-errors.js';

export type ExecutionProviderName = 'cpu' | 'webgpu' | 'cuda';

export interface OrtEncoderOptions {
  /** threads ORT uses inside one operator (default: ORT's choice, the physical cores) */
  intraOpThreads?: number;
  /**
   * let ORT's intra-op threads spin-wait between operators (default false): spinning buys ~5% raw speed
   * but burns the cores the decode pool needs; measured end to end on 2 cores it costs ~15%
   */
  spinning?: boolean;
  /** tried in order; a GPU provider that cannot start is skipped with a warning; 'cpu' always ends the list */
  executionProviders?: ExecutionProviderName[];
  log?: Logger;
}

/** An exported encoder (see shared/model/onnx) loaded into onnxruntime-node. */
export interface OrtEncoder {
  /** the execution provider the session actually runs on */
  readonly provider: ExecutionProviderName;
  /** square input side the model was exported for */
  readonly inputSize: number;
  readonly embeddingDim: number;
  /** `input`: n normalised NHWC images back to back (n·size·size·3 floats) → n unit vectors */
  embedTensor(input: Float32Array, n: number): Promise<Float32Array[]>;
  close(): Promise<void>;
}

const INPUT = 'input';
const OUTPUT = 'embedding';

/**
 * Opens an ORT session over ONNX bytes. onnxruntime-node does not fall back by itself (a session asked for
 * ['webgpu', 'cpu'] fails outright when no adapter exists), so each GPU provider gets its own attempt and
 * CPU is the last resort that always works. Bytes ORT cannot load → AppError MODEL_INVALID (not retriable).
 */
export async function createOrtEncoder(modelBytes: Uint8Array, options: OrtEncoderOptions = {}): Promise<OrtEncoder> {
  const log = options.log ?? silentLogger();
  if (
    options.intraOpThreads !== undefined &&
    (!Number.isInteger(options.intraOpThreads) || options.intraOpThreads < 1)
  ) {
    throw new ValidationError(`intraOpThreads must be a positive integer, got ${options.intraOpThreads}`);
  }
  const requested = options.executionProviders ?? ['cpu'];
  const candidates = [...requested.filter((p) => p !== 'cpu'), 'cpu' as const];
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: options.spinning === true ? '1' : '0' } } },
    ...(options.intraOpThreads !== undefined ? { intraOpNumThreads: options.intraOpThreads } : {}),
  };

  let session: ort.InferenceSession | undefined;
  let provider: ExecutionProviderName = 'cpu';
  for (const candidate of candidates) {
    try {
      session = await ort.InferenceSession.create(modelBytes, { ...base, executionProviders: [candidate] });
      provider = candidate;
      break;
    } catch (cause) {
      if (candidate === 'cpu') {
        throw new AppError(onnxErrorCodes.modelInvalid, `onnxruntime cannot load the model: ${describeError(cause)}`, {
          retriable: false,
          cause,
        });
      }
      log.warn({ provider: candidate, err: describeError(cause) }, 'execution provider unavailable, falling back');
    }
  }
  if (session === undefined)
    throw new AppError(onnxErrorCodes.modelInvalid, 'no execution provider could load the model', { retriable: false });

  const { inputSize, embeddingDim } = checkSignature(session);
  log.info(
    { provider, inputSize, embeddingDim, intraOpThreads: options.intraOpThreads ?? 'default' },
    'onnx encoder ready',
  );
  const perImage = inputSize * inputSize * 3;
  let closed = false;
  const open = session;

  return {
    provider,
    inputSize,
    embeddingDim,
    async embedTensor(input, n) {
      if (closed) throw new AppError(inferErrorCodes.encoderClosed, 'the encoder is closed', { retriable: false });
      if (!Number.isInteger(n) || n < 1) throw new ValidationError(`batch size must be a positive integer, got ${n}`);
      if (input.length !== n * perImage) {
        throw new ValidationError(
          `input holds ${input.length} floats; ${n} images of ${inputSize}x${inputSize}x3 need ${n * perImage}`,
        );
      }
      let data: Float32Array;
      try {
        const out = await open.run({ [INPUT]: new ort.Tensor('float32', input, [n, inputSize, inputSize, 3]) });
        data = out[OUTPUT].data as Float32Array;
      } catch (cause) {
        throw new AppError(inferErrorCodes.inferenceFailed, `onnxruntime run failed: ${describeError(cause)}`, {
          retriable: false,
          cause,
        });
      }
      const rows: Float32Array[] = [];
      // copies, so a caller keeping one vector does not pin the whole batch buffer
      for (let i = 0; i < n; i++) rows.push(data.slice(i * embeddingDim, (i + 1) * embeddingDim));
      return rows;
    },
    async close() {
      if (closed) return;
      closed = true;
      await open.release();
    },
  };
}

/** The model must be this project's encoder: `input` [N, S, S, 3] → `embedding` [N, D]. */
function checkSignature(session: ort.InferenceSession): { inputSize: number; embeddingDim: number } {
  const input = session.inputMetadata.find((m) => m.name === INPUT);
  const output = session.outputMetadata.find((m) => m.name === OUTPUT);
  const fail = (why: string) =>
    new AppError(onnxErrorCodes.modelInvalid, `not a gibs-embed encoder: ${why}`, { retriable: false });
  if (input === undefined || !input.isTensor)
    throw fail(`no tensor input "${INPUT}" (inputs: ${session.inputNames.join(', ')})`);
  if (output === undefined || !output.isTensor)
    throw fail(`no tensor output "${OUTPUT}" (outputs: ${session.outputNames.join(', ')})`);
  const [, h, w, c] = input.shape;
  if (input.shape.length !== 4 || typeof h !== 'number' || h !== w || c !== 3)
    throw fail(`input shape [${input.shape.join(', ')}] is not [N, S, S, 3]`);
  const dim = output.shape[1];
  if (output.shape.length !== 2 || typeof dim !== 'number')
    throw fail(`output shape [${output.shape.join(', ')}] is not [N, D]`);
  return { inputSize: h, embeddingDim: dim };
}
