import { z } from 'zod';

/** `ops`: the /metrics, /healthz and /readyz server of a process. */
export const opsSchema = z
  .strictObject({
    host: z.string().default('127.0.0.1'),
    /** 0 picks a free port */
    port: z.number().int().min(0).max(65535).default(9464),
    enabled: z.boolean().default(true),
  })
  .prefault({});

export type OpsConfig = z.output<typeof opsSchema>;
