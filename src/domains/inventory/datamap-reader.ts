// Reading a data-map file into typed values while collecting every problem, not only the
// first: the YAML is loaded once (with line numbers), then each object is checked property by
// property with zod, so one bad value is reported with its exact path and the rest of the
// object, and the rest of the file, are still checked.
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { LIMITS, type DataMapIssue, type IssueSeverity } from './datamap.types.ts';

export type PathPart = string | number;
export type Path = readonly PathPart[];

/** `systems[0].datasets[1].name` */
export function formatPath(path: Path): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out.length === 0 ? part : `.${part}`;
  }
  return out || '(top)';
}

export class IssueSink {
  readonly issues: DataMapIssue[] = [];
  constructor(
    readonly file: string,
    private readonly lineOf: (path: Path) => number | undefined = () => undefined,
  ) {}

  add(severity: IssueSeverity, path: Path, code: string, message: string): void {
    const line = this.lineOf(path);
    this.issues.push({ severity, file: this.file, path: formatPath(path), ...(line === undefined ? {} : { line }), code, message });
  }
  error(path: Path, code: string, message: string): void {
    this.add('error', path, code, message);
  }
  warn(path: Path, code: string, message: string): void {
    this.add('warning', path, code, message);
  }
  get errorCount(): number {
    return this.issues.filter((i) => i.severity === 'error').length;
  }
}

export interface LoadedYaml {
  value: unknown;
  lineOf(path: Path): number | undefined;
}

function lineFinder(doc: Document, counter: LineCounter): (path: Path) => number | undefined {
  return (path) => {
    // A missing key has no node: point at the closest enclosing node instead.
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (node && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) {
        const offset = node.range[0];
        if (typeof offset === 'number') return counter.linePos(offset).line;
      }
    }
    return undefined;
  };
}

/** Parses YAML text; syntax errors go to the sink (with their line) and answer null. */
export function loadYaml(file: string, text: string): { loaded: LoadedYaml | null; sink: IssueSink } {
  if (Buffer.byteLength(text, 'utf8') > LIMITS.fileBytes) {
    const sink = new IssueSink(file);
    sink.error([], 'file_too_large', `the file is larger than ${LIMITS.fileBytes / (1024 * 1024)} MB`);
    return { loaded: null, sink };
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: true });
  const lineOf = lineFinder(doc, counter);
  const sink = new IssueSink(file, lineOf);
  if (doc.errors.length > 0) {
    for (const err of doc.errors.slice(0, 20)) {
      const line = err.linePos?.[0]?.line;
      sink.issues.push({
        severity: 'error',
        file,
        path: '(yaml)',
        ...(line === undefined ? {} : { line }),
        code: err.code === 'DUPLICATE_KEY' ? 'duplicate_key' : 'yaml_syntax',
        message: err.message.split('\n')[0] ?? err.message,
      });
    }
    return { loaded: null, sink };
  }
  let value: unknown;
  try {
    // Aliases are allowed but bounded, so a small file cannot expand into a huge one.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    sink.error([], 'yaml_syntax', err instanceof Error ? err.message : 'the YAML cannot be read');
    return { loaded: null, sink };
  }
  if (!isMap(doc.contents) && !isSeq(doc.contents) && value === null) {
    sink.error([], 'empty_file', 'the file is empty');
    return { loaded: null, sink };
  }
  return { loaded: { value, lineOf }, sink };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'text';
  return `a ${typeof value}`;
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

/** One readable sentence per zod issue; the path is reported separately. */
export function describeZodIssue(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      if (input === undefined) return `is required (${expected})`;
      return `must be ${expected}, not ${describeType(input)}`;
    }
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${issue.maximum} characters`
        : issue.origin === 'array'
          ? `must have at most ${issue.maximum} entries`
          : `must be at most ${issue.maximum}`;
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${issue.minimum} characters`;
      if (issue.origin === 'array') return `must have at least ${issue.minimum} entries`;
      return `must be at least ${issue.minimum}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map(String).join(', ')} (not ${JSON.stringify(input)})`;
    case 'invalid_union':
    case 'invalid_format':
    case 'custom':
    default:
      return issue.message;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Checks one value against a zod schema; issues go to the sink under `path`. */
export function check<S extends z.ZodType>(sink: IssueSink, path: Path, schema: S, value: unknown, code = 'invalid_value'): z.output<S> | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const sub = issue.path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
    const at = valueAt(value, issue.path);
    const reason = issue.code === 'invalid_type' ? (at === undefined ? 'required' : 'wrong_type') : code;
    sink.error([...path, ...sub], reason, describeZodIssue(issue, at));
  }
  return undefined;
}

export type Shape = Record<string, z.ZodType>;
export type ReadProps<S extends Shape> = { [K in keyof S]?: z.output<S[K]> };

/**
 * Checks each property of a mapping on its own, so one bad value does not hide the others.
 * Keys outside `shape` and `children` are reported as unknown (through `onUnknown` when the
 * caller wants to keep or explain them). Answers null when `raw` is not a mapping.
 */
export function readObject<S extends Shape>(
  sink: IssueSink,
  path: Path,
  raw: unknown,
  shape: S,
  options: { children?: readonly string[]; onUnknown?: (key: string, value: unknown) => void } = {},
): ReadProps<S> | null {
  if (!isRecord(raw)) {
    sink.error(path, 'wrong_type', `must be a mapping of keys to values, not ${describeType(raw)}`);
    return null;
  }
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(shape)) {
    const value = check(sink, [...path, key], schema, raw[key]);
    if (value !== undefined) out[key] = value;
  }
  const known = new Set([...Object.keys(shape), ...(options.children ?? [])]);
  for (const [key, value] of Object.entries(raw)) {
    if (known.has(key)) continue;
    if (options.onUnknown) options.onUnknown(key, value);
    else sink.error([...path, key], 'unknown_key', `unknown key '${key}'`);
  }
  return out as ReadProps<S>;
}

/** A list of child mappings: absent is an empty list; anything else is reported. */
export function readList(sink: IssueSink, path: Path, raw: unknown, max: number, required = false): unknown[] {
  if (raw === undefined || raw === null) {
    if (required) sink.error(path, 'required', 'is required (a list)');
    return [];
  }
  if (!Array.isArray(raw)) {
    sink.error(path, 'wrong_type', `must be a list, not ${describeType(raw)}`);
    return [];
  }
  if (raw.length > max) {
    sink.error(path, 'too_many', `must have at most ${max} entries`);
    return raw.slice(0, max);
  }
  return raw;
}

/** Drops keys whose value is undefined, so optional properties are absent, not undefined. */
export function compact<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as T;
}

export const zText = (max: number = LIMITS.text) => z.string().trim().min(1).max(max);
export const zTextList = (maxItems: number = LIMITS.list, max: number = LIMITS.shortText) => z.array(zText(max)).max(maxItems);
