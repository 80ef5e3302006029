import type { Registry } from 'prom-client';
import type { AlertStore } from '../../shared/alerts/index.js';
import type { BlobStore } from '../../shared/blob/index.js';
import type { Bus } from '../../shared/bus/index.js';
import type { Config } from '../../shared/config/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { QueryImage } from '../../shared/model/infer/index.js';
import type { ModelRegistry } from '../../shared/model/registry/index.js';
import type { VectorStore } from '../../shared/store/index.js';
import type { ApiKeyStore } from './auth/index.js';

/**
 * Embeds query images with a given model (the serving collection's checkpoint, or a rule's model), exactly as
 * the embedder embeds tiles; loaded models are cached. Undecodable images reject with a ValidationError
 * (code UNDECODABLE) naming the image's label.
 */
export interface ModelEmbedders {
  embed(modelId: string, images: readonly QueryImage[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

/**
 * Everything the API's routes use, opened once by main.ts (the composition root) and passed to each route
 * plugin as its options. Route plugins take only what they read from here.
 */
export interface ApiDeps {
  config: Config;
  log: Logger;
  metrics: Registry;
  store: VectorStore;
  blobs: BlobStore;
  alerts: AlertStore;
  models: ModelRegistry;
  embedders: ModelEmbedders;
  /** the API keys (hashed); the auth hook and /v1/apikeys use it */
  keys: ApiKeyStore;
  /** for the embedder lag in stats; undefined where the API runs without a bus */
  bus?: Bus;
}
