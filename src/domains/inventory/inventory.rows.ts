// The one place where data-map rows and the model meet: a system becomes rows for every table
// (with fresh ids, children pointing at parents), and rows become systems again.
import { newId } from '../../lib/ids.ts';
import { compact } from './datamap-reader.ts';
import { fieldFlags } from './datamap.rules.ts';
import {
  DEFAULT_REVIEW_INTERVAL_MONTHS,
  type DataCollection,
  type DataField,
  type DataSet,
  type DataSystem,
  type EraseSpec,
  type Extra,
  type SystemKind,
  type SystemVendor,
} from './datamap.types.ts';
import type {
  MapRows,
  NewCollectionRow,
  NewDatasetRow,
  NewFieldRow,
  NewLegalHoldRow,
  NewReferenceRow,
  NewSystemRow,
  SystemRow,
} from './inventory.repository.ts';

const json = (v: unknown): string => JSON.stringify(v);
const jsonOrNull = (v: unknown): string | null => (v === undefined ? null : JSON.stringify(v));
const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
const orUndef = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export function systemToRow(s: DataSystem, id: string, now: Date): NewSystemRow {
  return {
    id,
    name: s.name,
    title: orNull(s.title),
    description: orNull(s.description),
    kind: orNull(s.kind),
    connection_name: orNull(s.connection),
    owner_staff_id: orNull(s.owner),
    location_country: orNull(s.location?.country),
    location_region: orNull(s.location?.region),
    location_note: orNull(s.location?.note),
    storage_method: orNull(s.storageMethod),
    vendors: json(s.vendors),
    security_measures: json(s.securityMeasures),
    reviewer_staff_id: orNull(s.review?.reviewer),
    last_reviewed_on: orNull(s.review?.lastReviewedOn),
    review_interval_months: orNull(s.review?.intervalMonths),
    updated_at: now,
  };
}

export interface ChildRows {
  datasets: NewDatasetRow[];
  collections: NewCollectionRow[];
  fields: NewFieldRow[];
  references: NewReferenceRow[];
  legalHolds: NewLegalHoldRow[];
}

function fieldRows(out: ChildRows, collectionId: string, parentId: string | null, prefix: string, fields: readonly DataField[]): void {
  fields.forEach((f, position) => {
    const id = newId('fld');
    const path = prefix ? `${prefix}.${f.name}` : f.name;
    const flags = fieldFlags(f);
    out.fields.push({
      id,
      collection_id: collectionId,
      parent_id: parentId,
      position,
      path,
      name: f.name,
      description: orNull(f.description),
      data_categories: jsonOrNull(f.dataCategories),
      purposes: json(f.purposes),
      retention_period: orNull(f.retention?.period),
      retention_from: orNull(f.retention?.from),
      retention_basis: orNull(f.retention?.basis),
      special_care: orNull(f.specialCare),
      financial: orNull(f.financial),
      is_special_care: flags.specialCare,
      is_financial: flags.financial,
      identity_type: orNull(f.identity),
      primary_key: orNull(f.primaryKey),
      erase: jsonOrNull(f.erase),
      data_type: orNull(f.dataType),
      length: orNull(f.length),
      read_only: orNull(f.readOnly),
      return_all_elements: orNull(f.returnAllElements),
      custom_request_field: orNull(f.customRequestField),
      fides_extra: jsonOrNull(f.fidesExtra),
      fides_meta_extra: jsonOrNull(f.fidesMetaExtra),
    });
    f.references.forEach((r, i) =>
      out.references.push({
        id: newId('ref'),
        field_id: id,
        position: i,
        target_system: orNull(r.system),
        target_dataset: r.dataset,
        target_field: r.field,
        direction: orNull(r.direction),
      }),
    );
    if (f.fields) fieldRows(out, collectionId, id, path, f.fields);
  });
}

export function childrenToRows(s: DataSystem, systemId: string): ChildRows {
  const out: ChildRows = { datasets: [], collections: [], fields: [], references: [], legalHolds: [] };
  s.datasets.forEach((d, dpos) => {
    const datasetId = newId('dst');
    out.datasets.push({
      id: datasetId,
      system_id: systemId,
      position: dpos,
      name: d.name,
      title: orNull(d.title),
      description: orNull(d.description),
      data_categories: jsonOrNull(d.dataCategories),
      fides_extra: jsonOrNull(d.fidesExtra),
      fides_meta_extra: jsonOrNull(d.fidesMetaExtra),
    });
    d.collections.forEach((c, cpos) => {
      const collectionId = newId('col');
      out.collections.push({
        id: collectionId,
        dataset_id: datasetId,
        position: cpos,
        name: c.name,
        description: orNull(c.description),
        data_categories: jsonOrNull(c.dataCategories),
        access: json(c.access),
        acquisition: orNull(c.acquisition),
        third_party_provision: orNull(c.thirdPartyProvision),
        record_count: orNull(c.recordCount),
        use_period: orNull(c.usePeriod),
        erase: jsonOrNull(c.erase),
        after: jsonOrNull(c.after),
        erase_after: jsonOrNull(c.eraseAfter),
        skip_processing: orNull(c.skipProcessing),
        fides_extra: jsonOrNull(c.fidesExtra),
        fides_meta_extra: jsonOrNull(c.fidesMetaExtra),
      });
      c.legalHolds.forEach((h, i) =>
        out.legalHolds.push({
          id: newId('hold'),
          collection_id: collectionId,
          position: i,
          reason: h.reason,
          basis: orNull(h.basis),
          period: orNull(h.period),
          from_event: orNull(h.from),
        }),
      );
      fieldRows(out, collectionId, null, '', c.fields);
    });
  });
  return out;
}

function group<T, K>(rows: readonly T[], key: (r: T) => K): Map<K, T[]> {
  const map = new Map<K, T[]>();
  for (const r of rows) {
    const list = map.get(key(r));
    if (list) list.push(r);
    else map.set(key(r), [r]);
  }
  return map;
}

function systemFromRow(row: SystemRow, datasets: DataSet[]): DataSystem {
  return compact({
    name: row.name,
    title: orUndef(row.title),
    description: orUndef(row.description),
    kind: orUndef(row.kind) as SystemKind | undefined,
    connection: orUndef(row.connection_name),
    owner: orUndef(row.owner_staff_id),
    location:
      row.location_country === null
        ? undefined
        : compact({ country: row.location_country, region: orUndef(row.location_region), note: orUndef(row.location_note) }),
    storageMethod: orUndef(row.storage_method),
    vendors: row.vendors as SystemVendor[],
    securityMeasures: row.security_measures,
    review:
      row.last_reviewed_on === null || row.reviewer_staff_id === null
        ? undefined
        : {
            lastReviewedOn: row.last_reviewed_on,
            reviewer: row.reviewer_staff_id,
            intervalMonths: row.review_interval_months ?? DEFAULT_REVIEW_INTERVAL_MONTHS,
          },
    datasets,
  });
}

/** Rebuilds the systems from their rows (rows as loaded by loadMapRows). */
export function systemsFromRows(rows: MapRows): DataSystem[] {
  const refsByField = group(rows.references, (r) => r.field_id);
  const holdsByCollection = group(rows.legalHolds, (h) => h.collection_id);
  const fieldsByParent = group(rows.fields, (f) => f.parent_id ?? `top:${f.collection_id}`);
  const collectionsByDataset = group(rows.collections, (c) => c.dataset_id);
  const datasetsBySystem = group(rows.datasets, (d) => d.system_id);

  const buildFields = (key: string): DataField[] | undefined =>
    fieldsByParent.get(key)?.map((f) =>
      compact({
        name: f.name,
        description: orUndef(f.description),
        dataCategories: orUndef(f.data_categories),
        purposes: f.purposes,
        retention:
          f.retention_period === null || f.retention_basis === null
            ? undefined
            : compact({ period: f.retention_period, from: orUndef(f.retention_from), basis: f.retention_basis }),
        specialCare: orUndef(f.special_care),
        financial: orUndef(f.financial),
        identity: orUndef(f.identity_type),
        primaryKey: orUndef(f.primary_key),
        references: (refsByField.get(f.id) ?? []).map((r) =>
          compact({ system: orUndef(r.target_system), dataset: r.target_dataset, field: r.target_field, direction: orUndef(r.direction) }),
        ),
        erase: orUndef(f.erase) as EraseSpec | undefined,
        dataType: orUndef(f.data_type),
        length: orUndef(f.length),
        readOnly: orUndef(f.read_only),
        returnAllElements: orUndef(f.return_all_elements),
        customRequestField: orUndef(f.custom_request_field),
        fields: buildFields(f.id),
        fidesExtra: orUndef(f.fides_extra) as Extra | undefined,
        fidesMetaExtra: orUndef(f.fides_meta_extra) as Extra | undefined,
      }),
    );

  return rows.systems.map((s) =>
    systemFromRow(
      s,
      (datasetsBySystem.get(s.id) ?? []).map((d) =>
        compact({
          name: d.name,
          title: orUndef(d.title),
          description: orUndef(d.description),
          dataCategories: orUndef(d.data_categories),
          collections: (collectionsByDataset.get(d.id) ?? []).map(
            (c): DataCollection =>
              compact({
                name: c.name,
                description: orUndef(c.description),
                dataCategories: orUndef(c.data_categories),
                access: c.access,
                acquisition: orUndef(c.acquisition),
                thirdPartyProvision: orUndef(c.third_party_provision),
                recordCount: orUndef(c.record_count),
                usePeriod: orUndef(c.use_period),
                legalHolds: (holdsByCollection.get(c.id) ?? []).map((h) =>
                  compact({ reason: h.reason, basis: orUndef(h.basis), period: orUndef(h.period), from: orUndef(h.from_event) }),
                ),
                erase: orUndef(c.erase) as EraseSpec | undefined,
                after: orUndef(c.after),
                eraseAfter: orUndef(c.erase_after),
                skipProcessing: orUndef(c.skip_processing),
                fields: buildFields(`top:${c.id}`) ?? [],
                fidesExtra: orUndef(c.fides_extra) as Extra | undefined,
                fidesMetaExtra: orUndef(c.fides_meta_extra) as Extra | undefined,
              }),
          ),
          fidesExtra: orUndef(d.fides_extra) as Extra | undefined,
          fidesMetaExtra: orUndef(d.fides_meta_extra) as Extra | undefined,
        }),
      ),
    ),
  );
}
