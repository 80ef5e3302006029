const DAY_MS = 86_400_000;

/**
 * Whole UTC days between the tile's date (the payload's RFC 3339 instant, schema-checked) and `now`'s day: 0 for
 * today's tile, 1 for yesterday's; a tile dated in the future (clock skew) is 0 days old. Only new imagery alerts
 * (DESIGN.md "Delivery semantics"): a tile older than maxAgeDays is a backfill beyond the catch-up window.
 */
export function tileAgeDays(payloadDate: string, now: Date): number {
  const today = Math.floor(now.getTime() / DAY_MS);
  const day = Math.floor(Date.parse(payloadDate) / DAY_MS);
  return Math.max(0, today - day);
}
