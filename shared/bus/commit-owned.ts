import { AppError } from '../errors/index.js';
import type { BusConsumer, TopicPartitionOffset } from './bus.js';
import { busErrorCodes } from './bus-errors.js';

/**
 * Commits a batch's offsets and returns those of partitions this member no longer owns (a rebalance moved them
 * while the batch was processed). The bus commits all or nothing, so after a BUS_NOT_ASSIGNED each partition is
 * committed on its own: the ones still owned must advance (their records are done, and this member has already
 * read past them), the moved ones are left to the new owner, which reads them again from the group's committed
 * offset — so a consumer using this must be idempotent per record. Any other failure is thrown.
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
