import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the embedder reports to Prometheus; built on the process registry by the composition root. */
export interface EmbedderMetrics {
  /** group lag per partition of tiles.fetched (end − committed) */
  lag: Gauge<'topic' | 'partition'>;
  batchSize: Histogram;
  batchSeconds: Histogram;
  /** images embedded, per model (a tile embedded by two models during a hot-swap counts twice) */
  images: Counter<'model'>;
  dlq: Counter<'code'>;
  /** 1 for each model the embedder writes now; role = serving (the alias's) or next (latest, being re-embedded) */
  model: Gauge<'model' | 'role'>;
  pauses: Counter<'code'>;
  reembedded: Counter<'model'>;
}

export function createEmbedderMetrics(registry: Registry): EmbedderMetrics {
  const registers = [registry];
  return {
    lag: new Gauge({
      name: 'gibs_embed_embedder_consumer_lag',
      help: 'Messages of tiles.fetched not yet committed by the embedder group, per partition',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'gibs_embed_embedder_batch_size',
      help: 'Records per micro-batch',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'gibs_embed_embedder_batch_seconds',
      help: 'Time from a batch polled to its offsets committed, pauses included',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    images: new Counter({
      name: 'gibs_embed_embedder_images_total',
      help: 'Images embedded and stored, per model (rate() gives images/s)',
      labelNames: ['model'],
      registers,
    }),
    dlq: new Counter({
      name: 'gibs_embed_embedder_dlq_total',
      help: 'Records sent to tiles.dlq, by reason code',
      labelNames: ['code'],
      registers,
    }),
    model: new Gauge({
      name: 'gibs_embed_embedder_model',
      help: 'The models the embedder writes now (value 1), by checkpoint id and role',
      labelNames: ['model', 'role'],
      registers,
    }),
    pauses: new Counter({
      name: 'gibs_embed_embedder_pauses_total',
      help: 'Waits before retrying a batch after a retriable failure, by error code',
      labelNames: ['code'],
      registers,
    }),
    reembedded: new Counter({
      name: 'gibs_embed_embedder_reembedded_total',
      help: 'Points written by the re-embed job, per target model',
      labelNames: ['model'],
      registers,
    }),
  };
}
