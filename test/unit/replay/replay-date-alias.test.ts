import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { capabilitiesUrl, parseCapabilities, layerHasDate, tileUrl } from '../../../shared/gibs/index.js';
import { ValidationError } from '../../../shared/errors/index.js';
import { replayErrorCodes, startReplayServer, type ReplayServer } from '../../../services/replay/index.js';
import { dataDir, get } from '../../support/raw-request.js';

const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const KIT_DATE = '2020-09-27';
const ALIAS = '2026-11-29';
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const modis = (date: string, z: number, row: number, col: number) =>
  ({ layer: MODIS, date, tms: '250m', z, row, col, ext: 'jpg' }) as const;

/** dateAliases: the kit's imagery of one date served as if GIBS had published it on another. */
describe('GIBS replay server: date aliases', () => {
  let plain: ReplayServer;
  let aliased: ReplayServer;
  before(async () => {
    plain = await startReplayServer({ dataDir });
    aliased = await startReplayServer({ dataDir, dateAliases: { [ALIAS]: KIT_DATE } });
  });
  after(async () => {
    await plain.close();
    await aliased.close();
  });

  it('serves the kit date’s bytes on the alias date, with Layer-Time-Actual of the alias date', async () => {
    for (const [row, col] of [
      [0, 0],
      [1, 2],
      [2, 4],
    ]) {
      const kit = await get(tileUrl(aliased.url, modis(KIT_DATE, 2, row, col)));
      const alias = await get(tileUrl(aliased.url, modis(ALIAS, 2, row, col)));
      assert.equal(alias.status, 200);
      assert.equal(sha(alias.body), sha(kit.body), `tile 2/${row}/${col}`);
      assert.match(String(alias.headers['layer-time-actual']), new RegExp(`^${ALIAS}`));
      assert.notEqual(alias.headers['x-replay-repeated'], '1');
    }
    // neighbouring positions differ, so the alias is not one tile repeated
    const a = await get(tileUrl(aliased.url, modis(ALIAS, 2, 1, 1)));
    const b = await get(tileUrl(aliased.url, modis(ALIAS, 2, 1, 2)));
    assert.notEqual(sha(a.body), sha(b.body));
  });

  it('widens the capabilities to the alias date; without the alias that date is out of range (404)', async () => {
    const caps = parseCapabilities((await get(capabilitiesUrl(aliased.url))).body.toString('utf8'));
    const layer = caps.layers.get(MODIS);
    assert.ok(layer && layerHasDate(layer, ALIAS), 'the alias date is in the time dimension');
    const plainCaps = parseCapabilities((await get(capabilitiesUrl(plain.url))).body.toString('utf8'));
    const plainLayer = plainCaps.layers.get(MODIS);
    assert.ok(plainLayer && !layerHasDate(plainLayer, ALIAS));
    assert.equal((await get(tileUrl(plain.url, modis(ALIAS, 2, 1, 1)))).status, 404);
  });

  it('refuses an alias to a date without imagery, and malformed dates', async () => {
    const bad: Array<Record<string, string>> = [
      { [ALIAS]: '2019-01-01' },
      { 'not-a-date': KIT_DATE },
      { [ALIAS]: '2020-13-01' },
    ];
    for (const dateAliases of bad) {
      await assert.rejects(
        startReplayServer({ dataDir, dateAliases }),
        (e: unknown) => e instanceof ValidationError && e.code === replayErrorCodes.badDateAlias,
      );
    }
  });
});
