import type { QdrantClient, Schemas } from '@qdrant/js-client-rest';
import { AppError, ValidationError } from '../../errors/index.js';
import type { CollectionInfo } from '../vector-store.js';
import { storeError, storeErrorCodes } from '../store-errors.js';
import { mapQdrantError, qdrantOp } from './qdrant-errors.js';
import { PAYLOAD_INDEXES, VECTOR_NAME } from './qdrant-payload.js';

/** Collections, aliases and their metadata on Qdrant (the points live in qdrant-points.ts / qdrant-queries.ts). */

/** The size of the named vector, or undefined for a collection this store did not make (no `embedding` vector). */
function embeddingSize(info: Schemas['CollectionInfo']): number | undefined {
  const vectors = info.config.params.vectors as Record<string, unknown> | undefined;
  const named = vectors?.[VECTOR_NAME] as { size?: unknown } | undefined;
  return typeof named?.size === 'number' ? named.size : undefined;
}

/** The collection's description, undefined when neither a collection nor an alias has the name. */
async function describe(client: QdrantClient, name: string): Promise<Schemas['CollectionInfo'] | undefined> {
  try {
    return await client.getCollection(name);
  } catch (error) {
    const mapped = mapQdrantError(error, { operation: 'getCollection', collection: name });
    if (mapped.code === storeErrorCodes.unknownCollection) return undefined;
    throw mapped;
  }
}

async function aliasList(client: QdrantClient): Promise<Schemas['AliasDescription'][]> {
  const { aliases } = await qdrantOp({ operation: 'getAliases' }, () => client.getAliases());
  return aliases;
}

/** The collection an alias or collection name names (aliases resolve; anything else is taken as a collection). */
export async function resolveName(client: QdrantClient, nameOrAlias: string): Promise<string> {
  return (await aliasList(client)).find((a) => a.alias_name === nameOrAlias)?.collection_name ?? nameOrAlias;
}

/** The dimension of a collection this store made; STORE_UNKNOWN_COLLECTION when there is none of that name. */
export async function collectionDimension(client: QdrantClient, nameOrAlias: string): Promise<number> {
  const info = await describe(client, nameOrAlias);
  if (info === undefined) {
    throw storeError(storeErrorCodes.unknownCollection, `no collection or alias '${nameOrAlias}'`);
  }
  const size = embeddingSize(info);
  if (size === undefined) {
    throw storeError(
      storeErrorCodes.collectionMismatch,
      `collection '${nameOrAlias}' has no '${VECTOR_NAME}' vector: it was not made by this store`,
    );
  }
  return size;
}

async function ensurePayloadIndexes(
  client: QdrantClient,
  name: string,
  info?: Schemas['CollectionInfo'],
): Promise<void> {
  for (const { field, type } of PAYLOAD_INDEXES) {
    if (info?.payload_schema[field]?.data_type === type) continue;
    await qdrantOp({ operation: 'createPayloadIndex', collection: name }, () =>
      client.createPayloadIndex(name, { field_name: field, field_schema: type, wait: true }),
    );
  }
}

export async function ensureCollection(client: QdrantClient, name: string, dimension: number): Promise<void> {
  if ((await aliasList(client)).some((a) => a.alias_name === name)) {
    throw new ValidationError(`'${name}' is an alias: a collection cannot take its name`);
  }
  let info = await describe(client, name);
  if (info === undefined) {
    try {
      await client.createCollection(name, { vectors: { [VECTOR_NAME]: { size: dimension, distance: 'Cosine' } } });
    } catch (error) {
      // a concurrent ensureCollection may have created it first: then it is checked like any existing one
      info = await describe(client, name);
      if (info === undefined) throw mapQdrantError(error, { operation: 'createCollection', collection: name });
    }
  }
  if (info !== undefined) {
    const size = embeddingSize(info);
    if (size !== dimension) {
      throw storeError(
        storeErrorCodes.collectionMismatch,
        `collection '${name}' exists with ${size === undefined ? `no '${VECTOR_NAME}' vector` : `dimension ${size}`}, not ${dimension}`,
      );
    }
  }
  await ensurePayloadIndexes(client, name, info);
}

async function exactCount(client: QdrantClient, name: string): Promise<number> {
  const { count } = await qdrantOp({ operation: 'count', collection: name }, () => client.count(name, { exact: true }));
  return count;
}

async function infoOf(client: QdrantClient, name: string): Promise<CollectionInfo | undefined> {
  const info = await describe(client, name);
  const dimension = info === undefined ? undefined : embeddingSize(info);
  if (dimension === undefined) return undefined;
  try {
    return { name, dimension, points: await exactCount(client, name) };
  } catch (error) {
    // dropped between the two calls: it is no longer there
    if (error instanceof AppError && error.code === storeErrorCodes.unknownCollection) return undefined;
    throw error;
  }
}

export async function collectionInfo(client: QdrantClient, nameOrAlias: string): Promise<CollectionInfo | undefined> {
  return infoOf(client, await resolveName(client, nameOrAlias));
}

/** Every collection this store made; others sharing the server (no `embedding` vector) are not its business. */
export async function listCollections(client: QdrantClient): Promise<CollectionInfo[]> {
  const { collections } = await qdrantOp({ operation: 'getCollections' }, () => client.getCollections());
  const infos: CollectionInfo[] = [];
  for (const { name } of collections) {
    // a collection dropped since the listing is simply no longer there
    const info = await infoOf(client, name);
    if (info !== undefined) infos.push(info);
  }
  return infos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function dropCollection(client: QdrantClient, name: string): Promise<void> {
  const aliases = await aliasList(client);
  const using = aliases.filter((a) => a.collection_name === name);
  if (using.length > 0) {
    throw storeError(
      storeErrorCodes.aliasInUse,
      `collection '${name}' is named by alias ${using.map((a) => a.alias_name).join(', ')}: point it elsewhere first`,
    );
  }
  // an alias is not a collection: there is nothing of that name to drop (and Qdrant must not resolve it)
  if (aliases.some((a) => a.alias_name === name)) return;
  try {
    await client.deleteCollection(name);
  } catch (error) {
    const mapped = mapQdrantError(error, { operation: 'deleteCollection', collection: name });
    // missing is not an error: the outcome the caller wants already holds
    if (mapped.code !== storeErrorCodes.unknownCollection) throw mapped;
  }
}

/**
 * One updateCollectionAliases call, so the switch is atomic: readers see the old collection or the new one.
 * The target must be a collection (not an alias), and the alias must not be a collection's name.
 */
export async function setAlias(client: QdrantClient, alias: string, collection: string): Promise<void> {
  const aliases = await aliasList(client);
  if (aliases.some((a) => a.alias_name === collection) || (await describe(client, collection)) === undefined) {
    throw storeError(storeErrorCodes.unknownCollection, `no collection named '${collection}' to alias`);
  }
  const current = aliases.find((a) => a.alias_name === alias)?.collection_name;
  if (current === undefined && (await describe(client, alias)) !== undefined) {
    throw new ValidationError(`'${alias}' is a collection: an alias cannot take its name`);
  }
  if (current === collection) return;
  const actions: Schemas['AliasOperations'][] = [];
  // deleting an alias that does not exist fails the whole call, so the delete is sent only for an existing one
  if (current !== undefined) actions.push({ delete_alias: { alias_name: alias } });
  actions.push({ create_alias: { alias_name: alias, collection_name: collection } });
  await qdrantOp({ operation: 'updateCollectionAliases', collection }, () =>
    client.updateCollectionAliases({ actions }),
  );
}

export async function getAlias(client: QdrantClient, alias: string): Promise<string | undefined> {
  return (await aliasList(client)).find((a) => a.alias_name === alias)?.collection_name;
}
