import { z } from 'zod';

/** `model`: the encoder's input size, where the model registry keeps checkpoints, the initial encoder's seed. */
export const modelSchema = z
  .strictObject({
    inputSize: z.number().int().min(16).max(512).default(128),
    /** '' = DATA_DIR/models (resolved by loadConfig) */
    registryDir: z.string().default(''),
    /**
     * seed of the random-initialised encoder that serves until the first checkpoint is promoted; every embedder
     * and the trainer register it with this seed, so they agree on its id
     */
    randomSeed: z.number().int().min(0).default(0),
  })
  .prefault({});

export type ModelConfig = z.output<typeof modelSchema>;
