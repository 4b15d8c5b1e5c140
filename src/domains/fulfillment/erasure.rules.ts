// Pure rules of the engine's actions: which fields a category selection covers, which fields a
// disclosure leaves out, what each erasure strategy writes, and how to tell that a value was
// already erased (so a second run changes nothing).
import { createHash, createHmac, randomInt } from 'node:crypto';
import type { FieldValue, Row } from '../../connectors/connector.ts';
import type { EraseSpec } from '../inventory/datamap.types.ts';
import type { PlanField, PlanNestedField } from './planner.ts';

/** `user.contact` covers `user.contact` and `user.contact.email`, not `user.contactless`. */
export function categoryCovers(selector: string, category: string): boolean {
  return category === selector || category.startsWith(`${selector}.`);
}

export function anyCovered(selectors: readonly string[], categories: readonly string[]): boolean {
  return categories.some((c) => selectors.some((s) => categoryCovers(s, c)));
}

/**
 * What a disclosure shows. By default everything but internal operations data (`system.*`):
 * a field is left out when all its categories are excluded, or when an include list is given
 * and none of its categories is in it. A field without categories is shown unless an include
 * list is given.
 */
export interface AccessFilter {
  include?: readonly string[];
  exclude?: readonly string[];
}

export const DEFAULT_ACCESS_FILTER: AccessFilter = { exclude: ['system'] };

export function isDisclosed(categories: readonly string[], filter: AccessFilter): boolean {
  const exclude = filter.exclude ?? [];
  if (filter.include !== undefined && !anyCovered(filter.include, categories)) return false;
  if (categories.length > 0 && exclude.length > 0 && categories.every((c) => exclude.some((s) => categoryCovers(s, c)))) return false;
  return true;
}

function removePath(value: FieldValue, path: readonly string[]): FieldValue {
  if (path.length === 0 || value === null || typeof value !== 'object') return value;
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (Array.isArray(value)) return value.map((v) => removePath(v, path));
  const copy: Record<string, FieldValue> = { ...value };
  if (rest.length === 0) delete copy[head];
  else if (head in copy) copy[head] = removePath(copy[head] ?? null, rest);
  return copy;
}

/** The row as disclosed: excluded fields dropped, excluded nested parts removed from objects. */
export function discloseRow(row: Row, fields: readonly PlanField[], filter: AccessFilter): Row {
  const out: Row = {};
  for (const f of fields) {
    if (!(f.name in row) || !isDisclosed(f.categories, filter)) continue;
    let value = row[f.name] ?? null;
    for (const n of f.nested) if (!isDisclosed(n.categories, filter)) value = removePath(value, n.path);
    out[f.name] = value;
  }
  return out;
}

/** Fields of a collection a category selection covers: top-level ones, and nested parts of others. */
export function fieldsToErase(fields: readonly PlanField[], categories: readonly string[]): { top: PlanField[]; nested: Array<{ field: PlanField; part: PlanNestedField }> } {
  const top = fields.filter((f) => anyCovered(categories, f.categories));
  const nested = fields
    .filter((f) => !top.includes(f))
    .flatMap((f) => f.nested.filter((n) => anyCovered(categories, n.categories)).map((part) => ({ field: f, part })));
  return { top, nested };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const DEFAULT_RANDOM_LENGTH = 16;

function digestLength(spec: EraseSpec): number {
  return spec.algorithm === 'SHA-512' ? 128 : 64;
}

/**
 * Whether `current` already has the form the strategy writes: then the field is left alone.
 * For random text and digests this is a check of shape, so an original value that happens to
 * look like one is not erased again; the dry run lists nothing for such a field.
 */
export function isAlreadyErased(spec: EraseSpec, current: FieldValue | undefined): boolean {
  if (current === null || current === undefined) return true;
  const suffix = spec.suffix ?? '';
  switch (spec.strategy) {
    case 'nullify':
      return false;
    case 'fixed_text':
      return current === `${spec.value ?? ''}${suffix}`;
    case 'random': {
      if (typeof current !== 'string' || !current.endsWith(suffix)) return false;
      const body = current.slice(0, current.length - suffix.length);
      return body.length === (spec.length ?? DEFAULT_RANDOM_LENGTH) && /^[A-Za-z0-9]+$/.test(body) && suffix.length > 0;
    }
    case 'hash':
    case 'keyed_hash': {
      if (typeof current !== 'string' || !current.endsWith(suffix)) return false;
      const body = current.slice(0, current.length - suffix.length);
      return body.length === digestLength(spec) && /^[0-9a-f]+$/.test(body);
    }
    case 'delete_row':
      return false;
  }
}

/** The value a strategy writes in place of `current` (delete_row is handled by the caller). */
export function erasedValue(spec: EraseSpec, current: FieldValue, keyedHashKey: Buffer): FieldValue {
  const suffix = spec.suffix ?? '';
  const text = typeof current === 'string' ? current : JSON.stringify(current);
  switch (spec.strategy) {
    case 'nullify':
    case 'delete_row':
      return null;
    case 'fixed_text':
      return `${spec.value ?? ''}${suffix}`;
    case 'random': {
      let out = '';
      const length = spec.length ?? DEFAULT_RANDOM_LENGTH;
      for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
      return `${out}${suffix}`;
    }
    case 'hash': {
      const algorithm = spec.algorithm === 'SHA-512' ? 'sha512' : 'sha256';
      return `${createHash(algorithm).update(text, 'utf8').digest('hex')}${suffix}`;
    }
    case 'keyed_hash': {
      const algorithm = spec.algorithm === 'SHA-512' ? 'sha512' : 'sha256';
      return `${createHmac(algorithm, keyedHashKey).update(text, 'utf8').digest('hex')}${suffix}`;
    }
  }
}

/** Writes `value` at `path` inside a JSON value, leaving the rest as it was. */
export function setPath(value: FieldValue, path: readonly string[], next: FieldValue): FieldValue {
  const [head, ...rest] = path;
  if (head === undefined) return next;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  if (!(head in value)) return value;
  return { ...value, [head]: setPath(value[head] ?? null, rest, next) };
}

export function getPath(value: FieldValue | undefined, path: readonly string[]): FieldValue | undefined {
  let cur: FieldValue | undefined = value;
  for (const part of path) {
    if (cur === null || cur === undefined || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}
