import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig, maskSecrets, vectorStoreOptions } from '../../../shared/config/index.js';

describe('store config slice', () => {
  it('defaults to the embedded LanceDB store under the data dir', () => {
    const config = loadConfig({}, { cwd: '/srv/app' });
    assert.deepEqual(vectorStoreOptions(config), {
      kind: 'lancedb',
      path: '/srv/app/data/vectors',
      exactBelowSelectivity: 0.05,
      indexMinRows: 50_000,
      maintenanceIntervalMs: 60_000,
    });
  });

  it('QDRANT_URL alone selects Qdrant, as KAFKA_BROKERS selects Kafka; the key is masked', () => {
    const config = loadConfig({ QDRANT_URL: 'http://qdrant:6333', QDRANT_API_KEY: 's3cret' });
    assert.deepEqual(vectorStoreOptions(config), {
      kind: 'qdrant',
      url: 'http://qdrant:6333',
      apiKey: 's3cret',
      timeoutMs: 30_000,
    });
    assert.equal((maskSecrets(config) as { store: { apiKey: string } }).store.apiKey, '****');
  });

  it('STORE_PATH implies lancedb and is resolved against the working directory', () => {
    const config = loadConfig({ STORE_PATH: 'vec' }, { cwd: '/srv/app' });
    assert.equal(config.store.kind, 'lancedb');
    assert.equal(config.store.kind === 'lancedb' && config.store.path, '/srv/app/vec');
  });

  it('refuses an unknown kind, a Qdrant kind without a URL, a bad URL and an out-of-range planner threshold', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ STORE_KIND: 'faiss' }, /STORE_KIND/],
      [{ STORE_KIND: 'qdrant' }, /store\.url|QDRANT_URL/],
      [{ QDRANT_URL: 'not a url' }, /QDRANT_URL/],
      [{ STORE_EXACT_BELOW: '1.5' }, /STORE_EXACT_BELOW/],
      [{ STORE_KIND: 'lancedb', QDRANT_URL: 'http://q:6333' }, /url/],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
        JSON.stringify(env),
      );
    }
  });

  it('gives the embedder and trainer slices their defaults and reads their variables', () => {
    const config = loadConfig({ EMBED_BATCH_SIZE: '8', EMBED_PROVIDER: 'cuda', TRAIN_ENABLED: 'false' });
    assert.equal(config.embedder.batchSize, 8);
    assert.equal(config.embedder.executionProvider, 'cuda');
    assert.equal(config.embedder.enabled, true);
    assert.equal(config.trainer.enabled, false);
    assert.equal(config.trainer.schedule, '0 3 * * 0');
    assert.throws(() => loadConfig({ EMBED_PROVIDER: 'tpu' }), /EMBED_PROVIDER/);
    assert.throws(() => loadConfig({ EMBED_BATCH_SIZE: '0' }), /EMBED_BATCH_SIZE/);
  });
});
