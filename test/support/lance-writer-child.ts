import { LanceVectorStore } from '../../shared/store/lancedb/lance-vector-store.js';
import { tilePoints } from './vector-store-data.js';

/**
 * A separate writer process for the LanceDB durability and multi-process tests:
 *   node --import tsx lance-writer-child.ts <dir> <collection> <seed> <count> <batch> <tag>
 * upserts `count` seeded points in batches (their `tile_uri` set to `tag`, so two writers of the same ids
 * are told apart) and prints one line `ack <first> <n>` after each upsert has resolved, i.e. is durable.
 */
const [dir, collection, seed, count, batch, tag] = process.argv.slice(2);
const store = await LanceVectorStore.open({
  path: dir,
  exactBelowSelectivity: 0.05,
  indexMinRows: 1_000_000,
  maintenanceIntervalMs: 600_000,
});
const points = tilePoints(Number(seed), Number(count), 16).map((p) => ({
  ...p,
  payload: { ...p.payload, tile_uri: tag },
}));
const size = Number(batch);
for (let i = 0; i < points.length; i += size) {
  await store.upsert(collection, points.slice(i, i + size));
  process.stdout.write(`ack ${i} ${Math.min(size, points.length - i)}\n`);
}
await store.close();
process.stdout.write('done\n');
