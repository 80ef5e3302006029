import { z } from 'zod';

/** `log`: pino's level and whether to pretty-print. */
export const logSchema = z
  .strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** undefined = pretty when stderr is a TTY */
    pretty: z.boolean().optional(),
  })
  .prefault({});

export type LogConfig = z.output<typeof logSchema>;
