import type { BusConsumer, BusRecord } from '../../shared/bus/index.js';
import { AbortedError } from '../../shared/errors/index.js';

export interface CollectOptions {
  /** the batch is complete at this many records ... */
  batchSize: number;
  /** ... or once its first record has waited this long */
  lingerMs: number;
  /** how long one call waits for a first record before returning an empty batch */
  idleWaitMs: number;
  /** stops the wait; records already polled are still returned (they must be processed: positions moved) */
  signal: AbortSignal;
}

/**
 * One micro-batch by size and time: waits up to idleWaitMs for a first record, then up to lingerMs more for the
 * batch to fill. Never loses a polled record: an abort returns what was collected so far.
 */
export async function collectBatch(consumer: BusConsumer, options: CollectOptions): Promise<BusRecord[]> {
  const { batchSize, lingerMs, idleWaitMs, signal } = options;
  const records: BusRecord[] = [];
  const pollInto = async (timeoutMs: number): Promise<number> => {
    if (signal.aborted) return 0;
    try {
      const got = await consumer.poll({ maxMessages: batchSize - records.length, timeoutMs, signal });
      records.push(...got);
      return got.length;
    } catch (error) {
      if (error instanceof AbortedError) return 0;
      throw error;
    }
  };
  if ((await pollInto(idleWaitMs)) === 0) return records;
  const deadline = performance.now() + lingerMs;
  while (records.length < batchSize) {
    const left = Math.floor(deadline - performance.now());
    if (left <= 0 || (await pollInto(left)) === 0) break;
  }
  return records;
}
