import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { createAlertStore } from '../../shared/alerts/index.js';
import { createBlobStore } from '../../shared/blob/index.js';
import { createBus, type Bus } from '../../shared/bus/index.js';
import {
  alertStoreOptions,
  blobStoreOptions,
  busOptions,
  vectorStoreOptions,
  type Config,
} from '../../shared/config/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { HealthCheck } from '../../shared/metrics/index.js';
import { FsModelRegistry } from '../../shared/model/registry/index.js';
import { ModelEmbedders } from '../../shared/query/index.js';
import { createVectorStore } from '../../shared/store/index.js';
import { ReleaseStack } from '../../shared/lifecycle/index.js';
import type { ApiDeps } from './api-deps.js';
import { buildApp } from './app.js';
import { ApiKeyStore } from './auth/index.js';
import { apiReadinessChecks } from './readiness.js';

export interface ApiService {
  /** http://host:port/ of the page */
  url: string;
  /** the port listened on (config api.port, or the one picked for 0) */
  port: number;
  checks: HealthCheck[];
  /** stops listening (open streams end), then releases every adapter it opened, last opened first */
  close(): Promise<void>;
}

/**
 * The API's composition root: opens the vector store, tile store, alert store, model registry, bus (for the
 * embedder lag in stats) and the key store, builds the app and listens on api.host:api.port. `gibs-embed start`
 * and `gibs-embed serve` both come here. Nothing it opens outlives a failed start.
 */
export async function openApiService(config: Config, log: Logger, registry: Registry): Promise<ApiService> {
  const svcLog = log.child({ svc: 'api' });
  // closed in reverse order, on close or after a failed start
  const releases = new ReleaseStack('api');
  try {
    const store = await createVectorStore(vectorStoreOptions(config), { logger: svcLog });
    releases.push(() => store.close());
    const blobs = createBlobStore(blobStoreOptions(config));
    releases.push(() => blobs.close());
    const alerts = await createAlertStore(alertStoreOptions(config));
    releases.push(() => alerts.close());
    const models = new FsModelRegistry({ root: config.model.registryDir, log: svcLog });
    releases.push(() => models.close());
    const bus = await openBus(config, svcLog);
    if (bus) releases.push(() => bus.close());
    const keys = ApiKeyStore.open(config.api.keysPath);
    releases.push(async () => keys.close());
    const embedders = new ModelEmbedders({
      checkpointDir: (id) => models.checkpointDir(id),
      threads: config.embedder.threads,
      executionProvider: config.embedder.executionProvider,
      log: svcLog,
    });
    releases.push(() => embedders.close());
    const deps: ApiDeps = {
      config,
      log: svcLog,
      metrics: registry,
      store,
      blobs,
      alerts,
      models,
      embedders,
      keys,
      bus,
    };
    const checks = apiReadinessChecks(deps);
    const app = await buildApp(deps, { checks });
    releases.push(() => app.close());
    await app.listen({ host: config.api.host, port: config.api.port });
    const { port } = app.server.address() as AddressInfo;
    const host = config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host;
    return {
      url: `http://${host}:${port}/`,
      port,
      checks,
      close: () => releases.releaseAll(),
    };
  } catch (error) {
    await releases.releaseAfterFailedStart(svcLog);
    throw error;
  }
}

/**
 * The bus, read for the embedder lag in /v1/stats only: the API answers searches without one, so a bus that
 * cannot be opened is logged and left out (stats then say null), never a reason not to start.
 */
async function openBus(config: Config, log: Logger): Promise<Bus | undefined> {
  try {
    return await createBus(busOptions(config), { logger: log });
  } catch (error) {
    log.warn({ err: error }, 'api: the bus cannot be opened; /v1/stats reports no embedder lag');
    return undefined;
  }
}
