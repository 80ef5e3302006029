import { z } from 'zod';

/** `trainer`: the periodic fine-tuning of the encoder on the accumulated tiles, its evaluation gate and promotion. */
export const trainerSchema = z
  .strictObject({
    /** `gibs-embed start` runs the trainer on its schedule */
    enabled: z.boolean().default(true),
    /** node-cron expression, evaluated in `timezone` (default: Sundays 03:00) */
    schedule: z.string().min(1).default('0 3 * * 0'),
    timezone: z.string().min(1).default('UTC'),
    /** train once right after start() as well (when enough tiles exist) */
    runOnStart: z.boolean().default(false),
    /** tiles harvested in the last this many days are the sample's population */
    windowDays: z.number().int().min(1).max(3650).default(30),
    /** at most this many tiles per run (a seeded random sample of the window) */
    sampleSize: z.number().int().min(2).max(1_000_000).default(2000),
    /** the first checkpoint is trained only once the store holds this many tiles */
    minTiles: z.number().int().min(2).default(200),
    technique: z.enum(['simclr', 'simsiam']).default('simclr'),
    steps: z.number().int().min(1).default(200),
    batchSize: z.number().int().min(2).max(4096).default(64),
    workers: z.number().int().min(1).max(64).default(2),
    /** a candidate is promoted only when its gate score beats the serving model's by more than this */
    promotionMargin: z.number().min(0).default(0.01),
    /** a labelled image folder for the gate's precision@k (optional; the held-out place proxy needs none) */
    labeledDir: z.string().default(''),
    seed: z.number().int().min(0).default(0),
    /** wasm: tfjs in worker threads; torch: PyTorch ranks in child processes (Python with torch needed) */
    backend: z.enum(['wasm', 'torch']).default('wasm'),
    /** torch only: cpu, or cuda (one rank per GPU; `workers` ranks) */
    device: z.enum(['cpu', 'cuda']).default('cpu'),
    /** torch only: the Python that imports torch (Debian's python3-torch lives under /usr/bin/python3) */
    python: z.string().min(1).default('/usr/bin/python3'),
  })
  .prefault({});

export type TrainerConfig = z.output<typeof trainerSchema>;
