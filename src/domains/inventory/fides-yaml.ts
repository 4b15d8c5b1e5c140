// Fides (fideslang) dataset files, read and written as they are: `dataset:` with fides_key,
// name, description, collections and (nested) fields, data_categories, and the fides_meta of
// fields (identity, references, primary_key, data_type, length, read_only,
// return_all_elements, custom_request_field, masking_strategy_override) and of collections
// (after, erase_after, skip_processing, masking_strategy_override). Keys Madoguchi does not
// interpret are kept unchanged, with a warning, so a Fides file exports back as it came.
import { stringify } from 'yaml';
import { z } from 'zod';
import type { Locator } from './datamap-locator.ts';
import { compact, IssueSink, isRecord, loadYaml, readList, readObject, type Path, type ReadProps, type Shape } from './datamap-reader.ts';
import {
  DATASET_NAME_PATTERN,
  IDENTITY_PATTERN,
  LIMITS,
  NAME_PATTERN,
  REFERENCE_DIRECTIONS,
  type DataCollection,
  type DataField,
  type DataSet,
  type EraseSpec,
  type Extra,
} from './datamap.types.ts';

/** Fides strategies usable in a masking_strategy_override, and what each becomes here. */
const FIDES_TO_ERASE = { null_rewrite: 'nullify', string_rewrite: 'fixed_text', random_string_rewrite: 'random' } as const;
/** Fides refuses these in an override: they need a secret key generated per request. */
const FIDES_SECRET_STRATEGIES = ['hash', 'hmac', 'aes_encrypt'];

const categoryList = z.array(z.string().min(1).max(LIMITS.shortText)).max(50);
const nodeName = z.string().min(1).max(LIMITS.shortText).regex(NAME_PATTERN, 'must not contain a dot or start with a space (dots separate the parts of a field path)');
const text = z.string().max(LIMITS.text);

const DATASET_SHAPE = {
  fides_key: z.string().regex(DATASET_NAME_PATTERN, 'must be letters, digits, _ - . < > (at most 200 characters)'),
  name: z.string().min(1).max(LIMITS.shortText).optional(),
  description: text.optional(),
  data_categories: categoryList.optional(),
};
const COLLECTION_SHAPE = { name: nodeName, description: text.optional(), data_categories: categoryList.optional() };
const FIELD_SHAPE = { name: nodeName, description: text.optional(), data_categories: categoryList.optional() };

const FIELD_META_SHAPE = {
  identity: z.string().regex(IDENTITY_PATTERN, 'must be an identity type such as email or phone_number (lower-case letters, digits and _)').optional(),
  references: z
    .array(
      z.strictObject({
        dataset: z.string().regex(DATASET_NAME_PATTERN, 'must be the fides_key of a dataset'),
        field: z.string().min(3).max(1000).regex(/^[^.]+(\.[^.]+)+$/, 'must be collection.field (with .sub for a nested field)'),
        direction: z.enum(REFERENCE_DIRECTIONS).optional(),
      }),
    )
    .max(20)
    .optional(),
  primary_key: z.boolean().optional(),
  data_type: z.string().regex(/^[a-z_]{1,40}(\[\])?$/, 'must be a Fides data type such as string, integer, object or string[]').optional(),
  length: z.number().int().min(1).max(1_000_000).optional(),
  read_only: z.boolean().optional(),
  return_all_elements: z.boolean().optional(),
  custom_request_field: z.string().min(1).max(LIMITS.shortText).optional(),
};
const COLLECTION_META_SHAPE = {
  after: z.array(z.string().min(3).max(400).regex(/^.+\..+$/, 'must be dataset.collection')).max(50).optional(),
  erase_after: z.array(z.string().min(3).max(400).regex(/^.+\..+$/, 'must be dataset.collection')).max(50).optional(),
  skip_processing: z.boolean().optional(),
};

function keepExtra(sink: IssueSink, path: Path, bag: Extra, what: string) {
  return (key: string, value: unknown) => {
    bag[key] = value;
    const hint = key === 'masking_strategy_override' ? ' (it belongs under fides_meta, where Fides reads it)' : '';
    sink.warn([...path, key], 'fides_key_kept', `'${key}' is not a ${what} key Madoguchi reads${hint}; it is kept unchanged for export but not used`);
  };
}

function readOverride(sink: IssueSink, path: Path, raw: unknown, level: 'field' | 'collection'): EraseSpec | undefined {
  const o = readObject(sink, path, raw, { strategy: z.string().min(1).max(100) }, { children: ['configuration'] });
  if (!o?.strategy || !isRecord(raw)) return undefined;
  const strategy = o.strategy;
  const config = raw.configuration;
  if (level === 'collection') {
    if (strategy !== 'delete') {
      sink.error([...path, 'strategy'], 'unknown_erase_strategy', `a collection-level masking_strategy_override can only be 'delete', not '${strategy}'`);
      return undefined;
    }
    if (config !== undefined) sink.error([...path, 'configuration'], 'erase_option', "'delete' takes no configuration");
    return { strategy: 'delete_row' };
  }
  if (FIDES_SECRET_STRATEGIES.includes(strategy)) {
    sink.error(
      [...path, 'strategy'],
      'erase_strategy_not_allowed',
      `masking strategy '${strategy}' needs a secret key, which Fides does not allow in a masking_strategy_override: use null_rewrite, string_rewrite or random_string_rewrite`,
    );
    return undefined;
  }
  if (!(strategy in FIDES_TO_ERASE)) {
    sink.error([...path, 'strategy'], 'unknown_erase_strategy', `unknown masking strategy '${strategy}': use null_rewrite, string_rewrite or random_string_rewrite`);
    return undefined;
  }
  const ours = FIDES_TO_ERASE[strategy as keyof typeof FIDES_TO_ERASE];
  const cpath = [...path, 'configuration'];
  if (ours === 'nullify') {
    if (config !== undefined) sink.error(cpath, 'erase_option', "null_rewrite takes no configuration");
    return { strategy: 'nullify' };
  }
  const shape: Shape =
    ours === 'fixed_text' ? { rewrite_value: z.string().max(LIMITS.shortText) } : { length: z.number().int().min(1).max(1000).optional() };
  const c = readObject(sink, cpath, config ?? {}, shape, { children: ['format_preservation'] });
  if (!c) return undefined;
  const fp = isRecord(config) ? config.format_preservation : undefined;
  let suffix: string | undefined;
  if (fp !== undefined) {
    const f = readObject(sink, [...cpath, 'format_preservation'], fp, { suffix: z.string().min(1).max(100) });
    suffix = f?.suffix;
  }
  if (ours === 'fixed_text') {
    const value = c.rewrite_value;
    if (typeof value !== 'string') return undefined;
    return compact<EraseSpec>({ strategy: 'fixed_text', value, suffix });
  }
  const length = typeof c.length === 'number' ? c.length : undefined;
  return compact<EraseSpec>({ strategy: 'random', length, suffix });
}

function readField(sink: IssueSink, locator: Locator, path: Path, raw: unknown, depth: number): DataField | null {
  const extra: Extra = {};
  const p = readObject(sink, path, raw, FIELD_SHAPE, { children: ['fides_meta', 'fields'], onUnknown: keepExtra(sink, path, extra, 'field') });
  if (!p || !isRecord(raw)) return null;
  const metaExtra: Extra = {};
  let meta: ReadProps<typeof FIELD_META_SHAPE> | null = {};
  let erase: EraseSpec | undefined;
  if (raw.fides_meta !== undefined && raw.fides_meta !== null) {
    const mpath = [...path, 'fides_meta'];
    meta = readObject(sink, mpath, raw.fides_meta, FIELD_META_SHAPE, {
      children: ['masking_strategy_override'],
      onUnknown: keepExtra(sink, mpath, metaExtra, 'fides_meta'),
    });
    if (isRecord(raw.fides_meta) && raw.fides_meta.masking_strategy_override !== undefined) {
      erase = readOverride(sink, [...mpath, 'masking_strategy_override'], raw.fides_meta.masking_strategy_override, 'field');
    }
  }
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
  const m = meta ?? {};
  const field: DataField = compact({
    name: p.name,
    description: p.description,
    dataCategories: p.data_categories,
    purposes: [],
    identity: m.identity,
    primaryKey: m.primary_key,
    references: (m.references ?? []).map((r) => compact({ dataset: r.dataset, field: r.field, direction: r.direction })),
    erase,
    dataType: m.data_type,
    length: m.length,
    readOnly: m.read_only,
    returnAllElements: m.return_all_elements,
    customRequestField: m.custom_request_field,
    // An empty list of nested fields says nothing: it is left out like an absent one.
    fields: children && children.length > 0 ? children : undefined,
    fidesExtra: Object.keys(extra).length > 0 ? extra : undefined,
    fidesMetaExtra: Object.keys(metaExtra).length > 0 ? metaExtra : undefined,
  });
  locator.set(field, { sink, path, reportWarnings: true, fides: true });
  return field;
}

function readCollection(sink: IssueSink, locator: Locator, path: Path, raw: unknown): DataCollection | null {
  const extra: Extra = {};
  const p = readObject(sink, path, raw, COLLECTION_SHAPE, { children: ['fides_meta', 'fields'], onUnknown: keepExtra(sink, path, extra, 'collection') });
  if (!p || !isRecord(raw)) return null;
  const metaExtra: Extra = {};
  let meta: ReadProps<typeof COLLECTION_META_SHAPE> | null = {};
  let erase: EraseSpec | undefined;
  if (raw.fides_meta !== undefined && raw.fides_meta !== null) {
    const mpath = [...path, 'fides_meta'];
    meta = readObject(sink, mpath, raw.fides_meta, COLLECTION_META_SHAPE, {
      children: ['masking_strategy_override'],
      onUnknown: keepExtra(sink, mpath, metaExtra, 'collection fides_meta'),
    });
    if (isRecord(raw.fides_meta) && raw.fides_meta.masking_strategy_override !== undefined) {
      erase = readOverride(sink, [...mpath, 'masking_strategy_override'], raw.fides_meta.masking_strategy_override, 'collection');
    }
  }
  const fields: DataField[] = [];
  readList(sink, [...path, 'fields'], raw.fields, LIMITS.fields, true).forEach((child, i) => {
    const f = readField(sink, locator, [...path, 'fields', i], child, 1);
    if (f) fields.push(f);
  });
  if (p.name === undefined) return null;
  const m = meta ?? {};
  const collection: DataCollection = compact({
    name: p.name,
    description: p.description,
    dataCategories: p.data_categories,
    access: [],
    legalHolds: [],
    erase,
    after: m.after,
    eraseAfter: m.erase_after,
    skipProcessing: m.skip_processing,
    fields,
    fidesExtra: Object.keys(extra).length > 0 ? extra : undefined,
    fidesMetaExtra: Object.keys(metaExtra).length > 0 ? metaExtra : undefined,
  });
  locator.set(collection, { sink, path, reportWarnings: true, fides: true });
  return collection;
}

function readDataset(sink: IssueSink, locator: Locator, path: Path, raw: unknown): DataSet | null {
  const extra: Extra = {};
  const p = readObject(sink, path, raw, DATASET_SHAPE, {
    children: ['collections', 'fides_meta'],
    // Dataset-level keys (organization_fides_key, tags, meta, …) are Fides bookkeeping: kept quietly.
    onUnknown: (key, value) => {
      extra[key] = value;
    },
  });
  if (!p || !isRecord(raw)) return null;
  const collections: DataCollection[] = [];
  readList(sink, [...path, 'collections'], raw.collections, LIMITS.collections, true).forEach((child, i) => {
    const c = readCollection(sink, locator, [...path, 'collections', i], child);
    if (c) collections.push(c);
  });
  let metaExtra: Extra | undefined;
  if (raw.fides_meta !== undefined) {
    if (isRecord(raw.fides_meta)) metaExtra = raw.fides_meta;
    else sink.error([...path, 'fides_meta'], 'wrong_type', 'must be a mapping');
  }
  if (p.fides_key === undefined) return null;
  const dataset: DataSet = compact({
    name: p.fides_key,
    title: p.name,
    description: p.description,
    dataCategories: p.data_categories,
    collections,
    fidesExtra: Object.keys(extra).length > 0 ? extra : undefined,
    fidesMetaExtra: metaExtra,
  });
  locator.set(dataset, { sink, path, reportWarnings: true, fides: true });
  return dataset;
}

export function isFidesFormat(value: unknown): boolean {
  return isRecord(value) && 'dataset' in value;
}

export interface ParsedFidesFile {
  file: string;
  datasets: DataSet[];
  sink: IssueSink;
}

export function readFidesValue(file: string, value: unknown, sink: IssueSink, locator: Locator): ParsedFidesFile {
  const datasets: DataSet[] = [];
  const top = readObject(sink, [], value, {}, { children: ['dataset'] });
  if (top && isRecord(value)) {
    readList(sink, ['dataset'], value.dataset, LIMITS.datasets, true).forEach((raw, i) => {
      const d = readDataset(sink, locator, ['dataset', i], raw);
      if (d) datasets.push(d);
    });
  }
  return { file, datasets, sink };
}

export function parseFidesYaml(file: string, text: string, locator: Locator): ParsedFidesFile {
  const { loaded, sink } = loadYaml(file, text);
  if (!loaded) return { file, datasets: [], sink };
  return readFidesValue(file, loaded.value, sink, locator);
}

// ---------------------------------------------------------------------------------------------
// Export

function overrideOut(e: EraseSpec | undefined, level: 'field' | 'collection', where: string, warnings: string[]): Record<string, unknown> | undefined {
  if (!e) return undefined;
  const fp = e.suffix === undefined ? undefined : { suffix: e.suffix };
  switch (e.strategy) {
    case 'nullify':
      return { strategy: 'null_rewrite' };
    case 'fixed_text':
      return { strategy: 'string_rewrite', configuration: compact({ rewrite_value: e.value ?? '', format_preservation: fp }) };
    case 'random': {
      const configuration = compact({ length: e.length, format_preservation: fp });
      return Object.keys(configuration).length > 0 ? { strategy: 'random_string_rewrite', configuration } : { strategy: 'random_string_rewrite' };
    }
    case 'delete_row':
      if (level === 'collection') return { strategy: 'delete' };
      warnings.push(`${where}: erasure '${e.strategy}' has no Fides field-level equivalent and was left out`);
      return undefined;
    case 'hash':
    case 'keyed_hash':
      warnings.push(`${where}: erasure '${e.strategy}' needs a secret key, which Fides does not allow in an override, and was left out`);
      return undefined;
  }
}

function metaOut(base: Record<string, unknown>, extra: Extra | undefined): Record<string, unknown> | undefined {
  const merged = compact({ ...(extra ?? {}), ...base });
  return Object.keys(merged).length > 0 ? merged : undefined;
}

function fieldOut(f: DataField, where: string, warnings: string[]): Record<string, unknown> {
  const meta = metaOut(
    {
      identity: f.identity,
      references:
        f.references.length > 0
          ? f.references.map((r) => {
              if (r.system !== undefined) warnings.push(`${where}: the reference's system '${r.system}' has no place in Fides and was left out`);
              return compact({ dataset: r.dataset, field: r.field, direction: r.direction });
            })
          : undefined,
      primary_key: f.primaryKey,
      data_type: f.dataType,
      length: f.length,
      read_only: f.readOnly,
      return_all_elements: f.returnAllElements,
      custom_request_field: f.customRequestField,
      masking_strategy_override: overrideOut(f.erase, 'field', where, warnings),
    },
    f.fidesMetaExtra,
  );
  return compact({
    name: f.name,
    description: f.description,
    data_categories: f.dataCategories,
    ...(f.fidesExtra ?? {}),
    fides_meta: meta,
    fields: f.fields?.map((c) => fieldOut(c, `${where}.${c.name}`, warnings)),
  });
}

function collectionOut(dataset: string, c: DataCollection, warnings: string[]): Record<string, unknown> {
  const meta = metaOut(
    {
      after: c.after,
      erase_after: c.eraseAfter,
      skip_processing: c.skipProcessing,
      masking_strategy_override: overrideOut(c.erase, 'collection', `${dataset}.${c.name}`, warnings),
    },
    c.fidesMetaExtra,
  );
  return compact({
    name: c.name,
    description: c.description,
    data_categories: c.dataCategories,
    ...(c.fidesExtra ?? {}),
    fides_meta: meta,
    fields: c.fields.map((f) => fieldOut(f, `${dataset}.${c.name}.${f.name}`, warnings)),
  });
}

/**
 * Writes datasets as a Fides dataset file. What Fides cannot hold (purposes, retention, legal
 * holds, system details, erasures that need a secret) is left out; `warnings` says what.
 */
export function exportFidesYaml(datasets: readonly DataSet[]): { text: string; warnings: string[] } {
  const warnings: string[] = [];
  const out = datasets.map((d) =>
    compact({
      fides_key: d.name,
      name: d.title,
      description: d.description,
      data_categories: d.dataCategories,
      ...(d.fidesExtra ?? {}),
      fides_meta: d.fidesMetaExtra,
      collections: d.collections.map((c) => collectionOut(d.name, c, warnings)),
    }),
  );
  return { text: stringify({ dataset: out }, { lineWidth: 0 }), warnings };
}
