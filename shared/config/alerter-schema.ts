import { z } from 'zod';

/** `alerter`: scores every newly embedded tile against the reference-event rules and delivers the matches. */
export const alerterSchema = z
  .strictObject({
    /** `gibs-embed start` runs the alerter */
    enabled: z.boolean().default(true),
    /** consumer group of the alerters on tiles.embedded (Kafka group.id) */
    groupId: z.string().min(1).default('alerters'),
    /**
     * Only new imagery alerts: a tile dated more than this many days before today (UTC) is a backfill and never
     * alerts. Unset: the harvester's lagDays + catchUpDays (the catch-up window).
     */
    maxAgeDays: z.number().int().min(0).max(36_500).optional(),
    /** the alert rules, history and delivery log (SQLite); default DATA_DIR/alerts.db */
    dbPath: z.string().default(''),
    /** how often the model registry's `latest` is checked (rules' reference vectors follow it) */
    modelPollMs: z.number().int().min(100).default(2000),
    webhook: z
      .strictObject({
        /** per delivery attempt */
        timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
        /** attempts after the first before a delivery is marked failed */
        retries: z.number().int().min(0).max(50).default(8),
        initialBackoffMs: z.number().int().min(1).default(1000),
        maxBackoffMs: z.number().int().min(1).default(300_000),
        /** deliver to loopback, private and link-local addresses too (off: such a URL is refused, SSRF) */
        allowPrivate: z.boolean().default(false),
      })
      .prefault({}),
  })
  .prefault({});

export type AlerterConfig = z.output<typeof alerterSchema>;
