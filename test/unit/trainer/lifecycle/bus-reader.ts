import { createBus, parseRecord, type Bus } from '../../../../shared/bus/index.js';
import { MODELS_TOPIC, type ModelAnnouncement } from '../../../../shared/model/registry/index.js';

/** A real SQLite bus on `file` with the `models` topic, as the trainer and the CLI open it. */
export async function openModelsBus(file: string): Promise<Bus> {
  const bus = await createBus({
    kind: 'sqlite',
    path: file,
    defaultPartitions: 4,
    retention: { maxAgeMs: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY },
  });
  await bus.ensureTopics([MODELS_TOPIC]);
  return bus;
}

/** Every announcement on the `models` topic so far, oldest first, through a fresh consumer group. */
export async function readAnnouncements(bus: Bus): Promise<ModelAnnouncement[]> {
  const consumer = bus.consumer({ groupId: `reader-${process.hrtime.bigint()}`, topics: ['models'] });
  try {
    const out: ModelAnnouncement[] = [];
    for (;;) {
      const records = await consumer.poll({ maxMessages: 100, timeoutMs: 200 });
      if (records.length === 0) return out;
      for (const record of records) {
        const parsed = parseRecord('models', record);
        if (!parsed.ok) throw new Error(`bad models record: ${parsed.reason}`);
        out.push(parsed.value);
      }
    }
  } finally {
    await consumer.close();
  }
}
