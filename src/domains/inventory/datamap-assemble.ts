// Putting a data map together from files: each file is read as our format or as a Fides
// dataset file (told apart by `madoguchi_datamap:` or `dataset:`), the systems they describe
// replace the stored ones of the same name (a Fides file replaces only its datasets within the
// system it is imported into), and the result is checked as a whole, so references between
// files and to stored systems are resolved, and every problem is reported with its file and path.
import { isFidesFormat, readFidesValue } from './fides-yaml.ts';
import { isOurFormat, readDataMapValue } from './datamap-yaml.ts';
import { Locator } from './datamap-locator.ts';
import { IssueSink, loadYaml, type Path } from './datamap-reader.ts';
import { validateDataMap, walkFields, type ValidateOptions } from './datamap.rules.ts';
import {
  STORED_MAP_FILE,
  SYSTEM_NAME_PATTERN,
  type DataMap,
  type DataMapIssue,
  type DataSet,
  type DataSystem,
} from './datamap.types.ts';

export interface DataMapInput {
  /** Shown in messages: the file name or `(request body)`. */
  file: string;
  text: string;
  /** For a Fides file: the system its datasets belong to (default: from its first fides_key). */
  fidesSystem?: string;
}

export interface AssembledDataMap {
  ok: boolean;
  /** The whole map after the inputs are applied to the stored one. */
  map: DataMap;
  /** Names of the systems the inputs describe, in order: what an import writes. */
  touched: string[];
  errors: DataMapIssue[];
  warnings: DataMapIssue[];
}

/** A system name made from a Fides key: lower case, other characters as `_`. */
export function systemNameFromFidesKey(key: string): string {
  let name = key.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
  if (!/^[a-z]/.test(name)) name = `fides_${name}`;
  return name.slice(0, 63);
}

function locateStored(locator: Locator, sink: IssueSink, system: DataSystem): void {
  const sys: Path = [`systems[${system.name}]`];
  locator.set(system, { sink, path: sys, reportWarnings: false });
  for (const d of system.datasets) {
    const dp = [...sys, `datasets[${d.name}]`];
    locator.set(d, { sink, path: dp, reportWarnings: false });
    for (const c of d.collections) {
      const cp = [...dp, `collections[${c.name}]`];
      locator.set(c, { sink, path: cp, reportWarnings: false });
      for (const { field, path } of walkFields(c.fields)) {
        locator.set(field, { sink, path: [...cp, `fields[${path}]`], reportWarnings: false });
      }
    }
  }
}

/**
 * Reads the inputs, applies them to `stored` (null: check the files on their own) and checks
 * the result. Nothing is written; `ok` is false when any error was found.
 */
export function assembleDataMap(inputs: readonly DataMapInput[], stored: DataMap | null, options: ValidateOptions = {}): AssembledDataMap {
  const locator = new Locator();
  const sinks: IssueSink[] = [];
  const storedSink = new IssueSink(STORED_MAP_FILE);
  sinks.push(storedSink);

  const systems = new Map<string, DataSystem>();
  for (const s of stored?.systems ?? []) {
    locateStored(locator, storedSink, s);
    systems.set(s.name, s);
  }
  const incoming: DataSystem[] = [];
  const touched: string[] = [];
  const fidesTargets: Array<{ name: string; datasets: DataSet[]; sink: IssueSink }> = [];

  for (const input of inputs) {
    const { loaded, sink } = loadYaml(input.file, input.text);
    sinks.push(sink);
    if (!loaded) continue;
    if (isOurFormat(loaded.value)) {
      // A file of our format names its own systems; a target system applies only to Fides files.
      incoming.push(...readDataMapValue(input.file, loaded.value, sink, locator).systems);
    } else if (isFidesFormat(loaded.value)) {
      const parsed = readFidesValue(input.file, loaded.value, sink, locator);
      const first = parsed.datasets[0];
      const name = input.fidesSystem ?? (first ? systemNameFromFidesKey(first.name) : undefined);
      if (name === undefined) continue;
      if (!SYSTEM_NAME_PATTERN.test(name)) {
        sink.error(['(system)'], 'invalid_value', `the target system name '${name.slice(0, 80)}' must be lower-case letters, digits, _ or - and start with a letter`);
        continue;
      }
      fidesTargets.push({ name, datasets: parsed.datasets, sink });
    } else {
      sink.error([], 'unknown_format', 'neither a Madoguchi data map (`madoguchi_datamap: 1`) nor a Fides dataset file (`dataset:`)');
    }
  }

  // Whole systems from our format replace stored ones; two files may not both describe one.
  const seenIncoming = new Set<string>();
  for (const s of incoming) {
    if (seenIncoming.has(s.name)) {
      locator.report(s, ['name'], 'error', 'duplicate_name', `system name '${s.name}' is used twice`);
      continue;
    }
    seenIncoming.add(s.name);
    systems.set(s.name, s);
    touched.push(s.name);
  }
  // Fides datasets replace the datasets of the same name within their system.
  for (const target of fidesTargets) {
    const existing = systems.get(target.name);
    const names = new Set(target.datasets.map((d) => d.name));
    const merged: DataSystem = existing
      ? // Stored datasets of the same name are replaced; incoming ones stay, so a clash between two files is reported.
        { ...existing, datasets: [...existing.datasets.filter((d) => !names.has(d.name) || locator.get(d)?.sink !== storedSink), ...target.datasets] }
      : { name: target.name, vendors: [], securityMeasures: [], datasets: target.datasets };
    const at = existing ? locator.get(existing) : undefined;
    locator.set(merged, at ?? { sink: target.sink, path: [`system '${target.name}'`], reportWarnings: true });
    systems.set(target.name, merged);
    if (!touched.includes(target.name)) touched.push(target.name);
  }

  const map: DataMap = { systems: [...systems.values()] };
  validateDataMap(map, locator, options);
  const issues = sinks.flatMap((s) => s.issues);
  const errors = issues.filter((i) => i.severity === 'error');
  return { ok: errors.length === 0, map, touched, errors, warnings: issues.filter((i) => i.severity === 'warning') };
}
