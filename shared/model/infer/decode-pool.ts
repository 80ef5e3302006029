import type { Worker } from 'node:worker_threads';
import { AppError, ValidationError, describeError } from '../../errors/index.js';
import { silentLogger, type Logger } from '../../log/index.js';
import type { ChannelStats } from '../image/index.js';
import type { DecodeReply, DecodeWorkerData } from './decode-messages.js';
import { preprocessImage } from './preprocess-image.js';
import { startModuleWorker } from '../../workers/index.js';
import { inferErrorCodes } from './infer-errors.js';

export interface DecodePoolOptions {
  /** worker threads; 0 decodes on the calling thread (small jobs, tests) */
  workers: number;
  inputSize: number;
  stats: ChannelStats;
  log?: Logger;
}

/** JPEG/PNG bytes → normalised NHWC tensors ([size, size, 3]), decoded on worker threads. */
export interface DecodePool {
  readonly workers: number;
  readonly inputSize: number;
  /** rejects with an AppError (UNDECODABLE for bad bytes) */
  decode(bytes: Uint8Array): Promise<Float32Array>;
  /** finishes queued and running decodes, then stops the workers */
  close(): Promise<void>;
}

interface Task {
  id: number;
  bytes: Uint8Array;
  resolve: (tensor: Float32Array) => void;
  reject: (error: AppError) => void;
}

interface Slot {
  worker: Worker;
  running: Map<number, Task>;
}

/**
 * Requests outstanding per worker. sharp's native decode runs on libuv's process-wide thread pool, so a
 * worker only does the JS part (float conversion, normalisation) itself; it needs several decodes queued
 * to keep that pool busy (measured on 2 cores: 2 in flight ≈ 320 img/s, 8 ≈ 380, main thread ≈ 400).
 */
const IN_FLIGHT_PER_WORKER = 8;

export async function createDecodePool(options: DecodePoolOptions): Promise<DecodePool> {
  const { workers, inputSize, stats } = options;
  const log = options.log ?? silentLogger();
  if (!Number.isInteger(workers) || workers < 0)
    throw new ValidationError(`workers must be a non-negative integer, got ${workers}`);
  if (!Number.isInteger(inputSize) || inputSize < 1)
    throw new ValidationError(`inputSize must be a positive integer, got ${inputSize}`);
  if (workers === 0) return inlinePool(inputSize, stats);

  const slots: Slot[] = [];
  const queue: Task[] = [];
  let nextId = 0;
  let closing = false;
  let drained: (() => void) | undefined;
  const busy = () => queue.length > 0 || slots.some((s) => s.running.size > 0);

  const pump = () => {
    while (queue.length > 0) {
      const slot = slots
        .filter((s) => s.running.size < IN_FLIGHT_PER_WORKER)
        .sort((a, b) => a.running.size - b.running.size)[0];
      if (slot === undefined) return;
      const task = queue.shift() as Task;
      slot.running.set(task.id, task);
      // a copy goes to the worker: transferring would detach the caller's buffer
      slot.worker.postMessage({ id: task.id, bytes: task.bytes });
    }
    if (!busy() && drained) drained();
  };

  const spawn = (): Promise<Slot> =>
    new Promise((resolve, reject) => {
      const workerData: DecodeWorkerData = { inputSize, stats };
      const worker = startModuleWorker(new URL('./decode-worker.ts', import.meta.url), { workerData });
      const slot: Slot = { worker, running: new Map() };
      let ready = false;
      let dead = false;
      worker.on('message', (reply: DecodeReply) => {
        if (reply.kind === 'ready') {
          ready = true;
          resolve(slot);
          return;
        }
        const task = slot.running.get(reply.id);
        if (task === undefined) return;
        slot.running.delete(reply.id);
        if (reply.kind === 'done') task.resolve(reply.tensor);
        else task.reject(new AppError(reply.error.code, reply.error.message, { retriable: reply.error.retriable }));
        pump();
      });
      const onDeath = (cause: unknown) => {
        if (dead) return; // 'error' is followed by 'exit': handle the death once
        dead = true;
        const index = slots.indexOf(slot);
        if (index >= 0) slots.splice(index, 1);
        if (!ready) {
          reject(
            new AppError(inferErrorCodes.decodeWorkerFailed, `decode worker failed to start: ${describeError(cause)}`, {
              retriable: false,
              cause,
            }),
          );
          return;
        }
        // the images it held are not at fault: retriable, and a replacement takes over the queue
        for (const task of slot.running.values()) {
          task.reject(
            new AppError(inferErrorCodes.decodeWorkerFailed, `decode worker died: ${describeError(cause)}`, {
              retriable: true,
              cause,
            }),
          );
        }
        slot.running.clear();
        if (closing) {
          if (slots.length === 0)
            for (const task of queue.splice(0))
              task.reject(
                new AppError(inferErrorCodes.decodePoolClosed, 'the decode pool closed', { retriable: false }),
              );
          return pump();
        }
        log.warn({ err: describeError(cause) }, 'decode worker died, starting a replacement');
        spawn().then(
          (fresh) => {
            slots.push(fresh);
            pump();
          },
          (error: unknown) => {
            log.error({ err: describeError(error) }, 'decode worker replacement failed');
            if (slots.length === 0) for (const task of queue.splice(0)) task.reject(error as AppError);
            pump();
          },
        );
      };
      worker.on('error', onDeath);
      worker.on('exit', (code) => {
        if (!closing || slot.running.size > 0) onDeath(new Error(`exited with code ${code}`));
      });
    });

  const started = await Promise.allSettled(Array.from({ length: workers }, () => spawn()));
  for (const result of started) if (result.status === 'fulfilled') slots.push(result.value);
  const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    closing = true;
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw failure.reason;
  }
  log.debug({ workers, inputSize }, 'decode pool ready');

  return {
    workers,
    inputSize,
    decode(bytes) {
      if (closing)
        return Promise.reject(
          new AppError(inferErrorCodes.decodePoolClosed, 'the decode pool is closed', { retriable: false }),
        );
      return new Promise((resolve, reject) => {
        queue.push({ id: nextId++, bytes, resolve, reject });
        pump();
      });
    },
    async close() {
      if (closing) return;
      closing = true;
      if (busy()) await new Promise<void>((resolve) => (drained = resolve));
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

function inlinePool(inputSize: number, stats: ChannelStats): DecodePool {
  let closed = false;
  return {
    workers: 0,
    inputSize,
    decode(bytes) {
      if (closed)
        return Promise.reject(
          new AppError(inferErrorCodes.decodePoolClosed, 'the decode pool is closed', { retriable: false }),
        );
      return preprocessImage(bytes, inputSize, stats);
    },
    async close() {
      closed = true;
    },
  };
}
