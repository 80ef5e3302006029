import { z } from 'zod';

/** `model`: the encoder's input size and where the model registry keeps checkpoints. */
export const modelSchema = z
  .strictObject({
    inputSize: z.number().int().min(16).max(512).default(128),
    /** '' = DATA_DIR/models (resolved by loadConfig) */
    registryDir: z.string().default(''),
  })
  .prefault({});

export type ModelConfig = z.output<typeof modelSchema>;
