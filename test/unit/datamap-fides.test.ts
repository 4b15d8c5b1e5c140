// Fides (fideslang) dataset files: the real fixture files import as they are, export back
// without losing a field, and the one with an invalid masking strategy is refused precisely.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { assembleDataMap, type DataMapInput } from '../../src/domains/inventory/datamap-assemble.ts';
import { exportDataMapYaml } from '../../src/domains/inventory/datamap-yaml.ts';
import { DATA_CATEGORIES } from '../../src/domains/inventory/data-categories.ts';
import { exportFidesYaml } from '../../src/domains/inventory/fides-yaml.ts';
import type { DataSet } from '../../src/domains/inventory/datamap.types.ts';

// The shared fixtures sit beside the repository (../shared), in CI as on a developer's machine.
const FIXTURES = path.resolve(import.meta.dirname, '../../../shared/fixtures/fides/datasets');
const INVALID = 'postgres_example_invalid_masking_strategy_override_dataset.yml';
/** Fixtures that refer to the Postgres example dataset, which must be in the map with them. */
const NEEDS_POSTGRES = new Set(['email_dataset.yml', 'manual_dataset.yml', 'mongo_example_test_dataset.yml']);

function fixture(name: string): DataMapInput {
  return { file: name, text: readFileSync(path.join(FIXTURES, name), 'utf8'), fidesSystem: name.replace(/\.yml$/, '').replace(/[^a-z0-9_-]/g, '_') };
}

type Raw = Record<string, unknown>;
function asList(v: unknown): Raw[] {
  return Array.isArray(v) ? (v as Raw[]) : [];
}

/** Compares two Fides datasets collection by collection and field by field, naming the place. */
function assertSameDatasets(actual: unknown, expected: unknown, file: string): void {
  const a = asList((actual as Raw).dataset);
  const e = asList((expected as Raw).dataset);
  assert.equal(a.length, e.length, `${file}: number of datasets`);
  e.forEach((ed, i) => {
    const ad = a[i] ?? {};
    const { collections: ec, ...eTop } = ed;
    const { collections: ac, ...aTop } = ad;
    assert.deepStrictEqual(aTop, eTop, `${file}: dataset ${String(ed.fides_key)}`);
    asList(ec).forEach((ecol, j) => {
      const acol = asList(ac)[j] ?? {};
      const { fields: ef, ...eRest } = ecol;
      const { fields: af, ...aRest } = acol;
      assert.deepStrictEqual(aRest, eRest, `${file}: collection ${String(ecol.name)}`);
      asList(ef).forEach((efield, k) => {
        assert.deepStrictEqual(asList(af)[k], efield, `${file}: field ${String(ecol.name)}.${String(efield.name)}`);
      });
      assert.equal(asList(af).length, asList(ef).length, `${file}: fields of ${String(ecol.name)}`);
    });
    assert.equal(asList(ac).length, asList(ec).length, `${file}: collections of ${String(ed.fides_key)}`);
  });
  // Nothing beyond what was compared piece by piece.
  assert.deepStrictEqual(actual, expected, file);
}

const fixtureFiles = readdirSync(FIXTURES).filter((f) => f.endsWith('.yml') && f !== INVALID).sort();

describe('Fides dataset files', () => {
  test('the fixture directory holds the files this test expects', () => {
    assert.ok(fixtureFiles.length >= 13, `found ${fixtureFiles.length} fixture files in ${FIXTURES}`);
    assert.ok(fixtureFiles.includes('postgres_example_test_dataset.yml'));
  });

  for (const name of fixtureFiles) {
    test(`${name} imports as it is and exports back to Fides YAML field by field`, () => {
      const inputs = [fixture(name)];
      if (NEEDS_POSTGRES.has(name)) inputs.unshift(fixture('postgres_example_test_dataset.yml'));
      const result = assembleDataMap(inputs, null);
      assert.deepEqual(result.errors, [], `${name} must import without problems`);
      const system = result.map.systems.find((s) => s.name === inputs[inputs.length - 1]?.fidesSystem);
      assert.ok(system);
      const exported = exportFidesYaml(system.datasets);
      assert.deepEqual(exported.warnings, []);
      assertSameDatasets(parse(exported.text), parse(fixture(name).text), name);
    });
  }

  test('a Fides file also survives a trip through our own YAML format', () => {
    const result = assembleDataMap([fixture('postgres_example_test_dataset.yml'), fixture('mongo_example_test_dataset.yml'), fixture('example_field_masking_override_test_dataset.yml')], null);
    assert.equal(result.ok, true);
    const ours = exportDataMapYaml(result.map.systems);
    const again = assembleDataMap([{ file: 'ours.yml', text: ours }], null);
    assert.deepEqual(again.errors, []);
    assert.deepStrictEqual(again.map, result.map);
    for (const system of again.map.systems) {
      const original = [fixture('postgres_example_test_dataset.yml'), fixture('mongo_example_test_dataset.yml'), fixture('example_field_masking_override_test_dataset.yml')].find(
        (f) => f.fidesSystem === system.name,
      );
      assert.ok(original);
      assertSameDatasets(parse(exportFidesYaml(system.datasets).text), parse(original.text), system.name);
    }
  });

  test('what the importer understood: identity, references, keys, nested fields and masking overrides', () => {
    const result = assembleDataMap([fixture('postgres_example_test_dataset.yml'), fixture('example_field_masking_override_test_dataset.yml'), fixture('mongo_example_test_dataset.yml'), fixture('postgres_example_custom_request_field_dataset.yml')], null);
    const ds = (system: string): DataSet => {
      const d = result.map.systems.find((s) => s.name === system)?.datasets[0];
      assert.ok(d);
      return d;
    };
    const pg = ds('postgres_example_test_dataset');
    const customer = pg.collections.find((c) => c.name === 'customer');
    assert.equal(customer?.fields.find((f) => f.name === 'email')?.identity, 'email');
    assert.equal(customer?.fields.find((f) => f.name === 'id')?.primaryKey, true);
    assert.equal(customer?.fields.find((f) => f.name === 'name')?.length, 40);
    assert.deepEqual(customer?.fields.find((f) => f.name === 'address_id')?.references, [{ dataset: 'postgres_example_test_dataset', field: 'address.id', direction: 'to' }]);
    assert.deepEqual(pg.collections.find((c) => c.name === 'employee')?.fields.find((f) => f.name === 'name')?.erase, { strategy: 'fixed_text', value: 'testing', suffix: '-test' });
    const masking = ds('example_field_masking_override_test_dataset').collections.find((c) => c.name === 'customer');
    assert.deepEqual(masking?.fields.find((f) => f.name === 'name')?.erase, { strategy: 'random', length: 5, suffix: '@example.com' });
    const house = masking?.fields.find((f) => f.name === 'address')?.fields?.find((f) => f.name === 'house');
    assert.deepEqual(house?.erase, { strategy: 'fixed_text', value: '1234', suffix: '-test' });
    const mongo = ds('mongo_example_test_dataset').collections.find((c) => c.name === 'internal_customer_profile');
    const phone = mongo?.fields.find((f) => f.name === 'customer_identifiers')?.fields?.find((f) => f.name === 'derived_phone');
    assert.deepEqual({ identity: phone?.identity, dataType: phone?.dataType, returnAll: phone?.returnAllElements }, { identity: 'phone_number', dataType: 'string[]', returnAll: true });
    assert.equal(ds('postgres_example_custom_request_field_dataset').collections[0]?.fields.find((f) => f.name === 'site_id')?.customRequestField, 'tenant_id');
  });

  test('keys Fides would not read are kept for export, with a warning saying where they belong', () => {
    const result = assembleDataMap([fixture('example_field_masking_override_test_dataset.yml')], null);
    const w = result.warnings.find((x) => x.code === 'fides_key_kept');
    assert.ok(w);
    assert.equal(w.path, 'dataset[0].collections[1].fields[5].fields[2].masking_strategy_override');
    assert.match(w.message, /belongs under fides_meta/);
  });

  test('the file with a masking strategy that needs a secret is refused with the exact place and reason', () => {
    const result = assembleDataMap([fixture(INVALID)], null);
    assert.equal(result.ok, false);
    assert.equal(result.errors.length, 1);
    const [e] = result.errors;
    assert.ok(e);
    assert.equal(e.file, INVALID);
    assert.equal(e.path, 'dataset[0].collections[1].fields[2].fides_meta.masking_strategy_override.strategy');
    assert.equal(e.line, 41);
    assert.equal(e.code, 'erase_strategy_not_allowed');
    assert.equal(
      e.message,
      "masking strategy 'hash' needs a secret key, which Fides does not allow in a masking_strategy_override: use null_rewrite, string_rewrite or random_string_rewrite",
    );
  });

  test('an unknown masking strategy, a bad reference and an unknown category in a Fides file are all reported', () => {
    const text = `dataset:
  - fides_key: broken
    collections:
      - name: people
        fields:
          - name: email
            data_categories: [user.contact.mail]
            fides_meta:
              identity: email
              masking_strategy_override:
                strategy: scramble
          - name: boss_id
            fides_meta:
              references:
                - dataset: broken
                  field: people.manager
                  direction: sideways
`;
    const result = assembleDataMap([{ file: 'broken.yml', text }], null);
    assert.deepEqual(
      result.errors.map((e) => [e.path, e.code]).sort(),
      [
        ['dataset[0].collections[0].fields[0].data_categories[0]', 'unknown_category'],
        ['dataset[0].collections[0].fields[0].fides_meta.masking_strategy_override.strategy', 'unknown_erase_strategy'],
        ['dataset[0].collections[0].fields[1].fides_meta.references[0].direction', 'invalid_value'],
      ].sort(),
    );
  });

  test('every data category used in the fixtures, and every parent of one, is in the taxonomy', () => {
    const used = new Set<string>();
    for (const f of fixtureFiles) for (const m of readFileSync(path.join(FIXTURES, f), 'utf8').matchAll(/data_categories: \[([^\]]*)\]/g)) {
      for (const key of (m[1] ?? '').split(',').map((k) => k.trim()).filter(Boolean)) used.add(key);
    }
    assert.ok(used.size >= 20);
    for (const key of used) {
      const parts = key.split('.');
      for (let n = 1; n <= parts.length; n++) assert.ok(DATA_CATEGORIES.has(parts.slice(0, n).join('.')), `${parts.slice(0, n).join('.')} is known`);
    }
  });

  test('the taxonomy flags the special-care categories of APPI and has Japanese labels for every key', () => {
    for (const key of [
      'user.special_care.race',
      'user.special_care.creed',
      'user.special_care.social_status',
      'user.special_care.medical_history',
      'user.special_care.criminal_record',
      'user.special_care.crime_victim',
      'user.special_care.disability',
      'user.special_care.health_check_results',
      'user.special_care.medical_guidance',
      'user.special_care.criminal_procedure',
      'user.special_care.juvenile_protection',
      'user.health_and_medical',
      'user.health.medical_diagnosis',
      'user.criminal_history',
      'user.demographic.race_ethnicity',
      'user.demographic.religious_belief',
    ]) {
      assert.equal(DATA_CATEGORIES.get(key)?.specialCare, true, `${key} is special-care`);
    }
    assert.equal(DATA_CATEGORIES.get('user.health.maternity_clothing')?.specialCare, false);
    assert.equal(DATA_CATEGORIES.get('user.contact.email')?.specialCare, false);
    assert.equal(DATA_CATEGORIES.get('user.government_id.individual_number')?.individualNumber, true);
    assert.equal(DATA_CATEGORIES.get('user.financial.bank_account')?.financial, true);
    for (const c of DATA_CATEGORIES.values()) {
      assert.match(c.ja, /[\u3040-\u30ff\u4e00-\u9fff]|Cookie|ID/, `${c.key} has a Japanese label`);
      assert.ok(c.en.length > 0);
    }
  });
});
