import {
  commitOwned,
  nextOffsets,
  produceTyped,
  type Bus,
  type BusConsumer,
  type TypedMessage,
} from '../../shared/bus/index.js';
import type { Logger } from '../../shared/log/index.js';
import { SERVING_ALIAS, modelOfCollection, type VectorStore } from '../../shared/store/index.js';
import type { CrashHook } from './crash-hook.js';
import { embedTiles, type Batch } from './embed-batch.js';
import type { EmbedderMetrics } from './embedder-metrics.js';
import type { ModelSet } from './model-set.js';

export interface WriteDeps {
  bus: Bus;
  store: VectorStore;
  models: ModelSet;
  log: Logger;
  metrics?: EmbedderMetrics;
  crash?: CrashHook;
  now: () => Date;
}

/**
 * The write half of a batch, in the order that makes a crash anywhere harmless (DESIGN.md "Delivery semantics"):
 * upsert into every model's collection, check the alias, produce tiles.embedded and the DLQ records, and only then
 * commit. Resumable: a retry after a retriable failure skips what is done. Records of a partition that moved to
 * another member meanwhile (BUS_NOT_ASSIGNED) are left uncommitted: the new owner redoes them.
 */
export async function writeBatch(batch: Batch, consumer: BusConsumer, deps: WriteDeps): Promise<void> {
  const { store } = deps;
  const wroteNow = batch.written.size === 0;
  // the serving collection last: whatever it holds, the next model's collection already has (the re-embed job
  // moves the alias once the next one holds every id of the serving one)
  for (const [collection, points] of [...batch.points].reverse()) {
    if (batch.written.has(collection)) continue;
    if (points.length > 0) await store.upsert(collection, points);
    batch.written.add(collection);
  }
  if (wroteNow) deps.crash?.('after-upsert');
  await followAlias(batch, deps);

  if (!batch.embeddedProduced) {
    const embeddedAt = deps.now().toISOString();
    const messages: Array<TypedMessage<'tiles.embedded'>> = (batch.points.get(batch.serving.collection) ?? []).map(
      (p) => ({
        key: p.id,
        // 9 significant digits round-trip float32 exactly, at half the text of a double's 17
        value: {
          v: 1,
          id: p.id,
          model: batch.serving.id,
          vector: Array.from(p.vector, (x) => Number(x.toPrecision(9))),
          payload: p.payload,
          embedded_at: embeddedAt,
        },
      }),
    );
    if (messages.length > 0) await produceTyped(deps.bus, 'tiles.embedded', messages);
    batch.embeddedProduced = true;
  }
  if (!batch.dlqProduced) {
    if (batch.dlq.length > 0) await produceTyped(deps.bus, 'tiles.dlq', batch.dlq);
    batch.dlqProduced = true;
    for (const message of batch.dlq) {
      deps.metrics?.dlq.inc({ code: message.value.code });
      deps.log.warn(
        { code: message.value.code, reason: message.value.reason, offset: message.value.source_offset },
        'embedder: record sent to tiles.dlq',
      );
    }
  }
  const moved = await commitOwned(consumer, nextOffsets(batch.records));
  if (moved.length > 0)
    deps.log.info(
      { partitions: moved.map((o) => `${o.topic}/${o.partition}`) },
      'embedder: partitions moved before commit; their new owner redoes their records',
    );
  deps.crash?.('after-commit');
  for (const [collection, points] of batch.points)
    deps.metrics?.images.inc({ model: modelOfCollection(collection) ?? collection }, points.length);
  deps.metrics?.batchSize.observe(batch.records.length);
  deps.metrics?.batchSeconds.observe((performance.now() - batch.startedAt) / 1000);
}

/**
 * The alias may have moved while the batch was embedded (the re-embed job finished, maybe in another process). Its
 * collection must get this batch too, or a tile would be missing from what queries see: when the batch's models do
 * not include the alias's, embed the batch with that model as well (loading it if needed). Its vectors are the ones
 * tiles.embedded carries.
 */
async function followAlias(batch: Batch, deps: WriteDeps): Promise<void> {
  const alias = await deps.store.getAlias(SERVING_ALIAS);
  deps.models.noteAlias(alias);
  if (alias === undefined || batch.points.has(alias)) {
    if (alias !== undefined) batch.serving = batch.targets.models.find((m) => m.collection === alias) ?? batch.serving;
    return;
  }
  const model = modelOfCollection(alias);
  if (model === undefined) {
    deps.log.error({ alias: SERVING_ALIAS, collection: alias }, 'embedder: the alias names a foreign collection');
    return;
  }
  batch.extra ??= await deps.models.hold(model);
  const runtime = batch.extra.runtime;
  const result = await embedTiles(runtime, batch.tiles, batch.dlq, deps.now().toISOString());
  if (result.points.length > 0) await deps.store.upsert(runtime.collection, result.points);
  batch.points.set(runtime.collection, result.points);
  batch.written.add(runtime.collection);
  batch.serving = runtime;
  deps.log.info(
    { model, records: batch.records.length },
    'embedder: the alias moved mid-batch; batch written to it too',
  );
}
