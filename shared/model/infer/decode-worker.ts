import { parentPort, workerData } from 'node:worker_threads';
import { AppError, describeError } from '../../errors/index.js';
import type { DecodeReply, DecodeRequest, DecodeWorkerData } from './decode-messages.js';
import { preprocessImage } from './preprocess-image.js';
import { inferErrorCodes } from './infer-errors.js';

/**
 * Entry of a decode worker thread (started by createDecodePool): decodes and normalises one image per
 * request; the tensor goes back as a transferred buffer (no copy). Errors travel as code/message/retriable.
 */
function serve(): void {
  const port = parentPort;
  if (port === null) throw new Error('decode-worker must run in a worker thread');
  const { inputSize, stats } = workerData as DecodeWorkerData;
  const reply = (message: DecodeReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  port.on('message', (request: DecodeRequest) => {
    preprocessImage(request.bytes, inputSize, stats).then(
      (tensor) => reply({ kind: 'done', id: request.id, tensor }, [tensor.buffer as ArrayBuffer]),
      (error: unknown) =>
        reply({
          kind: 'failed',
          id: request.id,
          error:
            error instanceof AppError
              ? { code: error.code, message: error.message, retriable: error.retriable }
              : { code: inferErrorCodes.decodeFailed, message: describeError(error), retriable: false },
        }),
    );
  });
  reply({ kind: 'ready' });
}

serve();
