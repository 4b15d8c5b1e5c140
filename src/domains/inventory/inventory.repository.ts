// SQL for the data-map tables. Writes come in batches (a map can hold thousands of fields);
// reads load whole systems at once, ordered by position, for the service to assemble.
import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type {
  Database,
  InventoryCollectionsTable,
  InventoryDatasetsTable,
  InventoryFieldReferencesTable,
  InventoryFieldsTable,
  InventoryLegalHoldsTable,
  InventorySystemsTable,
} from '../../db/schema.ts';

type Exec = Kysely<Database>;

export type SystemRow = Selectable<InventorySystemsTable>;
export type DatasetRow = Selectable<InventoryDatasetsTable>;
export type CollectionRow = Selectable<InventoryCollectionsTable>;
export type FieldRow = Selectable<InventoryFieldsTable>;
export type ReferenceRow = Selectable<InventoryFieldReferencesTable>;
export type LegalHoldRow = Selectable<InventoryLegalHoldsTable>;

export type NewSystemRow = Omit<Insertable<InventorySystemsTable>, 'created_at' | 'review_reminded_at'>;
export type NewDatasetRow = Insertable<InventoryDatasetsTable>;
export type NewCollectionRow = Insertable<InventoryCollectionsTable>;
export type NewFieldRow = Insertable<InventoryFieldsTable>;
export type NewReferenceRow = Insertable<InventoryFieldReferencesTable>;
export type NewLegalHoldRow = Insertable<InventoryLegalHoldsTable>;

const BATCH = 500;

async function insertInBatches<T>(rows: readonly T[], insert: (batch: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await insert(rows.slice(i, i + BATCH));
}

/** Serialises imports: two imports at once would each check the map without the other. */
export async function lockDataMap(trx: Exec): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('madoguchi.inventory.import'))`.execute(trx);
}

export async function listSystems(db: Exec): Promise<SystemRow[]> {
  return db.selectFrom('inventory_systems').selectAll().orderBy('name').execute();
}

export async function findSystemByName(db: Exec, name: string): Promise<SystemRow | undefined> {
  return db.selectFrom('inventory_systems').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Inserts or updates the system row by name; keeps its id and its reminder state. */
export async function upsertSystem(trx: Exec, row: NewSystemRow): Promise<{ id: string; created: boolean }> {
  const { id: _id, name: _name, ...update } = row;
  const result = await trx
    .insertInto('inventory_systems')
    .values(row)
    .onConflict((oc) => oc.column('name').doUpdateSet(update))
    .returning(['id', sql<boolean>`(xmax = 0)`.as('inserted')])
    .executeTakeFirstOrThrow();
  return { id: result.id, created: result.inserted };
}

export async function deleteDatasetsOfSystem(trx: Exec, systemId: string): Promise<void> {
  await trx.deleteFrom('inventory_datasets').where('system_id', '=', systemId).execute();
}

export async function insertDatasets(trx: Exec, rows: readonly NewDatasetRow[]): Promise<void> {
  await insertInBatches(rows, (b) => trx.insertInto('inventory_datasets').values(b).execute());
}
export async function insertCollections(trx: Exec, rows: readonly NewCollectionRow[]): Promise<void> {
  await insertInBatches(rows, (b) => trx.insertInto('inventory_collections').values(b).execute());
}
export async function insertFields(trx: Exec, rows: readonly NewFieldRow[]): Promise<void> {
  await insertInBatches(rows, (b) => trx.insertInto('inventory_fields').values(b).execute());
}
export async function insertReferences(trx: Exec, rows: readonly NewReferenceRow[]): Promise<void> {
  await insertInBatches(rows, (b) => trx.insertInto('inventory_field_references').values(b).execute());
}
export async function insertLegalHolds(trx: Exec, rows: readonly NewLegalHoldRow[]): Promise<void> {
  await insertInBatches(rows, (b) => trx.insertInto('inventory_legal_holds').values(b).execute());
}

export interface MapRows {
  systems: SystemRow[];
  datasets: DatasetRow[];
  collections: CollectionRow[];
  fields: FieldRow[];
  references: ReferenceRow[];
  legalHolds: LegalHoldRow[];
}

/** Every row of the given systems (all systems when `systemIds` is null), in position order. */
export async function loadMapRows(db: Exec, systemIds: readonly string[] | null): Promise<MapRows> {
  if (systemIds !== null && systemIds.length === 0) {
    return { systems: [], datasets: [], collections: [], fields: [], references: [], legalHolds: [] };
  }
  let systemsQ = db.selectFrom('inventory_systems').selectAll().orderBy('name');
  let datasetsQ = db.selectFrom('inventory_datasets').selectAll('inventory_datasets').orderBy('position');
  let collectionsQ = db
    .selectFrom('inventory_collections')
    .innerJoin('inventory_datasets', 'inventory_datasets.id', 'inventory_collections.dataset_id')
    .selectAll('inventory_collections')
    .orderBy('inventory_collections.position');
  let fieldsQ = db
    .selectFrom('inventory_fields')
    .innerJoin('inventory_collections', 'inventory_collections.id', 'inventory_fields.collection_id')
    .innerJoin('inventory_datasets', 'inventory_datasets.id', 'inventory_collections.dataset_id')
    .selectAll('inventory_fields')
    .orderBy('inventory_fields.position');
  let referencesQ = db
    .selectFrom('inventory_field_references')
    .innerJoin('inventory_fields', 'inventory_fields.id', 'inventory_field_references.field_id')
    .innerJoin('inventory_collections', 'inventory_collections.id', 'inventory_fields.collection_id')
    .innerJoin('inventory_datasets', 'inventory_datasets.id', 'inventory_collections.dataset_id')
    .selectAll('inventory_field_references')
    .orderBy('inventory_field_references.position');
  let holdsQ = db
    .selectFrom('inventory_legal_holds')
    .innerJoin('inventory_collections', 'inventory_collections.id', 'inventory_legal_holds.collection_id')
    .innerJoin('inventory_datasets', 'inventory_datasets.id', 'inventory_collections.dataset_id')
    .selectAll('inventory_legal_holds')
    .orderBy('inventory_legal_holds.position');
  if (systemIds !== null) {
    const ids = [...systemIds];
    systemsQ = systemsQ.where('id', 'in', ids);
    datasetsQ = datasetsQ.where('inventory_datasets.system_id', 'in', ids);
    collectionsQ = collectionsQ.where('inventory_datasets.system_id', 'in', ids);
    fieldsQ = fieldsQ.where('inventory_datasets.system_id', 'in', ids);
    referencesQ = referencesQ.where('inventory_datasets.system_id', 'in', ids);
    holdsQ = holdsQ.where('inventory_datasets.system_id', 'in', ids);
  }
  // One query at a time: PGlite has a single connection.
  const systems = await systemsQ.execute();
  const datasets = await datasetsQ.execute();
  const collections = await collectionsQ.execute();
  const fields = await fieldsQ.execute();
  const references = await referencesQ.execute();
  const legalHolds = await holdsQ.execute();
  return { systems, datasets, collections, fields, references, legalHolds };
}

export interface SystemCounts {
  system_id: string;
  datasets: number;
  collections: number;
  fields: number;
  special_care_fields: number;
}

export async function countsBySystem(db: Exec): Promise<SystemCounts[]> {
  const rows = await db
    .selectFrom('inventory_datasets')
    .leftJoin('inventory_collections', 'inventory_collections.dataset_id', 'inventory_datasets.id')
    .leftJoin('inventory_fields', 'inventory_fields.collection_id', 'inventory_collections.id')
    .select([
      'inventory_datasets.system_id',
      sql<number>`count(distinct inventory_datasets.id)::int`.as('datasets'),
      sql<number>`count(distinct inventory_collections.id)::int`.as('collections'),
      sql<number>`count(inventory_fields.id)::int`.as('fields'),
      sql<number>`count(inventory_fields.id) filter (where inventory_fields.is_special_care)::int`.as('special_care_fields'),
    ])
    .groupBy('inventory_datasets.system_id')
    .execute();
  return rows;
}

export async function markReviewReminded(trx: Exec, systemId: string, now: Date): Promise<void> {
  await trx.updateTable('inventory_systems').set({ review_reminded_at: now }).where('id', '=', systemId).execute();
}

/** Locks one system row (the review job re-checks it under the lock before reminding). */
export async function lockSystemById(trx: Exec, id: string): Promise<SystemRow | undefined> {
  return trx.selectFrom('inventory_systems').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function setSystemReview(
  trx: Exec,
  id: string,
  review: { reviewer: string; reviewedOn: string; intervalMonths: number; now: Date },
): Promise<void> {
  await trx
    .updateTable('inventory_systems')
    .set({
      reviewer_staff_id: review.reviewer,
      last_reviewed_on: review.reviewedOn,
      review_interval_months: review.intervalMonths,
      review_reminded_at: null,
      updated_at: review.now,
    })
    .where('id', '=', id)
    .execute();
}
