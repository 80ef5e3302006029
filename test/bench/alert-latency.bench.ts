import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createBlobStore } from '../../shared/blob/index.js';
import { createBus } from '../../shared/bus/index.js';
import { blobStoreOptions, busOptions, loadConfig } from '../../shared/config/index.js';
import { harvestTiles, realTiles } from '../support/fetched-tiles.js';
import { runCli } from '../support/run-cli.js';
import { startGibsEmbed } from '../support/start-process.js';
import type { BenchResult, BenchSuite } from './bench-result.js';
import { percentile } from './store/ground-truth.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Harvest → alert latency, the number operations teams care about: from the moment a tile is stored (its bytes in
 * the tile store and its tiles.fetched record appended, as the harvester does) to the moment its webhook reaches a
 * receiver on loopback. `gibs-embed start --only embedder,alerter,api` runs with the default configuration in its
 * own process; this process plays the harvester at a steady rate (one tile at a time, on a fixed schedule) and runs
 * the webhook receiver. One rule matches every tile (threshold -1, no cooldown), so every tile raises one webhook.
 * The tiles are real Blue Marble imagery dated 2020, so ALERT_MAX_AGE_DAYS is raised to let them count as new.
 */
export const benchAlertLatency: BenchSuite = async ({ quick, workDir }) => {
  const phases = quick
    ? [{ rate: 2, seconds: 10 }]
    : [
        { rate: 2, seconds: 40 },
        { rate: 8, seconds: 30 },
      ];
  const received = new Map<string, number>();
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const { tileId } = JSON.parse(body) as { tileId: string };
      if (!received.has(tileId)) received.set(tileId, Date.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const env = {
    GIBS_EMBED_DATA_DIR: path.join(workDir, 'data'),
    ALERT_MAX_AGE_DAYS: '36500',
    ALERT_WEBHOOK_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'warn',
  };
  const config = loadConfig(env);
  const svc = await startGibsEmbed(['--only', 'embedder,alerter,api'], { ...env, LOG_LEVEL: 'info' });
  const bus = await createBus(busOptions(config));
  const blobs = createBlobStore(blobStoreOptions(config));
  const results: BenchResult[] = [];
  try {
    const created = await runCli(['apikey', 'create', '--role', 'write', '--json'], env);
    if (created.code !== 0) throw new Error(`apikey create failed: ${created.stderr}`);
    const { key } = JSON.parse(created.stdout) as { key: string };
    const [reference] = await realTiles();
    const res = await fetch(`${svc.apiUrl}v1/alerts/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        name: 'every tile',
        references: [{ image: Buffer.from(reference).toString('base64'), name: 'reference.jpg' }],
        threshold: -1,
        cooldownSeconds: 0,
        webhookUrl: hook,
      }),
    });
    if (res.status !== 201) throw new Error(`rule not created: ${res.status} ${await res.text()}`);

    let next = 0;
    const waitFor = async (ids: string[], timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (ids.some((id) => !received.has(id)) && Date.now() < deadline) await sleep(50);
      return ids.filter((id) => received.has(id)).length;
    };
    // warm-up: models loaded, collections made, rule vectors computed
    const warm = await harvestTiles(bus, blobs, next, 3);
    next += 3;
    if (
      (await waitFor(
        warm.map((t) => t.id),
        120_000,
      )) < warm.length
    )
      throw new Error('warm-up alerts never came');

    for (const { rate, seconds } of phases) {
      const stored = new Map<string, number>();
      const start = Date.now();
      const count = rate * seconds;
      for (let i = 0; i < count; i++) {
        const due = start + (i * 1000) / rate;
        if (due > Date.now()) await sleep(due - Date.now());
        const [tile] = await harvestTiles(bus, blobs, next++, 1);
        stored.set(tile.id, Date.now());
      }
      const delivered = await waitFor([...stored.keys()], 120_000);
      const latencies = [...stored].flatMap(([id, at]) => (received.has(id) ? [received.get(id)! - at] : []));
      const params = { rate, seconds, tiles: count, delivered, config: 'defaults', rules: 1 };
      results.push(
        {
          suite: 'alert-latency',
          name: `tile stored → webhook p50 at ${rate} tiles/s`,
          value: percentile(latencies, 0.5),
          unit: 'ms',
          params,
        },
        {
          suite: 'alert-latency',
          name: `tile stored → webhook p99 at ${rate} tiles/s`,
          value: percentile(latencies, 0.99),
          unit: 'ms',
          params,
        },
      );
      if (delivered < count) throw new Error(`alert-latency: ${count - delivered} of ${count} webhooks never came`);
    }
  } finally {
    await bus.close();
    await blobs.close();
    await svc.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
  return results;
};
