import type { Logger } from '../log/index.js';
import type { RetentionPolicy } from './bus.js';
import type { SqliteLog, TopicRow } from './sqlite-log.js';

export interface RetentionDeletion {
  topic: string;
  partition: number;
  /** the partition's oldest retained offset after the deletion */
  newStart: number;
  messages: number;
  bytes: number;
  /** groups whose committed offset was below newStart: they lose these messages unread */
  unconsumedBy: Array<{ groupId: string; messages: number }>;
}

/**
 * Deletes, per partition, the messages older than maxAgeMs and then the oldest ones beyond maxBytes.
 * Like Kafka it does not wait for consumer groups (a stalled group must not fill the disk), but every
 * deletion a group had not committed past is logged as a warning and returned, so it is never silent.
 * One short transaction per partition keeps producers' waits short. Offsets are never reused.
 */
export function enforceRetention(
  log: SqliteLog,
  defaults: RetentionPolicy,
  now: number,
  logger: Logger,
): RetentionDeletion[] {
  const db = log.db;
  const partitionState = db.prepare(
    'SELECT start_offset AS start, next_offset AS next, bytes FROM bus_partitions WHERE topic_id = ? AND partition = ?',
  );
  const bytesBefore = db.prepare(
    'SELECT coalesce(sum(bytes), 0) AS total FROM bus_messages WHERE topic_id = ? AND partition = ? AND offset < ?',
  );
  const oldestFirst = db.prepare(
    'SELECT offset, bytes FROM bus_messages WHERE topic_id = ? AND partition = ? AND offset >= ? ORDER BY offset',
  );
  const deleteBefore = db.prepare('DELETE FROM bus_messages WHERE topic_id = ? AND partition = ? AND offset < ?');
  const moveStart = db.prepare(
    'UPDATE bus_partitions SET start_offset = ?, bytes = bytes - ? WHERE topic_id = ? AND partition = ?',
  );
  const behind = db.prepare(
    'SELECT group_id AS groupId, offset FROM bus_group_offsets WHERE topic_id = ? AND partition = ? AND offset < ?',
  );

  const deletions: RetentionDeletion[] = [];
  const trimPartition = (
    topic: TopicRow,
    partition: number,
    policy: RetentionPolicy,
  ): RetentionDeletion | undefined => {
    const state = partitionState.get(topic.id, partition) as { start: number; next: number; bytes: number };
    let newStart = state.start;
    if (Number.isFinite(policy.maxAgeMs)) newStart = log.offsetForTime(topic, partition, now - policy.maxAgeMs);
    let freed =
      newStart > state.start ? (bytesBefore.get(topic.id, partition, newStart) as { total: number }).total : 0;
    if (Number.isFinite(policy.maxBytes) && state.bytes - freed > policy.maxBytes) {
      for (const row of oldestFirst.iterate(topic.id, partition, newStart) as IterableIterator<{
        offset: number;
        bytes: number;
      }>) {
        if (state.bytes - freed <= policy.maxBytes) break;
        freed += row.bytes;
        newStart = row.offset + 1;
      }
    }
    if (newStart <= state.start) return undefined;
    deleteBefore.run(topic.id, partition, newStart);
    moveStart.run(newStart, freed, topic.id, partition);
    const unconsumedBy = (behind.all(topic.id, partition, newStart) as Array<{ groupId: string; offset: number }>).map(
      (g) => ({
        groupId: g.groupId,
        messages: newStart - Math.max(g.offset, state.start),
      }),
    );
    return { topic: topic.name, partition, newStart, messages: newStart - state.start, bytes: freed, unconsumedBy };
  };

  for (const topic of log.allTopics()) {
    const policy = log.retentionOf(topic, defaults);
    if (!Number.isFinite(policy.maxAgeMs) && !Number.isFinite(policy.maxBytes)) continue;
    for (let partition = 0; partition < topic.partitions; partition++) {
      const deletion = db.transaction(() => trimPartition(topic, partition, policy)).immediate();
      if (!deletion) continue;
      deletions.push(deletion);
      logger.info(
        { topic: deletion.topic, partition, messages: deletion.messages, bytes: deletion.bytes },
        'bus: retention deleted messages',
      );
      for (const group of deletion.unconsumedBy) {
        logger.warn(
          { topic: deletion.topic, partition, groupId: group.groupId, messages: group.messages },
          'bus: retention deleted messages a consumer group had not committed',
        );
      }
    }
  }
  return deletions;
}
