import type { Connection, Table } from '@lancedb/lancedb';
import path from 'node:path';
import { fsyncPath } from '../../fs/index.js';
import { storeError, storeErrorCodes } from '../store-errors.js';
import { DurableDir } from './durable-dir.js';
import { loadLance } from './lance-native.js';
import { scalarIndexes, schemaDimension, tableSchema } from './lance-schema.js';

/** A collection's open LanceDB table and what this process knows about it. */
export interface OpenTable {
  name: string;
  table: Table;
  dimension: number;
  durable: DurableDir;
  /** the ANN index as last seen (undefined = none), and when it was looked up */
  ann?: { name: string; indexedRows: number };
  annCheckedAt: number;
  /** recent selectivity counts by SQL predicate (see lance-planner.ts) */
  counts: Map<string, { matching: number; total: number; at: number }>;
}

/** Opens each collection's table once and keeps it; the folder is `<name>.lance` under the store folder. */
export class LanceTables {
  private readonly open = new Map<string, Promise<OpenTable | undefined>>();

  constructor(
    private readonly db: Connection,
    private readonly root: string,
  ) {}

  async names(): Promise<string[]> {
    return this.db.tableNames();
  }

  /**
   * The table of this collection, or undefined when none exists. A cached table is checked against the folder
   * listing (a readdir) on each call: another process may have dropped it, and a handle to a dropped table
   * must not write its files back.
   */
  async get(name: string): Promise<OpenTable | undefined> {
    const cached = this.open.get(name);
    if (cached && !(await this.db.tableNames()).includes(name)) {
      this.forget(name);
      return undefined;
    }
    let opening = cached;
    if (!opening) {
      opening = this.openTable(name);
      this.open.set(name, opening);
      // a miss is not cached: another process may create the collection at any time
      opening.then(
        (t) => t === undefined && this.open.delete(name),
        () => this.open.delete(name),
      );
    }
    return opening;
  }

  async require(name: string): Promise<OpenTable> {
    const table = await this.get(name);
    if (!table) throw storeError(storeErrorCodes.unknownCollection, `no collection or alias named '${name}'`);
    return table;
  }

  private async openTable(name: string): Promise<OpenTable | undefined> {
    if (!(await this.db.tableNames()).includes(name)) return undefined;
    const table = await this.db.openTable(name);
    return this.wrap(name, table);
  }

  async wrap(name: string, table: Table): Promise<OpenTable> {
    const schema = await table.schema();
    const dimension = schemaDimension(schema);
    if (dimension === undefined) {
      throw storeError(storeErrorCodes.corrupt, `table '${name}' has no vector column of this store's schema`);
    }
    const entry: OpenTable = {
      name,
      table,
      dimension,
      durable: new DurableDir(path.join(this.root, `${name}.lance`)),
      annCheckedAt: 0,
      counts: new Map(),
    };
    this.open.set(name, Promise.resolve(entry));
    return entry;
  }

  /** A new empty table with its scalar indexes, durable (its files and the store folder fsynced). */
  async create(name: string, dimension: number): Promise<OpenTable> {
    const table = await this.db.createEmptyTable(name, tableSchema(dimension), { mode: 'create', existOk: false });
    const { Index } = await loadLance();
    // scalar indexes from the start: LanceDB extends them to new rows when maintenance optimises
    for (const { column, kind } of scalarIndexes) {
      await table.createIndex(column, { config: kind === 'btree' ? Index.btree() : Index.bitmap() });
    }
    const t = await this.wrap(name, table);
    await t.durable.syncNew();
    await fsyncPath(this.root);
    return t;
  }

  forget(name: string): void {
    const opening = this.open.get(name);
    this.open.delete(name);
    // a failed open holds nothing to close; its error was reported to whoever awaited it
    void opening?.then(
      (t) => t?.table.close(),
      () => undefined,
    );
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    for (const t of await Promise.allSettled(all)) if (t.status === 'fulfilled') t.value?.table.close();
  }
}
