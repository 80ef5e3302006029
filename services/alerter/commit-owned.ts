import { busErrorCodes, type BusConsumer, type TopicPartitionOffset } from '../../shared/bus/index.js';
import { AppError } from '../../shared/errors/index.js';

/**
 * Commits a batch's offsets and returns those of partitions this member no longer owns (a rebalance moved them
 * while the batch was scored): the bus commits all or nothing, so after BUS_NOT_ASSIGNED each partition is tried on
 * its own — the owned ones advance, the moved ones are redone by their new owner (the alerter is idempotent).
 * (The embedder's write-batch.ts does the same; a shared/bus helper would serve both.)
 */
export async function commitOwned(
  consumer: BusConsumer,
  offsets: TopicPartitionOffset[],
): Promise<TopicPartitionOffset[]> {
  try {
    await consumer.commit(offsets);
    return [];
  } catch (error) {
    if (!isNotAssigned(error)) throw error;
  }
  const moved: TopicPartitionOffset[] = [];
  for (const offset of offsets) {
    try {
      await consumer.commit([offset]);
    } catch (error) {
      if (!isNotAssigned(error)) throw error;
      moved.push(offset);
    }
  }
  return moved;
}

const isNotAssigned = (error: unknown) => error instanceof AppError && error.code === busErrorCodes.notAssigned;
