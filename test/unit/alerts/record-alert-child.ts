import { createInterface } from 'node:readline';
import { SqliteAlertStore, type NewAlert } from '../../../shared/alerts/index.js';
import { samplePayload } from '../../support/vector-store-data.js';

/**
 * A second alerter process for the race test (sqlite-alert-processes.test.ts):
 *   node --import tsx record-alert-child.ts <db> <dupRuleId> <coolRuleId> <count> <tag> <otherTag>
 * opens the store, prints `ready`, waits for `go` on stdin, then records one alert for the cooldown rule (a tile
 * of its own, the shared instant) and alerts of tiles 0..count-1 for the other rule in lockstep with the other
 * child: before tile k it waits until the other has finished tile k-1 (progress marks in the store), so every
 * tile is contested however the two processes are scheduled. Prints one JSON line of what recordAlert answered.
 */
const [db, dupRuleId, coolRuleId, count, tag, other] = process.argv.slice(2);
const store = await SqliteAlertStore.open({ path: db, busyTimeoutMs: 20_000 });
const sha = (n: number) => n.toString(16).padStart(64, '0');
const alert = (ruleId: string, tileId: string, n: number): NewAlert => ({
  ruleId,
  tileId,
  sha256: sha(n),
  model: 'ckpt-a',
  score: 0.95,
  payload: samplePayload({ sha256: sha(n) }),
  alertedAt: '2026-07-01T12:00:00.000Z',
});

const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
await new Promise<void>((resolve) => lines.on('line', (line) => line === 'go' && resolve()));
lines.close();

const cooldown = await store.recordAlert(alert(coolRuleId, `cool-${tag}`, 1));
const recorded: number[] = [];
const reasons: Record<string, number> = {};
const n = Number(count);
// progress marks: "this child is done with tile k" as a scored (tile, bytes) pair only these children write
const mark = (who: string, k: number) => `progress-${who}-${k}`;
for (let k = 0; k < n; k++) {
  if (k > 0) {
    const deadline = Date.now() + 30_000;
    while (!(await store.wasScored(mark(other, k - 1), sha(0)))) {
      if (Date.now() > deadline) throw new Error(`${tag}: ${other} never finished tile ${k - 1}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  const result = await store.recordAlert(alert(dupRuleId, `tile-${k}`, k));
  if (result.recorded) recorded.push(k);
  else reasons[result.reason] = (reasons[result.reason] ?? 0) + 1;
  await store.markScored(mark(tag, k), sha(0), 'race', new Date());
}
await store.close();
process.stdout.write(
  `${JSON.stringify({ cooldown: cooldown.recorded ? 'recorded' : cooldown.reason, recorded, reasons })}\n`,
);
