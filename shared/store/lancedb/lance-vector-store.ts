import type { Connection } from '@lancedb/lancedb';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../../errors/index.js';
import { fsyncPath } from '../../fs/index.js';
import { recommendQuery } from '../filter.js';
import { storeError, storeErrorCodes } from '../store-errors.js';
import {
  MAX_SCROLL_LIMIT,
  MAX_SEARCH_LIMIT,
  validateDimension,
  validateIds,
  validateLimit,
  validateName,
  validateOptionalFilter,
  validatePoints,
  validateVector,
} from '../store-validation.js';
import type {
  CollectionInfo,
  FacetCount,
  FacetField,
  Filter,
  Hit,
  RecommendRequest,
  ScrollPage,
  ScrollRequest,
  SearchRequest,
  VectorPoint,
  VectorStore,
} from '../vector-store.js';
import { AliasCatalog } from './alias-catalog.js';
import { LanceMaintenance, type MaintenanceReport } from './lance-maintenance.js';
import { lanceOp } from './lance-op.js';
import { planSearch } from './lance-planner.js';
import { countPoints, facetPoints, getPoints, idsSql, scrollPoints } from './lance-reads.js';
import { pointsToArrow } from './lance-schema.js';
import { knnSearch, type SearchPlan } from './lance-search.js';
import { selectionOf, type Selection } from './lance-selection.js';
import { LanceTables, type OpenTable } from './lance-tables.js';
import { loadLance } from './lance-native.js';
import { validateLanceOptions, type LanceVectorStoreOptions } from './lance-options.js';
import { LOCK_FILE, WriterLock } from './writer-lock.js';

export type { SearchPlan, MaintenanceReport, LanceVectorStoreOptions };

const MAINTENANCE_LOCK_FILE = 'maintenance.lock.db';

/**
 * The embedded VectorStore: one LanceDB table per collection under `path` (see lance-schema.ts for the
 * rows), aliases in a JSON document beside them, writes serialised across processes by a lock file and
 * fsynced before they resolve, searches planned between an exact scan and the ANN index by the filter's
 * selectivity, and a background task that builds the index and compacts.
 */
export class LanceVectorStore implements VectorStore {
  readonly kind = 'lancedb' as const;
  private closed = false;

  private constructor(
    private readonly options: LanceVectorStoreOptions,
    private readonly db: Connection,
    private readonly tables: LanceTables,
    private readonly aliases: AliasCatalog,
    private readonly writer: WriterLock,
    private readonly maintenanceLock: WriterLock,
    private readonly maintenance: LanceMaintenance,
  ) {}

  static async open(options: LanceVectorStoreOptions): Promise<LanceVectorStore> {
    validateLanceOptions(options);
    const { indexMinRows, maintenanceIntervalMs } = options;
    const root = path.resolve(options.path);
    return lanceOp('open', async () => {
      await mkdir(root, { recursive: true });
      const lance = await loadLance();
      const db = await lance.connect(root, { readConsistencyInterval: 0 });
      const tables = new LanceTables(db, root);
      const writer = new WriterLock(path.join(root, LOCK_FILE), options.lockTimeoutMs ?? 30_000);
      const maintenanceLock = new WriterLock(path.join(root, MAINTENANCE_LOCK_FILE), 0);
      writer.open();
      maintenanceLock.open();
      const maintenance = new LanceMaintenance(
        tables,
        writer,
        maintenanceLock,
        { indexMinRows, intervalMs: maintenanceIntervalMs, keepVersionsMs: 3_600_000, logger: options.logger },
        options.onMaintenance,
      );
      const store = new LanceVectorStore(
        options,
        db,
        tables,
        new AliasCatalog(root),
        writer,
        maintenanceLock,
        maintenance,
      );
      maintenance.start();
      return store;
    });
  }

  private get root(): string {
    return path.resolve(this.options.path);
  }

  private assertOpen(operation: string): void {
    if (this.closed) throw storeError(storeErrorCodes.closed, `vector store is closed (${operation})`);
  }

  /** the table a collection name or alias names */
  private async resolve(nameOrAlias: string, operation: string): Promise<OpenTable> {
    this.assertOpen(operation);
    validateName(nameOrAlias);
    const aliases = await this.aliases.read();
    return lanceOp(operation, () => this.tables.require(aliases[nameOrAlias] ?? nameOrAlias));
  }

  private selectionOf(filter: Filter | undefined): Selection {
    validateOptionalFilter(filter);
    return selectionOf(filter);
  }

  /**
   * A write to a table under the writer lock, made durable before it resolves. The table is looked up again
   * under the lock: a drop by another process in between must fail the write, not resurrect its folder.
   */
  private write<T>(operation: string, t: OpenTable, fn: () => Promise<T>): Promise<T> {
    return this.writer.run(operation, () =>
      lanceOp(operation, async () => {
        if ((await this.tables.get(t.name)) === undefined) {
          throw storeError(storeErrorCodes.unknownCollection, `collection '${t.name}' was dropped`);
        }
        const result = await fn();
        await t.durable.syncNew();
        return result;
      }),
    );
  }

  async ensureCollection(name: string, dimension: number): Promise<void> {
    this.assertOpen('ensureCollection');
    validateName(name);
    validateDimension(dimension);
    await this.writer.run('ensureCollection', () =>
      lanceOp('ensureCollection', async () => {
        if ((await this.aliases.read())[name] !== undefined) {
          throw new ValidationError(`'${name}' is an alias: a collection cannot take its name`);
        }
        const existing = await this.tables.get(name);
        if (existing) {
          if (existing.dimension !== dimension) {
            throw storeError(
              storeErrorCodes.collectionMismatch,
              `collection '${name}' has dimension ${existing.dimension}, not ${dimension}`,
            );
          }
          return;
        }
        await this.tables.create(name, dimension);
      }),
    );
  }

  async listCollections(): Promise<CollectionInfo[]> {
    this.assertOpen('listCollections');
    return lanceOp('listCollections', async () => {
      const infos: CollectionInfo[] = [];
      for (const name of await this.tables.names()) {
        const t = await this.tables.get(name);
        if (t) infos.push({ name, dimension: t.dimension, points: await t.table.countRows() });
      }
      return infos;
    });
  }

  async collectionInfo(nameOrAlias: string): Promise<CollectionInfo | undefined> {
    this.assertOpen('collectionInfo');
    validateName(nameOrAlias);
    const target = (await this.aliases.read())[nameOrAlias] ?? nameOrAlias;
    return lanceOp('collectionInfo', async () => {
      const t = await this.tables.get(target);
      return t && { name: t.name, dimension: t.dimension, points: await t.table.countRows() };
    });
  }

  async dropCollection(name: string): Promise<void> {
    this.assertOpen('dropCollection');
    validateName(name);
    await this.writer.run('dropCollection', () =>
      lanceOp('dropCollection', async () => {
        const aliases = await this.aliases.read();
        const using = Object.keys(aliases).filter((alias) => aliases[alias] === name);
        if (using.length > 0) {
          throw storeError(storeErrorCodes.aliasInUse, `collection '${name}' is named by alias ${using.join(', ')}`);
        }
        if (!(await this.tables.names()).includes(name)) return;
        this.tables.forget(name);
        await this.db.dropTable(name);
        await fsyncPath(this.root);
      }),
    );
  }

  async upsert(collection: string, points: readonly VectorPoint[]): Promise<void> {
    const t = await this.resolve(collection, 'upsert');
    validatePoints(points, t.dimension);
    if (points.length === 0) return;
    const data = pointsToArrow(points, t.dimension);
    await this.write('upsert', t, () =>
      t.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data),
    );
  }

  async delete(collection: string, ids: readonly string[]): Promise<void> {
    const t = await this.resolve(collection, 'delete');
    validateIds(ids);
    if (ids.length === 0) return;
    await this.write('delete', t, () => t.table.delete(idsSql([...new Set(ids)])));
  }

  async get(collection: string, ids: readonly string[]): Promise<VectorPoint[]> {
    const t = await this.resolve(collection, 'get');
    validateIds(ids);
    if (ids.length === 0) return [];
    return lanceOp('get', () => getPoints(t, ids));
  }

  async search(collection: string, request: SearchRequest): Promise<Hit[]> {
    const t = await this.resolve(collection, 'search');
    if (typeof request !== 'object' || request === null) throw new ValidationError('search request must be an object');
    validateVector(request.vector, t.dimension, 'vector', true);
    return this.knn(t, request.vector, request.limit, request.filter);
  }

  async recommend(collection: string, request: RecommendRequest): Promise<Hit[]> {
    const t = await this.resolve(collection, 'recommend');
    if (typeof request !== 'object' || request === null)
      throw new ValidationError('recommend request must be an object');
    const query = recommendQuery(request.positive, request.negative ?? []);
    validateVector(query, t.dimension, 'recommend query', true);
    return this.knn(t, query, request.limit, request.filter);
  }

  private async knn(t: OpenTable, vector: Float32Array, limit: number, filter: Filter | undefined): Promise<Hit[]> {
    validateLimit(limit, MAX_SEARCH_LIMIT);
    const selection = this.selectionOf(filter);
    return lanceOp('search', async () => {
      const plan = await planSearch(t, selection, {
        exactBelowSelectivity: this.options.exactBelowSelectivity,
        minNprobes: this.options.minNprobes ?? 20,
        refineFactor: this.options.refineFactor ?? 5,
      });
      const result = await knnSearch(t, vector, limit, selection, plan);
      this.options.onPlan?.(result.plan);
      this.options.logger?.debug({ collection: t.name, plan: result.plan }, 'vector search');
      return result.hits;
    });
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    const t = await this.resolve(collection, 'count');
    const selection = this.selectionOf(filter);
    return lanceOp('count', () => countPoints(t, selection));
  }

  async scroll(collection: string, request: ScrollRequest): Promise<ScrollPage> {
    const t = await this.resolve(collection, 'scroll');
    if (typeof request !== 'object' || request === null) throw new ValidationError('scroll request must be an object');
    validateLimit(request.limit, MAX_SCROLL_LIMIT);
    if (request.after !== undefined) validateIds([request.after], 'after');
    const selection = this.selectionOf(request.filter);
    return lanceOp('scroll', () =>
      scrollPoints(t, selection, request.after, request.limit, request.withVectors === true),
    );
  }

  async facet(collection: string, field: FacetField, filter?: Filter): Promise<FacetCount[]> {
    const t = await this.resolve(collection, 'facet');
    if (!['layer', 'date', 'model', 'z'].includes(field)) {
      throw new ValidationError(`facet field must be layer, date, model or z, got ${JSON.stringify(field)}`);
    }
    const selection = this.selectionOf(filter);
    return lanceOp('facet', () => facetPoints(t, field, selection));
  }

  async setAlias(alias: string, collection: string): Promise<void> {
    this.assertOpen('setAlias');
    validateName(alias, 'alias');
    validateName(collection);
    await this.writer.run('setAlias', async () => {
      const names = await lanceOp('setAlias', () => this.tables.names());
      if (!names.includes(collection)) {
        throw storeError(storeErrorCodes.unknownCollection, `no collection named '${collection}' to alias`);
      }
      if (names.includes(alias)) throw new ValidationError(`'${alias}' is a collection: an alias cannot take its name`);
      const aliases = await this.aliases.read();
      await this.aliases.write({ ...aliases, [alias]: collection });
    });
  }

  async getAlias(alias: string): Promise<string | undefined> {
    this.assertOpen('getAlias');
    validateName(alias, 'alias');
    return (await this.aliases.read())[alias];
  }

  /** One maintenance pass now (tests, the CLI); the background task runs the same. */
  async maintain(): Promise<MaintenanceReport[]> {
    this.assertOpen('maintain');
    return this.maintenance.runOnce();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.maintenance.stop();
    await this.writer.close();
    await this.maintenanceLock.close();
    await this.tables.closeAll();
    this.db.close();
  }
}
