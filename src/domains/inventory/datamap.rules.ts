// The rules a data map must keep, as plain functions over the model: names are unique where
// they are looked up, every data category and purpose is known, references point at fields
// that exist (in this system or another), special-care and financial categories are not
// contradicted, an Individual Number is never used to find a person, and every collection can
// be reached from a person's identity (otherwise a warning: a request could never find it).
// Also the effective sensitivity of a field and the annual-review rule.
import { DATA_CATEGORIES, findDataCategory, suggestDataCategory } from './data-categories.ts';
import type { Locator } from './datamap-locator.ts';
import type { PathPart } from './datamap-reader.ts';
import type { DataCollection, DataField, DataMap, DataSet, DataSystem, FieldReference } from './datamap.types.ts';

export interface ValidateOptions {
  /** Purpose codes of the organisation; when given, a field's unknown purpose is a problem. */
  knownPurposeCodes?: readonly string[];
  /** Ids of active staff; when given, an owner or reviewer outside it is a warning. */
  knownStaffIds?: readonly string[];
}

export interface FieldFlags {
  specialCare: boolean;
  pmarkSensitive: boolean;
  financial: boolean;
  individualNumber: boolean;
}

/** What a field is, from its own flags and its categories (a category flag always wins). */
export function fieldFlags(field: Pick<DataField, 'dataCategories' | 'specialCare' | 'financial'>): FieldFlags {
  const cats = (field.dataCategories ?? []).map(findDataCategory);
  const any = (pick: (c: NonNullable<(typeof cats)[number]>) => boolean) => cats.some((c) => c !== undefined && pick(c));
  return {
    specialCare: field.specialCare === true || any((c) => c.specialCare),
    pmarkSensitive: field.specialCare === true || any((c) => c.pmarkSensitive || c.specialCare),
    financial: field.financial === true || any((c) => c.financial),
    individualNumber: any((c) => c.individualNumber),
  };
}

/** Every field of a collection, depth first, with its dotted path. */
export function* walkFields(fields: readonly DataField[], prefix = ''): Generator<{ field: DataField; path: string }> {
  for (const field of fields) {
    const path = prefix ? `${prefix}.${field.name}` : field.name;
    yield { field, path };
    if (field.fields) yield* walkFields(field.fields, path);
  }
}

export function findField(collection: DataCollection, path: readonly string[]): DataField | undefined {
  let list: readonly DataField[] | undefined = collection.fields;
  let found: DataField | undefined;
  for (const part of path) {
    found = list?.find((f) => f.name === part);
    if (!found) return undefined;
    list = found.fields;
  }
  return found;
}

export interface ResolvedField {
  system: DataSystem;
  dataset: DataSet;
  collection: DataCollection;
  field: DataField;
}

export type Resolution =
  | { ok: true; target: ResolvedField }
  | { ok: false; at: 'system' | 'dataset' | 'field'; code: string; message: string };

/** Finds a dataset by name: in `system` when given, else in `from`, else in the one system that has it. */
export function findDataset(
  map: DataMap,
  from: DataSystem,
  datasetName: string,
  systemName: string | undefined,
): { ok: true; system: DataSystem; dataset: DataSet } | { ok: false; at: 'system' | 'dataset'; code: string; message: string } {
  if (systemName !== undefined) {
    const system = map.systems.find((s) => s.name === systemName);
    if (!system) return { ok: false, at: 'system', code: 'missing_system', message: `refers to system '${systemName}', which is not in the data map` };
    const dataset = system.datasets.find((d) => d.name === datasetName);
    if (!dataset) return { ok: false, at: 'dataset', code: 'missing_dataset', message: `system '${systemName}' has no dataset '${datasetName}'` };
    return { ok: true, system, dataset };
  }
  const own = from.datasets.find((d) => d.name === datasetName);
  if (own) return { ok: true, system: from, dataset: own };
  const matches = map.systems.flatMap((s) => s.datasets.filter((d) => d.name === datasetName).map((d) => ({ system: s, dataset: d })));
  const only = matches[0];
  if (matches.length === 1 && only) return { ok: true, ...only };
  if (matches.length === 0) return { ok: false, at: 'dataset', code: 'missing_dataset', message: `refers to dataset '${datasetName}', which is not in the data map` };
  return {
    ok: false,
    at: 'dataset',
    code: 'ambiguous_dataset',
    message: `dataset '${datasetName}' exists in systems ${matches.map((m) => `'${m.system.name}'`).join(' and ')}: name the system with \`system:\``,
  };
}

export function resolveReference(map: DataMap, from: DataSystem, ref: FieldReference): Resolution {
  const ds = findDataset(map, from, ref.dataset, ref.system);
  if (!ds.ok) return ds;
  const [collectionName, ...fieldPath] = ref.field.split('.');
  const collection = ds.dataset.collections.find((c) => c.name === collectionName);
  if (!collection) {
    return { ok: false, at: 'field', code: 'missing_collection', message: `dataset '${ds.dataset.name}' has no collection '${collectionName ?? ''}'` };
  }
  const field = findField(collection, fieldPath);
  if (!field) {
    return { ok: false, at: 'field', code: 'missing_field', message: `collection '${ds.dataset.name}.${collection.name}' has no field '${fieldPath.join('.')}'` };
  }
  return { ok: true, target: { system: ds.system, dataset: ds.dataset, collection, field } };
}

function checkCategories(locator: Locator, node: object, sub: PathPart[], keys: readonly string[] | undefined): void {
  (keys ?? []).forEach((key, i) => {
    if (DATA_CATEGORIES.has(key)) return;
    const suggestion = suggestDataCategory(key);
    locator.report(node, [...sub, 'data_categories', i], 'error', 'unknown_category', `unknown data category '${key}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`);
  });
}

function checkDuplicates<T extends { name: string }>(locator: Locator, items: readonly T[], what: string): void {
  const seen = new Map<string, T>();
  for (const item of items) {
    if (seen.has(item.name)) locator.report(item, ['name'], 'error', 'duplicate_name', `${what} name '${item.name}' is used twice`);
    else seen.set(item.name, item);
  }
}

function checkField(
  map: DataMap,
  locator: Locator,
  system: DataSystem,
  field: DataField,
  options: ValidateOptions,
  purposes: ReadonlySet<string> | null,
): void {
  checkCategories(locator, field, [], field.dataCategories);
  const flags = fieldFlags({ dataCategories: field.dataCategories });
  if (field.specialCare === false && flags.specialCare) {
    locator.report(field, ['special_care'], 'error', 'special_care_conflict', 'is false, but the field is in a special-care-required (要配慮) data category');
  }
  if (field.financial === false && flags.financial) {
    locator.report(field, ['financial'], 'error', 'financial_conflict', 'is false, but the field is in a financial data category');
  }
  if (field.identity !== undefined && flags.individualNumber) {
    locator.report(
      field,
      ['identity'],
      'error',
      'individual_number_identity',
      'an Individual Number (My Number) may not be used to find a person: the My Number Act allows it only for tax and social-insurance work',
    );
  }
  if (purposes) {
    field.purposes.forEach((code, i) => {
      if (!purposes.has(code)) locator.report(field, ['purposes', i], 'error', 'unknown_purpose', `unknown purpose of use '${code}'`);
    });
  }
  field.references.forEach((ref, i) => {
    const r = resolveReference(map, system, ref);
    if (!r.ok) locator.report(field, ['references', i, r.at], 'error', r.code, r.message);
  });
  if (field.fields) {
    checkDuplicates(locator, field.fields, 'field');
    for (const child of field.fields) checkField(map, locator, system, child, options, purposes);
  }
}

function checkCollectionOrder(map: DataMap, locator: Locator, system: DataSystem, collection: DataCollection, key: 'after' | 'eraseAfter'): void {
  (collection[key] ?? []).forEach((ref, i) => {
    const dot = ref.lastIndexOf('.');
    const ds = findDataset(map, system, ref.slice(0, dot), undefined);
    const sub = [key === 'after' ? 'after' : 'erase_after', i];
    if (!ds.ok) locator.report(collection, sub, 'error', ds.code, ds.message);
    else if (!ds.dataset.collections.some((c) => c.name === ref.slice(dot + 1))) {
      locator.report(collection, sub, 'error', 'missing_collection', `dataset '${ds.dataset.name}' has no collection '${ref.slice(dot + 1)}'`);
    }
  });
}

/** Checks the whole map; problems and warnings go to the sinks of the nodes they concern. */
export function validateDataMap(map: DataMap, locator: Locator, options: ValidateOptions = {}): void {
  const purposes = options.knownPurposeCodes ? new Set(options.knownPurposeCodes) : null;
  const staff = options.knownStaffIds ? new Set(options.knownStaffIds) : null;
  checkDuplicates(locator, map.systems, 'system');
  for (const system of map.systems) {
    if (system.owner === undefined) {
      locator.report(system, ['owner'], 'warning', 'no_owner', 'the system has no owner: nobody will be reminded to review it');
    } else if (staff && !staff.has(system.owner)) {
      locator.report(system, ['owner'], 'warning', 'unknown_staff', `owner '${system.owner}' is not an active staff member: review reminders cannot be sent`);
    }
    if (system.review === undefined) {
      locator.report(system, ['review'], 'warning', 'no_review', 'the system has never been reviewed: the annual ledger review is due now');
    } else if (staff && !staff.has(system.review.reviewer)) {
      locator.report(system, ['review', 'reviewer'], 'warning', 'unknown_staff', `reviewer '${system.review.reviewer}' is not an active staff member`);
    }
    if (system.location === undefined) {
      locator.report(system, ['location'], 'warning', 'no_location', 'where the system runs (country) is not stated: the ledger and overseas-transfer checks need it');
    }
    checkDuplicates(locator, system.datasets, 'dataset');
    for (const dataset of system.datasets) {
      checkCategories(locator, dataset, [], dataset.dataCategories);
      checkDuplicates(locator, dataset.collections, 'collection');
      for (const collection of dataset.collections) {
        checkCategories(locator, collection, [], collection.dataCategories);
        checkDuplicates(locator, collection.fields, 'field');
        checkCollectionOrder(map, locator, system, collection, 'after');
        checkCollectionOrder(map, locator, system, collection, 'eraseAfter');
        for (const field of collection.fields) checkField(map, locator, system, field, options, purposes);
      }
    }
  }
  for (const collection of unreachableCollections(map)) {
    locator.report(
      collection,
      [],
      'warning',
      'unreachable_collection',
      'no identity field here and no reference path from one: this collection can never be found for a person',
    );
  }
}

/**
 * Collections that no request can reach: none of their fields is an identity, and no chain of
 * references leads to them from a collection that has one. A reference with direction `to`
 * leads from its own collection to the target; `from` leads from the target to its own; no
 * direction leads both ways.
 */
export function unreachableCollections(map: DataMap): DataCollection[] {
  const all: Array<{ system: DataSystem; collection: DataCollection }> = [];
  for (const system of map.systems) for (const d of system.datasets) for (const c of d.collections) all.push({ system, collection: c });
  const edges = new Map<DataCollection, Set<DataCollection>>();
  const link = (a: DataCollection, b: DataCollection) => {
    let set = edges.get(a);
    if (!set) edges.set(a, (set = new Set()));
    set.add(b);
  };
  const queue: DataCollection[] = [];
  const reached = new Set<DataCollection>();
  for (const { system, collection } of all) {
    for (const { field } of walkFields(collection.fields)) {
      if (field.identity !== undefined && !reached.has(collection)) {
        reached.add(collection);
        queue.push(collection);
      }
      for (const ref of field.references) {
        const r = resolveReference(map, system, ref);
        if (!r.ok) continue;
        const target = r.target.collection;
        if (ref.direction !== 'from') link(collection, target);
        if (ref.direction !== 'to') link(target, collection);
      }
    }
  }
  for (let next = queue.shift(); next; next = queue.shift()) {
    for (const to of edges.get(next) ?? []) {
      if (!reached.has(to)) {
        reached.add(to);
        queue.push(to);
      }
    }
  }
  return all.map((a) => a.collection).filter((c) => !reached.has(c));
}

// ---------------------------------------------------------------------------------------------
// Annual review (JIS Q 15001 J.3.1.1: review the ledger at least once a year)

const JST_OFFSET_MS = 9 * 60 * 60 * 1000;

/** The calendar date in Japan at `now`, as YYYY-MM-DD. */
export function japanDate(now: Date): string {
  return new Date(now.getTime() + JST_OFFSET_MS).toISOString().slice(0, 10);
}

/** `date` plus `months` calendar months; the 31st becomes the last day of a shorter month. */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = Math.min(d, lastDay);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The last day on which the next review is on time, or null when the system was never reviewed. */
export function reviewDueOn(system: Pick<DataSystem, 'review'>): string | null {
  if (!system.review) return null;
  return addMonths(system.review.lastReviewedOn, system.review.intervalMonths);
}

/**
 * A system's review is overdue once the Japanese calendar date passes the due date (last
 * review plus its interval, twelve months by default). A system never reviewed is overdue.
 */
export function isReviewOverdue(system: Pick<DataSystem, 'review'>, now: Date): boolean {
  const due = reviewDueOn(system);
  return due === null || japanDate(now) > due;
}

/** Days between reminders to the same owner while a review stays overdue. */
export const REVIEW_REMINDER_EVERY_DAYS = 30;

/** Remind when overdue and no reminder went out in the last REVIEW_REMINDER_EVERY_DAYS days. */
export function shouldRemindOfReview(system: Pick<DataSystem, 'review'>, lastRemindedAt: Date | null, now: Date): boolean {
  if (!isReviewOverdue(system, now)) return false;
  return lastRemindedAt === null || now.getTime() - lastRemindedAt.getTime() >= REVIEW_REMINDER_EVERY_DAYS * 24 * 60 * 60 * 1000;
}
