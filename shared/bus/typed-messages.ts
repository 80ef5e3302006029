import { ValidationError } from '../errors/index.js';
import type { Bus, BusRecord, ProduceResult } from './bus.js';
import { topics, type TopicName, type TopicPayload } from './topics.js';

/**
 * The typed layer over the raw bus: producers validate against the topic's versioned zod schema before
 * anything is written; consumers parse records into a result instead of an exception, so a bad message
 * is routed to `tiles.dlq` (never silently dropped) and the batch goes on.
 */
export interface TypedMessage<T extends TopicName> {
  key: string;
  value: TopicPayload<T>;
  headers?: Record<string, string>;
}

/** why a record could not be used; becomes the DLQ record's `code` */
export const parseFailureCodes = {
  /** the bytes are not UTF-8 text */
  badEncoding: 'BUS_BAD_ENCODING',
  /** UTF-8, but not JSON */
  badJson: 'BUS_BAD_JSON',
  /** JSON whose `v` this code does not read (a newer producer, or none) */
  unsupportedVersion: 'BUS_UNSUPPORTED_VERSION',
  /** the right version, but fields are missing or wrong */
  badSchema: 'BUS_BAD_SCHEMA',
} as const;

export type ParseFailureCode = (typeof parseFailureCodes)[keyof typeof parseFailureCodes];

export type ParsedRecord<T extends TopicName> =
  { ok: true; value: TopicPayload<T> } | { ok: false; code: ParseFailureCode; reason: string };

/**
 * Validates every item, then produces them in one call. One bad item fails the whole call with a
 * ValidationError naming it, and nothing is written. Values are sent as the schema's canonical JSON.
 */
export async function produceTyped<T extends TopicName>(
  bus: Bus,
  topic: T,
  items: ReadonlyArray<TypedMessage<T>>,
): Promise<ProduceResult[]> {
  if (!Object.hasOwn(topics, topic))
    throw new ValidationError(`no schema for topic ${String(topic)}; known: ${Object.keys(topics).join(', ')}`);
  if (!Array.isArray(items)) throw new ValidationError('produceTyped expects an array of { key, value }');
  const schema = topics[topic];
  const messages = items.map((item, i) => {
    const parsed = schema.safeParse(item?.value);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
      throw new ValidationError(`${topic} message ${i} does not match its schema: ${issues.join('; ')}`, {
        cause: parsed.error,
      });
    }
    return { key: item.key, value: JSON.stringify(parsed.data), headers: item.headers };
  });
  return bus.produce(topic, messages);
}

/** decodes and validates one record against `topic`'s schema; never throws for bad content */
export function parseRecord<T extends TopicName>(topic: T, record: BusRecord): ParsedRecord<T> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(record.value);
  } catch (error) {
    return {
      ok: false,
      code: parseFailureCodes.badEncoding,
      reason: `value is not UTF-8 text: ${(error as Error).message}`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, code: parseFailureCodes.badJson, reason: `value is not JSON: ${(error as Error).message}` };
  }
  const parsed = topics[topic].safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data as TopicPayload<T> };
  const versionIssue = parsed.error.issues.find((issue) => issue.path.length === 1 && issue.path[0] === 'v');
  if (versionIssue) {
    const got =
      typeof json === 'object' && json !== null && 'v' in json ? JSON.stringify((json as { v: unknown }).v) : 'none';
    return {
      ok: false,
      code: parseFailureCodes.unsupportedVersion,
      reason: `${topic} message version ${got} is not one this consumer reads`,
    };
  }
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return {
    ok: false,
    code: parseFailureCodes.badSchema,
    reason: `${topic} message does not match its schema: ${issues.join('; ')}`,
  };
}

/** the `tiles.dlq` payload for a record that failed for a reason that will not change */
export function toDlqRecord(
  record: BusRecord,
  code: string,
  reason: string,
  now: Date = new Date(),
): TopicPayload<'tiles.dlq'> {
  let value: string;
  try {
    value = new TextDecoder('utf-8', { fatal: true }).decode(record.value);
  } catch {
    // the schema keeps the original verbatim: base64 is the only lossless text form for non-UTF-8 bytes
    value = record.value.toString('base64');
  }
  return {
    v: 1,
    source_topic: record.topic,
    source_partition: record.partition,
    source_offset: record.offset,
    key: record.key,
    value,
    code,
    reason,
    failed_at: now.toISOString(),
  };
}

/** a ready-to-produce DLQ message; keyed like the source record so one key's failures stay in order */
export function toDlqMessage(record: BusRecord, code: string, reason: string, now?: Date): TypedMessage<'tiles.dlq'> {
  return {
    key: record.key ?? `${record.topic}/${record.partition}/${record.offset}`,
    value: toDlqRecord(record, code, reason, now),
    headers: { 'x-dlq-code': code },
  };
}
