import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { verifyWebhook } from '../../shared/alerts/index.js';
import { createBus } from '../../shared/bus/index.js';
import { busOptions, loadConfig } from '../../shared/config/index.js';
import { formatDate, tileUrl } from '../../shared/gibs/index.js';
import { openQueryEmbedder } from '../../shared/model/infer/index.js';
import { FsModelRegistry } from '../../shared/model/registry/index.js';
import { matrixSize, pointId, tileBbox } from '../../shared/tiles/index.js';
import { startReplayServer, type ReplayServer } from '../../services/replay/index.js';
import { kit } from '../support/data-kit.js';
import { runCli } from '../support/run-cli.js';
import { startGibsEmbed, type StartedProcess } from '../support/start-process.js';

const LAYER = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const TMS = '250m';
const Z = 2;
const KIT_DATE = '2020-09-27';
const DAY = 86_400_000;
/** two recent dates (inside the default catch-up window, so new imagery) on which the replay serves KIT_DATE */
const D1 = formatDate(Date.now() - 2 * DAY);
const D2 = formatDate(Date.now() - 1 * DAY);

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Cell = { row: number; col: number };

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/**
 * Issue 9's "done when", through processes as operations teams run them: the replay server → `gibs-embed harvest`
 * → `gibs-embed start --only embedder,alerter,api` (embeds, scores, serves the API) → a rule made through the API
 * from one real tile A, its threshold between the serving model's similarities of two other real tiles B (above)
 * and C (below) → B, harvested later, raises exactly one alert (the webhook reaches a local server, signed), C
 * none; B's identical bytes served again for another date within the cooldown raise no second alert.
 */
describe('alerts end to end: harvest → embed → rule → webhook', () => {
  let replay: ReplayServer;
  let receiver: http.Server;
  let receiverUrl: string;
  const received: Received[] = [];
  let dataDir: string;
  let env: Record<string, string>;
  let svc: StartedProcess | undefined;

  before(async () => {
    replay = await startReplayServer({ dataDir: kit(), dateAliases: { [D1]: KIT_DATE, [D2]: KIT_DATE } });
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'alerts-e2e-'));
    env = {
      GIBS_EMBED_DATA_DIR: dataDir,
      GIBS_BASE_URL: replay.url,
      // the receiver is on loopback: allowed here only (SSRF guard)
      ALERT_WEBHOOK_ALLOW_PRIVATE: 'true',
      EMBED_LINGER_MS: '20',
      TRAIN_ENABLED: 'false',
    };
  });
  after(async () => {
    await svc?.stop();
    await replay?.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('raises exactly one signed alert for B, none for C, none for B again within the cooldown', async () => {
    svc = await startGibsEmbed(['--only', 'embedder,alerter,api'], env);
    const api = svc.apiUrl;
    assert.ok(api, 'start logged the page URL');

    // The serving model (the seeded random checkpoint the embedder registered) scores every level-2 tile of D1.
    const registry = new FsModelRegistry({ root: path.join(dataDir, 'models') });
    const latest = await registry.latest();
    assert.ok(latest, 'a serving model is registered');
    const embedder = await openQueryEmbedder({ checkpoint: await registry.checkpointDir(latest.id) });
    const { rows, cols } = matrixSize(Z);
    const cells: Cell[] = [];
    const vectors: Float32Array[] = [];
    try {
      for (let row = 0; row < rows; row++) {
        for (let col = 0; col < cols; col++) {
          const res = await fetch(
            tileUrl(replay.url, { layer: LAYER, date: D1, tms: TMS, z: Z, row, col, ext: 'jpg' }),
          );
          assert.equal(res.status, 200);
          const [vector] = await embedder.embed([
            { label: `${row}/${col}`, bytes: new Uint8Array(await res.arrayBuffer()) },
          ]);
          cells.push({ row, col });
          vectors.push(vector);
        }
      }
    } finally {
      await embedder.close();
      await registry.close();
    }
    // A: the tile whose most and least similar other tiles are furthest apart; B the most, C the least similar
    let best = { a: 0, b: 0, c: 0, gap: -1 };
    for (let a = 0; a < cells.length; a++) {
      const others = cells.map((_, i) => i).filter((i) => i !== a);
      const b = others.reduce((x, y) => (cos(vectors[a], vectors[y]) > cos(vectors[a], vectors[x]) ? y : x));
      const c = others.reduce((x, y) => (cos(vectors[a], vectors[y]) < cos(vectors[a], vectors[x]) ? y : x));
      const gap = cos(vectors[a], vectors[b]) - cos(vectors[a], vectors[c]);
      if (gap > best.gap) best = { a, b, c, gap };
    }
    const [A, B, C] = [cells[best.a], cells[best.b], cells[best.c]];
    const sB = cos(vectors[best.a], vectors[best.b]);
    const sC = cos(vectors[best.a], vectors[best.c]);
    assert.ok(sB - sC > 1e-3, `B and C are told apart (${sB} vs ${sC})`);
    const threshold = (sB + sC) / 2;
    const id = (cell: Cell, date: string) => pointId(LAYER, date, TMS, Z, cell.row, cell.col);

    const harvest = async (cell: Cell, date: string) => {
      const [minLon, minLat, maxLon, maxLat] = tileBbox(Z, cell.row, cell.col);
      // a box strictly inside the tile selects that tile alone
      const inner = [minLon + 1, Math.max(minLat, -89) + 1, maxLon - 1, Math.min(maxLat, 89) - 1].join(',');
      const run = await runCli(
        ['harvest', '--layer', LAYER, '--from', date, '--to', date, '--level', String(Z), `--bbox=${inner}`, '--json'],
        env,
      );
      assert.equal(run.code, 0, run.stderr);
    };
    const embedded = (tileId: string) =>
      until(`tile ${tileId} in the index`, async () =>
        (await fetch(`${api}v1/tiles/${tileId}`)).status === 200 ? true : undefined,
      );
    const alerterCaughtUp = async () => {
      const bus = await createBus(busOptions(loadConfig(env)));
      try {
        await until('the alerter to catch up', async () => {
          const consumer = bus.consumer({ groupId: 'alerters', topics: ['tiles.embedded'] });
          try {
            const lag = await consumer.lag();
            return lag.every((p) => p.lag === 0) && lag.some((p) => p.committed !== null) ? true : undefined;
          } finally {
            await consumer.close();
          }
        });
      } finally {
        await bus.close();
      }
    };
    const alerts = async () =>
      ((await (await fetch(`${api}v1/alerts?limit=100`)).json()) as { alerts: Array<{ tileId: string }> }).alerts;

    // 1. A is harvested and embedded; a rule is made from it through the API with a write key
    await harvest(A, D1);
    await embedded(id(A, D1));
    const created = await runCli(['apikey', 'create', '--role', 'write', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    const { key } = JSON.parse(created.stdout) as { key: string };
    const res = await fetch(`${api}v1/alerts/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        name: 'looks like A',
        references: [{ tileId: id(A, D1) }],
        threshold,
        cooldownSeconds: 3600,
        webhookUrl: receiverUrl,
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const { rule, webhookSecret } = (await res.json()) as { rule: { id: string }; webhookSecret: string };

    // 2. B and C are harvested later: B alerts once, C not
    await harvest(B, D1);
    await harvest(C, D1);
    await embedded(id(B, D1));
    await embedded(id(C, D1));
    await alerterCaughtUp();
    await until('the webhook', async () => (received.length > 0 ? true : undefined), 30_000);
    await sleep(1500);
    assert.equal(received.length, 1, 'exactly one webhook');
    const hook = received[0];
    const body = JSON.parse(hook.body) as { tileId: string; ruleId: string; score: number };
    assert.equal(body.tileId, id(B, D1));
    assert.equal(body.ruleId, rule.id);
    assert.ok(Math.abs(body.score - sB) < 1e-4, `scored ${body.score}, expected ${sB}`);
    assert.ok(
      verifyWebhook(
        webhookSecret,
        String(hook.headers['x-gibs-embed-signature']),
        Number(hook.headers['x-gibs-embed-timestamp']),
        hook.body,
        { toleranceSeconds: 300, now: new Date() },
      ),
      'the signature is valid',
    );
    assert.equal(
      verifyWebhook(
        'not-the-secret',
        String(hook.headers['x-gibs-embed-signature']),
        Number(hook.headers['x-gibs-embed-timestamp']),
        hook.body,
        {
          toleranceSeconds: 300,
          now: new Date(),
        },
      ),
      false,
    );
    assert.deepEqual(
      (await alerts()).map((a) => a.tileId),
      [id(B, D1)],
    );

    // 3. B's identical bytes on D2 (a new tile id): scored above the threshold, but inside the rule's cooldown
    await harvest(B, D2);
    await embedded(id(B, D2));
    await alerterCaughtUp();
    await sleep(1500);
    assert.equal(received.length, 1, 'no second webhook');
    assert.equal((await alerts()).length, 1, 'no second alert in the history');
    // ... because the rule's cooldown held it back (it did match), not because it was never scored
    const metrics = await (await fetch(`${api}metrics`)).text();
    assert.match(metrics, /gibs_embed_alerter_suppressed_total\{reason="cooldown"\} 1\b/);
    assert.match(metrics, /gibs_embed_alerter_alerts_total 1\b/);
    assert.equal(await svc.stop(), 130);
    svc = undefined;
  });
});
