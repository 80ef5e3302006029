import { randomUUID } from 'node:crypto';
import { parseRecord, type Bus } from '../../shared/bus/index.js';
import type { HarvestLedger } from './harvest-ledger.js';

/** Bus timestamps come from the producer's (or broker's) clock; look this much earlier than the intents. */
const CLOCK_SLACK_MS = 60_000;
const POLL = { maxMessages: 1000, timeoutMs: 200 };

/**
 * Settles the intents a harvest left among `prefixes` (its dates): tiles whose message was produced, or was
 * about to be, when the 'produced' row could not be written (a full disk after the bus ack, a crash between
 * the two). Reads `tiles.fetched` from the oldest intent's time with a throwaway consumer group (nothing is
 * committed) and confirms every intent whose message (same point id and sha256) is there; the others are
 * left, and the harvest produces those tiles again. Costs one ledger query per prefix when there are none.
 */
export async function confirmIntentsFromBus(
  bus: Bus,
  ledger: HarvestLedger,
  prefixes: readonly string[],
  signal: AbortSignal,
): Promise<{ intents: number; confirmed: number }> {
  const intents = (await Promise.all(prefixes.map((p) => ledger.intents(p)))).flat();
  if (intents.length === 0) return { intents: 0, confirmed: 0 };
  const byPointId = new Map(intents.map((i) => [i.pointId, i]));
  const since = Math.max(0, Math.min(...intents.map((i) => i.createdAt)) - CLOCK_SLACK_MS);
  const consumer = bus.consumer({
    groupId: `harvester-confirm-${randomUUID()}`,
    topics: ['tiles.fetched'],
    fromBeginning: true,
  });
  const found: Array<{ key: string; sha256: string }> = [];
  try {
    const start = await consumer.seekToTime('tiles.fetched', since);
    // Read up to the end as it is now: messages produced after this point are not the ones the intents await.
    const ends = new Map((await consumer.lag()).map((l) => [l.partition, BigInt(l.end)]));
    const next = new Map(start.map((p) => [p.partition, BigInt(p.offset)]));
    const behind = (): boolean => [...ends].some(([partition, end]) => (next.get(partition) ?? 0n) < end);
    while (behind()) {
      const records = await consumer.poll({ ...POLL, signal });
      if (records.length === 0) break;
      for (const record of records) {
        next.set(record.partition, BigInt(record.offset) + 1n);
        const intent = record.key === null ? undefined : byPointId.get(record.key);
        if (!intent) continue;
        const parsed = parseRecord('tiles.fetched', record);
        if (parsed.ok && parsed.value.sha256 === intent.sha256) found.push({ key: intent.key, sha256: intent.sha256 });
      }
    }
  } finally {
    await consumer.close();
  }
  return { intents: intents.length, confirmed: await ledger.confirmIntents(found) };
}
