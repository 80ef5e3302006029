import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers of a webhook delivery (lower case, as node:http presents them). */
export const WEBHOOK_HEADERS = {
  /** what happened; `alert` for now */
  event: 'x-gibs-embed-event',
  /** the delivery id: the same on every retry of one delivery, so receivers can drop repeats */
  delivery: 'x-gibs-embed-delivery',
  /** unix seconds when this attempt was signed */
  timestamp: 'x-gibs-embed-timestamp',
  /** `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>` */
  signature: 'x-gibs-embed-signature',
} as const;

export const WEBHOOK_ALERT_EVENT = 'alert';

/** How far a receiver lets a timestamp drift from its clock by default: replays older than this are refused. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

function mac(secret: string, timestampSeconds: number | string, body: string | Uint8Array): Buffer {
  // the timestamp is signed with the body, so a captured delivery cannot be replayed later under a fresh timestamp
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest();
}

/**
 * `sha256=<hex>` of HMAC-SHA256 keyed with the rule's secret (the string as shown, UTF-8) over
 * `${timestampSeconds}.${body}`: what the alerter puts in `x-gibs-embed-signature`. Sign the exact bytes sent.
 */
export function signWebhook(secret: string, timestampSeconds: number, body: string | Uint8Array): string {
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('signWebhook needs the secret');
  if (!Number.isSafeInteger(timestampSeconds)) throw new TypeError('signWebhook needs integer unix seconds');
  return `sha256=${mac(secret, timestampSeconds, body).toString('hex')}`;
}

/**
 * Whether `signatureHeader` is this secret's signature of `body` at `timestamp`, and the timestamp lies within
 * `toleranceSeconds` of `now` (either side: clocks drift). Compares in constant time. Malformed input is false,
 * never an exception: a receiver answers 401 either way. `body` must be the raw bytes received, not re-serialised JSON.
 */
export function verifyWebhook(
  secret: string,
  signatureHeader: string | undefined,
  timestamp: string | number | undefined,
  body: string | Uint8Array,
  options: { toleranceSeconds?: number; now?: Date | number } = {},
): boolean {
  if (typeof secret !== 'string' || secret.length === 0) return false;
  const match = typeof signatureHeader === 'string' ? SIGNATURE.exec(signatureHeader.trim()) : null;
  if (match === null) return false;
  const text = typeof timestamp === 'number' ? String(timestamp) : timestamp;
  if (typeof text !== 'string' || !/^\d{1,12}$/.test(text)) return false;
  const nowMs = options.now === undefined ? Date.now() : Number(options.now);
  const tolerance = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  if (!(Math.abs(nowMs / 1000 - Number(text)) <= tolerance)) return false;
  const expected = mac(secret, text, body);
  const given = Buffer.from(match[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
