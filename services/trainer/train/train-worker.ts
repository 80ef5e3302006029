/**
 * Entry of a data-parallel training worker thread: its own tfjs wasm instance and model replica. It
 * receives the master weights and its shard of views each step and answers with gradients and moving
 * statistics; the main thread averages and updates.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { AppError, describeError } from '../../../shared/errors/index.js';
import { initBackend } from './backend.js';
import { createReplica, type Replica } from './replica.js';
import type { FromTrainWorker, ToTrainWorker, TrainWorkerData } from './train-messages.js';
import { trainErrorCodes } from './train-errors.js';

function codeOf(error: unknown): string {
  return error instanceof AppError ? error.code : trainErrorCodes.workerFailed;
}

async function runTrainWorker(port: MessagePort, data: TrainWorkerData): Promise<void> {
  const post = (message: FromTrainWorker) => port.postMessage(message);
  const params = new Float32Array(data.params);
  const into = { grads: new Float32Array(data.grads), stats: new Float32Array(data.stats) };
  let replica: Replica;
  try {
    const backend = await initBackend(data.backend);
    replica = createReplica(data.config, params);
    post({ type: 'ready', backend });
  } catch (error) {
    post({ type: 'error', code: codeOf(error), message: describeError(error) });
    port.close();
    return;
  }
  port.on('message', (message: ToTrainWorker) => {
    if (message.type === 'close') {
      replica.dispose();
      port.close();
      return;
    }
    try {
      replica.setParams(params);
      const result = replica.step(message.a, message.b, message.n, message.size, into);
      post({ type: 'result', id: message.id, n: result.n, loss: result.loss, collapseStd: result.collapseStd });
    } catch (error) {
      post({ type: 'error', id: message.id, code: codeOf(error), message: describeError(error) });
    }
  });
}

if (parentPort) void runTrainWorker(parentPort as unknown as MessagePort, workerData as TrainWorkerData);
