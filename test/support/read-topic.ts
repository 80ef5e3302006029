import { randomUUID } from 'node:crypto';
import { parseRecord, type Bus, type BusRecord, type TopicName, type TopicPayload } from '../../shared/bus/index.js';

/**
 * Every message of a typed topic from its start, parsed (a record that fails its schema fails the test), read by
 * a fresh consumer group that never commits; stops at the first poll that waits `idleMs` and finds nothing.
 */
export async function readTopic<T extends TopicName>(
  bus: Bus,
  name: T,
  options: { idleMs?: number } = {},
): Promise<Array<TopicPayload<T>>> {
  const consumer = bus.consumer({ groupId: `read-${name}-${randomUUID()}`, topics: [name] });
  const out: Array<TopicPayload<T>> = [];
  try {
    for (;;) {
      const records: BusRecord[] = await consumer.poll({ maxMessages: 1000, timeoutMs: options.idleMs ?? 50 });
      if (records.length === 0) break;
      for (const r of records) {
        const parsed = parseRecord(name, r);
        if (!parsed.ok) throw new Error(`${name} holds a bad record: ${parsed.reason}`);
        out.push(parsed.value);
      }
    }
  } finally {
    await consumer.close();
  }
  return out;
}
