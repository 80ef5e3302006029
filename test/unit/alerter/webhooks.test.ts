import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SqliteAlertStore, WEBHOOK_HEADERS, verifyWebhook, type AlertRecord } from '../../../shared/alerts/index.js';
import { worldviewUrl } from '../../../shared/gibs/index.js';
import { ssrfErrorCodes } from '../../../shared/http/index.js';
import { createDeliveryLoop, type DeliveryLoopOptions } from '../../../services/alerter/index.js';
import { atCosine, embedded, randomUnit, seeded } from '../../support/alerter-fixtures.js';
import { openHarness, type Harness } from './harness.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  path: string;
}

/** a webhook receiver on 127.0.0.1 answering each request with the next status of `statuses` (the last repeats) */
async function receiver(statuses: number[], options: { hang?: boolean } = {}) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' });
      if (options.hang) return;
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)];
      res.writeHead(status, status >= 300 && status < 400 ? { location: '/elsewhere' } : {});
      res.end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const fast: DeliveryLoopOptions = {
  timeoutMs: 2000,
  retries: 3,
  initialBackoffMs: 20,
  maxBackoffMs: 50,
  allowPrivate: true,
  pollMs: 10,
};

/** a rule with a webhook and one recorded alert (the store queues its delivery) */
async function alertWithWebhook(h: Harness, webhookUrl: string): Promise<{ alert: AlertRecord; secret: string }> {
  const random = seeded(21);
  const ref = randomUnit(random);
  const { rule, secret } = await h.rule([ref], { webhookUrl, name: 'smoke plume' });
  const tile = embedded({ i: 1, vector: atCosine(ref, 0.95, random) });
  const result = await h.store.recordAlert({
    ruleId: rule.id,
    tileId: tile.id,
    sha256: tile.payload.sha256,
    model: tile.model,
    score: 0.95,
    payload: tile.payload,
    alertedAt: new Date().toISOString(),
  });
  assert.ok(result.recorded);
  return { alert: result.alert, secret };
}

/** runs the loop until the alert's delivery is no longer pending */
async function deliver(h: Harness, alertId: string, options: Partial<DeliveryLoopOptions> = {}) {
  const loop = createDeliveryLoop({ store: h.store, log: h.log, metrics: h.metrics }, { ...fast, ...options });
  loop.start();
  const deadline = Date.now() + 15_000;
  try {
    for (;;) {
      const [delivery] = await h.store.listDeliveries({ alertId, limit: 1 });
      if (delivery.state !== 'pending') return delivery;
      if (Date.now() > deadline) throw new Error(`delivery still pending: ${JSON.stringify(delivery)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    await loop.stop();
  }
}

describe('alerter webhooks: signed POSTs, retries with backoff, a delivery log, SSRF guard', () => {
  it('delivers the Alert JSON with the rule, signed with the rule’s secret, headers as the contract says', async () => {
    const h = await openHarness('webhook-ok');
    const server = await receiver([200]);
    try {
      const { alert, secret } = await alertWithWebhook(h, server.url);
      const delivery = await deliver(h, alert.id);
      assert.equal(delivery.state, 'delivered');
      assert.equal(delivery.attempts.length, 1);
      assert.equal(delivery.attempts[0].status, 200);
      assert.equal(server.received.length, 1);
      const [got] = server.received;
      assert.equal(got.path, '/hook');
      assert.equal(got.headers['content-type'], 'application/json');
      assert.equal(got.headers[WEBHOOK_HEADERS.event], 'alert');
      assert.equal(got.headers[WEBHOOK_HEADERS.delivery], delivery.id);
      const timestamp = got.headers[WEBHOOK_HEADERS.timestamp] as string;
      assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 60);
      const signature = got.headers[WEBHOOK_HEADERS.signature] as string;
      assert.ok(verifyWebhook(secret, signature, timestamp, got.body), 'the signature verifies with the secret');
      assert.ok(!verifyWebhook(`${secret}x`, signature, timestamp, got.body), 'and not with another (not vacuous)');
      assert.ok(!verifyWebhook(secret, signature, timestamp, `${got.body} `), 'nor for another body');
      const rule = (await h.store.getRule(alert.ruleId))!;
      assert.deepEqual(JSON.parse(got.body), {
        ...alert,
        thumbnailUrl: `/v1/tiles/${alert.tileId}/thumbnail`,
        worldviewUrl: worldviewUrl(alert.payload),
        rule: { id: rule.id, name: 'smoke plume' },
      });
      assert.match(
        await h.metricsRegistry.metrics(),
        /gibs_embed_alerter_webhook_deliveries_total\{outcome="delivered"\} 1/,
      );
    } finally {
      await server.close();
      await h.close();
    }
  });

  it('retries a 500 with backoff: 500 then 200 → delivered, both attempts in the log, one delivery id', async () => {
    const h = await openHarness('webhook-retry');
    const server = await receiver([500, 200]);
    try {
      const { alert } = await alertWithWebhook(h, server.url);
      const delivery = await deliver(h, alert.id);
      assert.equal(delivery.state, 'delivered');
      assert.deepEqual(
        delivery.attempts.map((a) => a.status),
        [500, 200],
      );
      const gap = Date.parse(delivery.attempts[1].at) - Date.parse(delivery.attempts[0].at);
      assert.ok(gap >= 10, `the retry waited its backoff (${gap} ms, initial 20 ± 50%)`);
      assert.equal(new Set(server.received.map((r) => r.headers[WEBHOOK_HEADERS.delivery])).size, 1);
      assert.equal(server.received[0].body, server.received[1].body, 'the same body on every attempt');
    } finally {
      await server.close();
      await h.close();
    }
  });

  it('gives up after its retries: always 500 → failed with retries + 1 attempts', async () => {
    const h = await openHarness('webhook-fail');
    const server = await receiver([500]);
    try {
      const { alert } = await alertWithWebhook(h, server.url);
      const delivery = await deliver(h, alert.id, { retries: 2 });
      assert.equal(delivery.state, 'failed');
      assert.deepEqual(
        delivery.attempts.map((a) => a.status),
        [500, 500, 500],
      );
      assert.equal(server.received.length, 3);
      const text = await h.metricsRegistry.metrics();
      assert.match(text, /gibs_embed_alerter_webhook_deliveries_total\{outcome="retry"\} 2/);
      assert.match(text, /gibs_embed_alerter_webhook_deliveries_total\{outcome="failed"\} 1/);
    } finally {
      await server.close();
      await h.close();
    }
  });

  it('does not follow a redirect (a 3xx is a failed attempt) and times out a receiver that never answers', async () => {
    const h = await openHarness('webhook-redirect');
    const redirecting = await receiver([302]);
    const silent = await receiver([200], { hang: true });
    try {
      const { alert } = await alertWithWebhook(h, redirecting.url);
      const delivery = await deliver(h, alert.id, { retries: 0 });
      assert.equal(delivery.state, 'failed');
      assert.deepEqual(
        delivery.attempts.map((a) => a.status),
        [302],
      );
      assert.deepEqual(
        redirecting.received.map((r) => r.path),
        ['/hook'],
        'the Location was not followed',
      );

      const slow = await alertWithWebhook(h, silent.url);
      const timedOut = await deliver(h, slow.alert.id, { retries: 0, timeoutMs: 200 });
      assert.equal(timedOut.state, 'failed');
      assert.equal(timedOut.attempts[0].status, undefined);
      assert.match(timedOut.attempts[0].error ?? '', /no response within 200 ms/);
      assert.ok(timedOut.attempts[0].durationMs >= 150);
    } finally {
      await redirecting.close();
      await silent.close();
      await h.close();
    }
  });

  it('refuses a loopback URL unless allowPrivate: failed at once, nothing sent', async () => {
    const h = await openHarness('webhook-ssrf');
    const server = await receiver([200]);
    try {
      const { alert } = await alertWithWebhook(h, server.url);
      const delivery = await deliver(h, alert.id, { allowPrivate: false, retries: 5 });
      assert.equal(delivery.state, 'failed');
      assert.equal(delivery.attempts.length, 1, 'a refused URL is not retried');
      assert.match(
        delivery.attempts[0].error ?? '',
        new RegExp(`${ssrfErrorCodes.webhookUrlRefused}.*127\\.0\\.0\\.1`),
      );
      assert.equal(server.received.length, 0, 'nothing reached the loopback receiver');
      assert.match(
        await h.metricsRegistry.metrics(),
        /gibs_embed_alerter_webhook_deliveries_total\{outcome="refused"\} 1/,
      );

      // a host name resolving to loopback is refused on the connection too (localhost → 127.0.0.1 / ::1)
      const viaName = await alertWithWebhook(h, server.url.replace('127.0.0.1', 'localhost'));
      const refused = await deliver(h, viaName.alert.id, { allowPrivate: false });
      assert.equal(refused.state, 'failed');
      assert.match(refused.attempts[0].error ?? '', new RegExp(ssrfErrorCodes.webhookUrlRefused));
      assert.equal(server.received.length, 0);
    } finally {
      await server.close();
      await h.close();
    }
  });

  it('keeps pending deliveries across a restart: a new loop on the reopened store delivers them', async () => {
    const h = await openHarness('webhook-restart');
    const server = await receiver([200]);
    try {
      const { alert } = await alertWithWebhook(h, server.url);
      await h.store.close();
      h.store = await SqliteAlertStore.open({ path: path.join(h.dir, 'alerts.db') });
      const delivery = await deliver(h, alert.id);
      assert.equal(delivery.state, 'delivered');
      assert.equal(server.received.length, 1);
    } finally {
      await server.close();
      await h.close();
    }
  });
});
