import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { WEBHOOK_HEADERS, verifyWebhook } from '../../../shared/alerts/index.js';
import { produceTyped } from '../../../shared/bus/index.js';
import { loadConfig } from '../../../shared/config/index.js';
import { silentLogger } from '../../../shared/log/index.js';
import { openQueryEmbedder } from '../../../shared/model/infer/index.js';
import { FsModelRegistry } from '../../../shared/model/registry/index.js';
import { openAlerterService } from '../../../services/alerter/main.js';
import { embedded } from '../../support/alerter-fixtures.js';
import { readTiles } from '../../support/model-fixtures.js';
import { saveRandomCheckpoint } from '../../support/serving-fixtures.js';

async function until(what: string, predicate: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('openAlerterService: the composition root, as `gibs-embed start` runs it', () => {
  it('prepares rules for the latest model, scores new tiles, delivers a signed webhook, and closes cleanly', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'alerter-main-'));
    const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const config = loadConfig(
      { GIBS_EMBED_DATA_DIR: dir },
      { overrides: { 'alerter.webhook.allowPrivate': true, 'alerter.modelPollMs': 100 } },
    );
    const models = new FsModelRegistry({ root: config.model.registryDir });
    const source = path.join(dir, 'ckpt-src');
    await saveRandomCheckpoint(source, 5, '2026-03-01T00:00:00.000Z');
    const model = (await models.publish(source)).id;
    await models.promote(model);
    const tiles = await readTiles();
    const query = await openQueryEmbedder({ checkpoint: await models.checkpointDir(model), intraOpThreads: 1 });
    const [like, unlike] = await query.embed([
      { label: 'a', bytes: tiles[0] },
      { label: 'b', bytes: tiles[4] },
    ]);
    await query.close();

    const service = await openAlerterService(config, silentLogger(), new Registry());
    try {
      assert.equal(service.maxAgeDays, config.harvester.lagDays + config.harvester.catchUpDays);
      const { rule, webhookSecret } = await service.store.createRule(
        {
          name: 'like tile 0',
          references: [{ kind: 'image', label: 'tile0.jpg', bytes: tiles[0] }],
          threshold: 0.999,
          cooldownSeconds: 0,
          enabled: true,
          webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        },
        new Date(),
      );
      // the registry watch embeds the new rule's references with `latest` before any tile of it arrives
      await until('reference vectors for latest', async () =>
        Boolean(await service.store.getReferenceVectors(rule.id, model, rule.revision)),
      );
      const today = new Date().toISOString().slice(0, 10);
      const tileMessages = [
        embedded({ i: 1, vector: like, model, date: today }),
        embedded({ i: 2, vector: unlike, model, date: today }),
      ];
      await produceTyped(
        service.bus,
        'tiles.embedded',
        tileMessages.map((m) => ({ key: m.id, value: m })),
      );
      await until('the webhook', async () => received.length > 0);
      const history = await service.store.listAlerts({ limit: 10 });
      assert.deepEqual(
        history.map((a) => a.tileId),
        [tileMessages[0].id],
      );
      const [got] = received;
      assert.ok(
        verifyWebhook(
          webhookSecret,
          got.headers[WEBHOOK_HEADERS.signature] as string,
          got.headers[WEBHOOK_HEADERS.timestamp] as string,
          got.body,
        ),
      );
      assert.equal(JSON.parse(got.body).id, history[0].id);
      for (const check of service.checks) assert.equal(await check.check(), true, check.name);
      await until('the delivery to be logged', async () => {
        const [d] = await service.store.listDeliveries({ alertId: history[0].id, limit: 1 });
        return d?.state === 'delivered';
      });
    } finally {
      await service.close();
      await models.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    for (const check of service.checks) assert.equal(await check.check(), false, `${check.name} after close`);
    await rm(dir, { recursive: true, force: true });
  });
});
