import { z } from 'zod';

/** `embedder`: the consumers of tiles.fetched that keep the vector store current. */
export const embedderSchema = z
  .strictObject({
    /** `gibs-embed start` runs the embedder */
    enabled: z.boolean().default(true),
    /** consumer group of every embedder (Kafka group.id) */
    groupId: z.string().min(1).default('embedders'),
    /** a micro-batch is embedded once it holds this many tiles ... */
    batchSize: z.number().int().min(1).max(1024).default(32),
    /** ... or once its first tile has waited this long */
    lingerMs: z.number().int().min(0).max(60_000).default(250),
    /** image decode worker threads (0 = decode on the main thread) */
    decodeWorkers: z.number().int().min(0).max(64).default(1),
    /** ONNX Runtime execution provider; cuda and webgpu fall back to cpu with a warning where absent */
    executionProvider: z.enum(['cpu', 'cuda', 'webgpu']).default('cpu'),
    /** ONNX Runtime intra-op threads (0 = its default) */
    threads: z.number().int().min(0).max(256).default(0),
    /** how often the model registry's `latest` is checked */
    modelPollMs: z.number().int().min(100).default(2000),
    /** a store outage or full disk: wait this long first, doubling up to maxBackoffMs, and never give up */
    initialBackoffMs: z.number().int().min(1).default(500),
    maxBackoffMs: z.number().int().min(1).default(30_000),
    /** `start` runs the re-embed job after a promotion */
    reembed: z.boolean().default(true),
  })
  .prefault({});

export type EmbedderConfig = z.output<typeof embedderSchema>;
