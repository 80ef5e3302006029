import type { QdrantClient } from '@qdrant/js-client-rest';
import { storeError, storeErrorCodes } from '../store-errors.js';
import type { TilePayload, VectorPoint } from '../vector-store.js';
import { qdrantOp } from './qdrant-errors.js';
import { VECTOR_NAME, fromStoredPayload, toStoredPayload } from './qdrant-payload.js';

/** Writes and reads of points by id, and the conversions between Qdrant records and the port's types. */

/** A point record as Qdrant returns it (Schemas['Record'] / ['ScoredPoint'] narrowed to what is read here). */
export interface QdrantRecord {
  id: string | number;
  payload?: Record<string, unknown> | null;
  vector?: unknown;
}

/** Point ids are lower-case UUIDs on the way in; an id of another form was not written by this store. */
export function recordId(record: QdrantRecord): string {
  if (typeof record.id !== 'string') {
    throw storeError(
      storeErrorCodes.corrupt,
      `Qdrant returned point id ${String(record.id)}: this store writes UUIDs only`,
    );
  }
  return record.id;
}

export function recordPayload(record: QdrantRecord): TilePayload {
  return fromStoredPayload(record.payload, record.id);
}

export function recordVector(record: QdrantRecord): Float32Array {
  const vectors = record.vector as Record<string, unknown> | null | undefined;
  const values = vectors?.[VECTOR_NAME];
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'number')) {
    throw storeError(
      storeErrorCodes.corrupt,
      `point ${String(record.id)} came back without its '${VECTOR_NAME}' vector`,
    );
  }
  return Float32Array.from(values as number[]);
}

/** Validated points (validatePoints) → one durable Qdrant upsert; Qdrant applies a batch as one operation. */
export async function upsertPoints(
  client: QdrantClient,
  collection: string,
  points: readonly VectorPoint[],
): Promise<void> {
  if (points.length === 0) return;
  await qdrantOp({ operation: 'upsert', collection }, () =>
    client.upsert(collection, {
      wait: true,
      points: points.map((p) => ({
        id: p.id,
        vector: { [VECTOR_NAME]: Array.from(p.vector) },
        payload: toStoredPayload(p.payload),
      })),
    }),
  );
}

export async function deletePoints(client: QdrantClient, collection: string, ids: readonly string[]): Promise<void> {
  await qdrantOp({ operation: 'delete', collection }, () =>
    client.delete(collection, { wait: true, points: [...ids] }),
  );
}

/** The stored points among `ids`, in the order of `ids` (each once), with vectors. */
export async function getPoints(
  client: QdrantClient,
  collection: string,
  ids: readonly string[],
): Promise<VectorPoint[]> {
  const wanted = [...new Set(ids)];
  const records = await qdrantOp({ operation: 'retrieve', collection }, () =>
    client.retrieve(collection, { ids: wanted, with_payload: true, with_vector: [VECTOR_NAME] }),
  );
  const byId = new Map<string, VectorPoint>();
  for (const record of records as QdrantRecord[]) {
    const id = recordId(record);
    byId.set(id, { id, vector: recordVector(record), payload: recordPayload(record) });
  }
  return wanted.flatMap((id) => byId.get(id) ?? []);
}
