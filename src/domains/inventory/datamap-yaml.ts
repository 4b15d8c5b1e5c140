// Our own data-map YAML format (documented in docs/datamap-format.md): reading it into the
// model with every structural problem listed by file and path, and writing the model back so
// that parse → export → parse gives an equal model.
import { stringify } from 'yaml';
import { z } from 'zod';
import {
  compact,
  IssueSink,
  isRecord,
  loadYaml,
  readList,
  readObject,
  zText,
  zTextList,
  type Path,
} from './datamap-reader.ts';
import type { Locator } from './datamap-locator.ts';
import {
  CODE_PATTERN,
  COUNTRY_PATTERN,
  DATASET_NAME_PATTERN,
  DATE_PATTERN,
  DEFAULT_REVIEW_INTERVAL_MONTHS,
  ERASE_STRATEGIES,
  HASH_ALGORITHMS,
  IDENTITY_PATTERN,
  LIMITS,
  NAME_PATTERN,
  PERIOD_PATTERN,
  REFERENCE_DIRECTIONS,
  STAFF_ID_PATTERN,
  SYSTEM_KINDS,
  SYSTEM_NAME_PATTERN,
  VENDOR_ROLES,
  type DataCollection,
  type DataField,
  type DataSet,
  type DataSystem,
  type EraseSpec,
  type Extra,
  type FieldReference,
} from './datamap.types.ts';

export const FORMAT_KEY = 'madoguchi_datamap';
export const FORMAT_VERSION = 1;

/** Keys that would carry connection details; named so the message can say why they are refused. */
const CONNECTION_DETAIL_KEYS = new Set([
  'host', 'hostname', 'port', 'user', 'username', 'password', 'passwd', 'secret', 'url', 'uri', 'dsn',
  'connection_string', 'connection_url', 'database_url', 'api_key', 'token', 'credentials', 'auth',
]);

const systemName = z.string().regex(SYSTEM_NAME_PATTERN, 'must be lower-case letters, digits, _ or - and start with a letter (at most 63 characters)');
const datasetName = z.string().regex(DATASET_NAME_PATTERN, 'must be letters, digits, _ - . < > (at most 200 characters)');
const nodeName = z.string().min(1).max(LIMITS.shortText).regex(NAME_PATTERN, 'must not contain a dot or start with a space (dots separate the parts of a field path)');
const staffId = z.string().regex(STAFF_ID_PATTERN, 'must be a staff id (stf_…)');
const categoryList = z.array(z.string().min(1).max(LIMITS.shortText)).max(50);
const codeList = z.array(z.string().regex(CODE_PATTERN, 'must be a code of lower-case letters, digits and _ (2 to 64 characters)')).max(50);
const period = z.string().regex(PERIOD_PATTERN, 'must be an ISO 8601 duration such as P7Y, P1Y6M or P30D, or `indefinite`');
const extra = z.record(z.string().max(LIMITS.shortText), z.unknown());
const calendarDate = z
  .string()
  .regex(DATE_PATTERN, 'must be a date written YYYY-MM-DD')
  .refine((s) => new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a real calendar date');

const ZLocation = z.strictObject({
  country: z.string().regex(COUNTRY_PATTERN, 'must be an ISO 3166-1 alpha-2 country code in capitals, e.g. JP or US'),
  region: zText(LIMITS.shortText).optional(),
  note: zText().optional(),
});
const ZVendor = z.strictObject({
  name: zText(LIMITS.shortText),
  role: z.enum(VENDOR_ROLES),
  country: z.string().regex(COUNTRY_PATTERN, 'must be an ISO 3166-1 alpha-2 country code in capitals, e.g. JP or US').optional(),
  service: zText().optional(),
});
const ZReview = z.strictObject({
  last_reviewed_on: calendarDate,
  reviewer: staffId,
  interval_months: z.number().int().min(1).max(60).optional(),
});
const ZRetention = z.strictObject({ period, from: zText(LIMITS.shortText).optional(), basis: zText() });
const ZLegalHold = z.strictObject({ reason: zText(), basis: zText().optional(), period: period.optional(), from: zText(LIMITS.shortText).optional() });
const ZReference = z.strictObject({
  system: systemName.optional(),
  dataset: datasetName,
  field: z.string().min(3).max(1000).regex(/^[^.]+(\.[^.]+)+$/, 'must be collection.field (with .sub for a nested field)'),
  direction: z.enum(REFERENCE_DIRECTIONS).optional(),
});
const collectionRef = z.string().min(3).max(400).regex(/^.+\..+$/, 'must be dataset.collection');

const SYSTEM_SHAPE = {
  name: systemName,
  title: zText(LIMITS.shortText).optional(),
  description: zText().optional(),
  kind: z.enum(SYSTEM_KINDS).optional(),
  connection: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,62}$/, 'must be the NAME of a connection configured elsewhere (lower-case letters, digits, _ or -): addresses and passwords never go in the data map')
    .optional(),
  owner: staffId.optional(),
  location: ZLocation.optional(),
  storage_method: zText(LIMITS.shortText).optional(),
  vendors: z.array(ZVendor).max(50).optional(),
  security_measures: zTextList(LIMITS.list, LIMITS.text).optional(),
  review: ZReview.optional(),
};

const DATASET_SHAPE = {
  name: datasetName,
  title: zText(LIMITS.shortText).optional(),
  description: zText().optional(),
  data_categories: categoryList.optional(),
  fides_extra: extra.optional(),
  fides_meta_extra: extra.optional(),
};

const COLLECTION_SHAPE = {
  name: nodeName,
  description: zText().optional(),
  data_categories: categoryList.optional(),
  access: zTextList().optional(),
  acquisition: zText().optional(),
  third_party_provision: zText().optional(),
  record_count: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  use_period: zText(LIMITS.shortText).optional(),
  legal_holds: z.array(ZLegalHold).max(20).optional(),
  after: z.array(collectionRef).max(50).optional(),
  erase_after: z.array(collectionRef).max(50).optional(),
  skip_processing: z.boolean().optional(),
  fides_extra: extra.optional(),
  fides_meta_extra: extra.optional(),
};

const FIELD_SHAPE = {
  name: nodeName,
  description: zText().optional(),
  data_categories: categoryList.optional(),
  purposes: codeList.optional(),
  retention: ZRetention.optional(),
  special_care: z.boolean().optional(),
  financial: z.boolean().optional(),
  identity: z.string().regex(IDENTITY_PATTERN, 'must be an identity type such as email, phone_number or customer_number (lower-case letters, digits and _)').optional(),
  primary_key: z.boolean().optional(),
  references: z.array(ZReference).max(20).optional(),
  data_type: z.string().min(1).max(50).optional(),
  length: z.number().int().min(1).max(1_000_000).optional(),
  read_only: z.boolean().optional(),
  return_all_elements: z.boolean().optional(),
  custom_request_field: z.string().min(1).max(LIMITS.shortText).optional(),
  fides_extra: extra.optional(),
  fides_meta_extra: extra.optional(),
};

function unknownKeyHandler(sink: IssueSink, path: Path) {
  return (key: string) => {
    if (CONNECTION_DETAIL_KEYS.has(key.toLowerCase())) {
      sink.error([...path, key], 'connection_details', `connection details ('${key}') never go in the data map: name a connection configured elsewhere with \`connection: NAME\``);
    } else {
      sink.error([...path, key], 'unknown_key', `unknown key '${key}'`);
    }
  };
}

/**
 * Reads an erasure setting: a strategy name, or a mapping with the strategy and its options.
 * `allowed` narrows the strategies (collections may only delete rows).
 */
export function readErase(sink: IssueSink, path: Path, raw: unknown, allowed: readonly string[] = ERASE_STRATEGIES): EraseSpec | undefined {
  if (raw === undefined) return undefined;
  const obj = typeof raw === 'string' ? { strategy: raw } : raw;
  if (!isRecord(obj)) {
    sink.error(path, 'wrong_type', 'must be an erasure strategy name or a mapping with `strategy`');
    return undefined;
  }
  const strategyPath = typeof raw === 'string' ? path : [...path, 'strategy'];
  const strategy = obj.strategy;
  if (typeof strategy !== 'string' || !(ERASE_STRATEGIES as readonly string[]).includes(strategy)) {
    sink.error(strategyPath, 'unknown_erase_strategy', strategy === undefined
      ? `is required: one of ${ERASE_STRATEGIES.join(', ')}`
      : `unknown erasure strategy ${JSON.stringify(strategy)}: use one of ${ERASE_STRATEGIES.join(', ')}`);
    return undefined;
  }
  if (!allowed.includes(strategy)) {
    sink.error(strategyPath, 'erase_strategy_not_allowed', `'${strategy}' cannot be used here: only ${allowed.join(', ')}`);
    return undefined;
  }
  const props = readObject(sink, path, obj, {
    strategy: z.enum(ERASE_STRATEGIES),
    value: z.string().max(LIMITS.shortText).optional(),
    length: z.number().int().min(1).max(1000).optional(),
    algorithm: z.enum(HASH_ALGORITHMS).optional(),
    suffix: z.string().min(1).max(100).optional(),
  });
  if (!props?.strategy) return undefined;
  const s = props.strategy;
  let ok = true;
  const refuse = (key: string, message: string) => {
    sink.error([...path, key], 'erase_option', message);
    ok = false;
  };
  if (s === 'fixed_text' && props.value === undefined && !('value' in obj)) refuse('value', 'is required for fixed_text: the text written instead');
  if (s !== 'fixed_text' && props.value !== undefined) refuse('value', `only fixed_text takes a value, not ${s}`);
  if (s !== 'random' && props.length !== undefined) refuse('length', `only random takes a length, not ${s}`);
  if (s !== 'hash' && s !== 'keyed_hash' && props.algorithm !== undefined) refuse('algorithm', `only hash and keyed_hash take an algorithm, not ${s}`);
  if ((s === 'nullify' || s === 'delete_row') && props.suffix !== undefined) refuse('suffix', `${s} keeps no text, so it takes no suffix`);
  if (!ok) return undefined;
  return compact({ strategy: s, value: props.value, length: props.length, algorithm: props.algorithm, suffix: props.suffix });
}

function readField(sink: IssueSink, locator: Locator, path: Path, raw: unknown, depth: number): DataField | null {
  const p = readObject(sink, path, raw, FIELD_SHAPE, { children: ['fields', 'erase'], onUnknown: unknownKeyHandler(sink, path) });
  if (!p || !isRecord(raw)) return null;
  const erase = readErase(sink, [...path, 'erase'], raw.erase);
  let children: DataField[] | undefined;
  if (raw.fields !== undefined) {
    if (depth >= LIMITS.depth) {
      sink.error([...path, 'fields'], 'too_deep', `fields may be nested at most ${LIMITS.depth} levels deep`);
    } else {
      children = [];
      readList(sink, [...path, 'fields'], raw.fields, LIMITS.fields).forEach((child, i) => {
        const f = readField(sink, locator, [...path, 'fields', i], child, depth + 1);
        if (f) children?.push(f);
      });
    }
  }
  if (p.name === undefined) return null;
  const field: DataField = compact({
    name: p.name,
    description: p.description,
    dataCategories: p.data_categories,
    purposes: p.purposes ?? [],
    retention: p.retention ? compact({ period: p.retention.period, from: p.retention.from, basis: p.retention.basis }) : undefined,
    specialCare: p.special_care,
    financial: p.financial,
    identity: p.identity,
    primaryKey: p.primary_key,
    references: (p.references ?? []).map((r): FieldReference => compact({ system: r.system, dataset: r.dataset, field: r.field, direction: r.direction })),
    erase,
    dataType: p.data_type,
    length: p.length,
    readOnly: p.read_only,
    returnAllElements: p.return_all_elements,
    customRequestField: p.custom_request_field,
    // An empty list of nested fields says nothing: it is left out like an absent one.
    fields: children && children.length > 0 ? children : undefined,
    fidesExtra: p.fides_extra as Extra | undefined,
    fidesMetaExtra: p.fides_meta_extra as Extra | undefined,
  });
  locator.set(field, { sink, path, reportWarnings: true });
  return field;
}

function readCollection(sink: IssueSink, locator: Locator, path: Path, raw: unknown): DataCollection | null {
  const p = readObject(sink, path, raw, COLLECTION_SHAPE, { children: ['fields', 'erase'], onUnknown: unknownKeyHandler(sink, path) });
  if (!p || !isRecord(raw)) return null;
  const erase = readErase(sink, [...path, 'erase'], raw.erase, ['delete_row']);
  const fields: DataField[] = [];
  readList(sink, [...path, 'fields'], raw.fields, LIMITS.fields, true).forEach((child, i) => {
    const f = readField(sink, locator, [...path, 'fields', i], child, 1);
    if (f) fields.push(f);
  });
  if (p.name === undefined) return null;
  const collection: DataCollection = compact({
    name: p.name,
    description: p.description,
    dataCategories: p.data_categories,
    access: p.access ?? [],
    acquisition: p.acquisition,
    thirdPartyProvision: p.third_party_provision,
    recordCount: p.record_count,
    usePeriod: p.use_period,
    legalHolds: (p.legal_holds ?? []).map((h) => compact({ reason: h.reason, basis: h.basis, period: h.period, from: h.from })),
    erase,
    after: p.after,
    eraseAfter: p.erase_after,
    skipProcessing: p.skip_processing,
    fields,
    fidesExtra: p.fides_extra as Extra | undefined,
    fidesMetaExtra: p.fides_meta_extra as Extra | undefined,
  });
  locator.set(collection, { sink, path, reportWarnings: true });
  return collection;
}

function readDataset(sink: IssueSink, locator: Locator, path: Path, raw: unknown): DataSet | null {
  const p = readObject(sink, path, raw, DATASET_SHAPE, { children: ['collections'], onUnknown: unknownKeyHandler(sink, path) });
  if (!p || !isRecord(raw)) return null;
  const collections: DataCollection[] = [];
  readList(sink, [...path, 'collections'], raw.collections, LIMITS.collections, true).forEach((child, i) => {
    const c = readCollection(sink, locator, [...path, 'collections', i], child);
    if (c) collections.push(c);
  });
  if (p.name === undefined) return null;
  const dataset: DataSet = compact({
    name: p.name,
    title: p.title,
    description: p.description,
    dataCategories: p.data_categories,
    collections,
    fidesExtra: p.fides_extra as Extra | undefined,
    fidesMetaExtra: p.fides_meta_extra as Extra | undefined,
  });
  locator.set(dataset, { sink, path, reportWarnings: true });
  return dataset;
}

function readSystem(sink: IssueSink, locator: Locator, path: Path, raw: unknown): DataSystem | null {
  const p = readObject(sink, path, raw, SYSTEM_SHAPE, { children: ['datasets'], onUnknown: unknownKeyHandler(sink, path) });
  if (!p || !isRecord(raw)) return null;
  const datasets: DataSet[] = [];
  readList(sink, [...path, 'datasets'], raw.datasets, LIMITS.datasets).forEach((child, i) => {
    const d = readDataset(sink, locator, [...path, 'datasets', i], child);
    if (d) datasets.push(d);
  });
  if (p.name === undefined) return null;
  const system: DataSystem = compact({
    name: p.name,
    title: p.title,
    description: p.description,
    kind: p.kind,
    connection: p.connection,
    owner: p.owner,
    location: p.location ? compact({ country: p.location.country, region: p.location.region, note: p.location.note }) : undefined,
    storageMethod: p.storage_method,
    vendors: (p.vendors ?? []).map((v) => compact({ name: v.name, role: v.role, country: v.country, service: v.service })),
    securityMeasures: p.security_measures ?? [],
    review: p.review
      ? { lastReviewedOn: p.review.last_reviewed_on, reviewer: p.review.reviewer, intervalMonths: p.review.interval_months ?? DEFAULT_REVIEW_INTERVAL_MONTHS }
      : undefined,
    datasets,
  });
  locator.set(system, { sink, path, reportWarnings: true });
  return system;
}

export interface ParsedDataMapFile {
  file: string;
  systems: DataSystem[];
  sink: IssueSink;
}

/** True when the parsed YAML looks like our format rather than a Fides dataset file. */
export function isOurFormat(value: unknown): boolean {
  return isRecord(value) && FORMAT_KEY in value;
}

/** Reads already-loaded YAML of our format. */
export function readDataMapValue(file: string, value: unknown, sink: IssueSink, locator: Locator): ParsedDataMapFile {
  const systems: DataSystem[] = [];
  const top = readObject(sink, [], value, { [FORMAT_KEY]: z.literal(FORMAT_VERSION, { error: `must be ${FORMAT_VERSION}: the version of this format` }) }, { children: ['systems'] });
  if (top && isRecord(value)) {
    readList(sink, ['systems'], value.systems, LIMITS.systems, true).forEach((raw, i) => {
      const s = readSystem(sink, locator, ['systems', i], raw);
      if (s) systems.push(s);
    });
  }
  return { file, systems, sink };
}

/** Parses the text of one file of our format. */
export function parseDataMapYaml(file: string, text: string, locator: Locator): ParsedDataMapFile {
  const { loaded, sink } = loadYaml(file, text);
  if (!loaded) return { file, systems: [], sink };
  return readDataMapValue(file, loaded.value, sink, locator);
}

// ---------------------------------------------------------------------------------------------
// Export

function eraseOut(e: EraseSpec | undefined): unknown {
  if (!e) return undefined;
  const keys = Object.keys(e);
  return keys.length === 1 ? e.strategy : compact({ strategy: e.strategy, value: e.value, length: e.length, algorithm: e.algorithm, suffix: e.suffix });
}

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}

function fieldOut(f: DataField): Record<string, unknown> {
  return compact({
    name: f.name,
    description: f.description,
    data_categories: f.dataCategories,
    purposes: nonEmpty(f.purposes),
    identity: f.identity,
    primary_key: f.primaryKey,
    special_care: f.specialCare,
    financial: f.financial,
    retention: f.retention ? compact({ period: f.retention.period, from: f.retention.from, basis: f.retention.basis }) : undefined,
    references: nonEmpty(f.references.map((r) => compact({ system: r.system, dataset: r.dataset, field: r.field, direction: r.direction }))),
    erase: eraseOut(f.erase),
    data_type: f.dataType,
    length: f.length,
    read_only: f.readOnly,
    return_all_elements: f.returnAllElements,
    custom_request_field: f.customRequestField,
    fides_extra: f.fidesExtra,
    fides_meta_extra: f.fidesMetaExtra,
    fields: f.fields?.map(fieldOut),
  });
}

function collectionOut(c: DataCollection): Record<string, unknown> {
  return compact({
    name: c.name,
    description: c.description,
    data_categories: c.dataCategories,
    access: nonEmpty(c.access),
    acquisition: c.acquisition,
    third_party_provision: c.thirdPartyProvision,
    record_count: c.recordCount,
    use_period: c.usePeriod,
    legal_holds: nonEmpty(c.legalHolds.map((h) => compact({ reason: h.reason, basis: h.basis, period: h.period, from: h.from }))),
    erase: eraseOut(c.erase),
    after: c.after,
    erase_after: c.eraseAfter,
    skip_processing: c.skipProcessing,
    fides_extra: c.fidesExtra,
    fides_meta_extra: c.fidesMetaExtra,
    fields: c.fields.map(fieldOut),
  });
}

function systemOut(s: DataSystem): Record<string, unknown> {
  return compact({
    name: s.name,
    title: s.title,
    description: s.description,
    kind: s.kind,
    connection: s.connection,
    owner: s.owner,
    location: s.location ? compact({ country: s.location.country, region: s.location.region, note: s.location.note }) : undefined,
    storage_method: s.storageMethod,
    vendors: nonEmpty(s.vendors.map((v) => compact({ name: v.name, role: v.role, country: v.country, service: v.service }))),
    security_measures: nonEmpty(s.securityMeasures),
    review: s.review ? { last_reviewed_on: s.review.lastReviewedOn, reviewer: s.review.reviewer, interval_months: s.review.intervalMonths } : undefined,
    datasets: s.datasets.map((d) =>
      compact({
        name: d.name,
        title: d.title,
        description: d.description,
        data_categories: d.dataCategories,
        fides_extra: d.fidesExtra,
        fides_meta_extra: d.fidesMetaExtra,
        collections: d.collections.map(collectionOut),
      }),
    ),
  });
}

/** Writes systems in our YAML format. */
export function exportDataMapYaml(systems: readonly DataSystem[]): string {
  return stringify({ [FORMAT_KEY]: FORMAT_VERSION, systems: systems.map(systemOut) }, { lineWidth: 0 });
}

