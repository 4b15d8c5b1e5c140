// Our data-map YAML: the example map validates clean and round-trips, and every kind of
// mistake is refused with the file, the exact path and what is wrong — all of them at once.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { assembleDataMap, type DataMapInput } from '../../src/domains/inventory/datamap-assemble.ts';
import { exportDataMapYaml } from '../../src/domains/inventory/datamap-yaml.ts';
import { fieldFlags } from '../../src/domains/inventory/datamap.rules.ts';
import type { DataMapIssue } from '../../src/domains/inventory/datamap.types.ts';
import { validateDataMapFiles } from '../../src/domains/inventory/inventory.service.ts';

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples/datamap');

function exampleInputs(): DataMapInput[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => ({ file: `examples/datamap/${f}`, text: readFileSync(path.join(EXAMPLES, f), 'utf8') }));
}

const BASE = `madoguchi_datamap: 1
systems:
  - name: shop
    owner: stf_owner1
    location: { country: JP }
    review: { last_reviewed_on: 2026-01-10, reviewer: stf_owner1 }
    datasets:
      - name: main
        collections:
          - name: customers
            fields:
              - name: id
                data_categories: [user.unique_id]
                identity: customer_number
                primary_key: true
              - name: email
                data_categories: [user.contact.email]
                identity: email
                purposes: [order_fulfilment]
                erase: nullify
`;

/** BASE with one more collection in the same dataset. */
function withCollection(yaml: string): string {
  return BASE + yaml.replace(/^/gm, '          ').trimEnd() + '\n';
}

function check(text: string, options: { knownPurposeCodes?: string[] } = {}) {
  return validateDataMapFiles([{ file: 'map.yml', text }], options);
}

function only(issues: readonly DataMapIssue[], code: string): DataMapIssue {
  const found = issues.filter((i) => i.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got: ${JSON.stringify(issues, null, 1)}`);
  const [first] = found;
  assert.ok(first);
  return first;
}

describe('data map YAML: the example map', () => {
  test('the example data map of あおば生活舎 validates clean: five systems, no problems, no warnings', () => {
    const result = validateDataMapFiles(exampleInputs());
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.warnings, []);
    assert.deepEqual([...result.systems].sort(), ['loyalty_points', 'paper_records', 'shop_db', 'support_desk', 'web_sessions']);
  });

  test('parse → export → parse gives an equal model', () => {
    const first = assembleDataMap(exampleInputs(), null);
    assert.equal(first.ok, true);
    const exported = exportDataMapYaml(first.map.systems);
    const second = assembleDataMap([{ file: 'exported.yml', text: exported }], null);
    assert.deepEqual(second.errors, []);
    assert.deepStrictEqual(second.map, first.map);
    // And exporting again is stable, byte for byte.
    assert.equal(exportDataMapYaml(second.map.systems), exported);
  });

  test('a field in a special-care category is special-care even when it does not say so', () => {
    const map = assembleDataMap(exampleInputs(), null).map;
    const desk = map.systems.find((s) => s.name === 'support_desk');
    const body = desk?.datasets[0]?.collections.find((c) => c.name === 'messages')?.fields.find((f) => f.name === 'body');
    assert.ok(body);
    assert.equal(body.specialCare, undefined);
    assert.equal(fieldFlags(body).specialCare, true);
    const card = map.systems.find((s) => s.name === 'shop_db')?.datasets[0]?.collections.find((c) => c.name === 'payment_tokens')?.fields.find((f) => f.name === 'card_token');
    assert.ok(card);
    assert.equal(fieldFlags(card).financial, true);
    assert.equal(fieldFlags(card).specialCare, false);
  });
});

describe('data map YAML: refused maps name the file, the path and the problem', () => {
  test('the base map used below is valid', () => {
    const r = check(BASE);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings, []);
  });

  test('an unknown data category, with a suggestion', () => {
    const r = check(BASE.replace('[user.contact.email]', '[user.contact.emial]'));
    const e = only(r.errors, 'unknown_category');
    assert.equal(e.file, 'map.yml');
    assert.equal(e.path, 'systems[0].datasets[0].collections[0].fields[1].data_categories[0]');
    assert.equal(e.message, "unknown data category 'user.contact.emial' (did you mean 'user.contact.email'?)");
    assert.equal(e.line, 17);
    assert.equal(r.ok, false);
  });

  test('a reference to a field that does not exist', () => {
    const r = check(
      withCollection(`- name: orders
  fields:
    - name: customer_id
      data_categories: [user.unique_id]
      references:
        - { dataset: main, field: customers.number, direction: from }
`),
    );
    const e = only(r.errors, 'missing_field');
    assert.equal(e.path, 'systems[0].datasets[0].collections[1].fields[0].references[0].field');
    assert.equal(e.message, "collection 'main.customers' has no field 'number'");
  });

  test('a reference to a collection, a dataset and a system that do not exist', () => {
    const r = check(
      withCollection(`- name: orders
  fields:
    - name: a
      references: [{ dataset: main, field: clients.id }]
    - name: b
      references: [{ dataset: crm_main, field: customers.id }]
    - name: c
      references: [{ system: crm, dataset: main, field: customers.id }]
`),
    );
    assert.equal(only(r.errors, 'missing_collection').path, 'systems[0].datasets[0].collections[1].fields[0].references[0].field');
    const ds = only(r.errors, 'missing_dataset');
    assert.equal(ds.path, 'systems[0].datasets[0].collections[1].fields[1].references[0].dataset');
    assert.equal(ds.message, "refers to dataset 'crm_main', which is not in the data map");
    const sys = only(r.errors, 'missing_system');
    assert.equal(sys.path, 'systems[0].datasets[0].collections[1].fields[2].references[0].system');
    assert.equal(sys.message, "refers to system 'crm', which is not in the data map");
  });

  test('duplicate names: collections, fields, and a system described by two files', () => {
    const r = check(
      withCollection(`- name: customers
  fields:
    - { name: x, identity: email }
    - { name: x }
`),
    );
    const dupes = r.errors.filter((e) => e.code === 'duplicate_name').map((e) => [e.path, e.message]);
    assert.deepEqual(dupes, [
      ['systems[0].datasets[0].collections[1].name', "collection name 'customers' is used twice"],
      ['systems[0].datasets[0].collections[1].fields[1].name', "field name 'x' is used twice"],
    ]);
    const twoFiles = validateDataMapFiles([
      { file: 'a.yml', text: BASE },
      { file: 'b.yml', text: BASE },
    ]);
    const e = only(twoFiles.errors, 'duplicate_name');
    assert.equal(e.file, 'b.yml');
    assert.equal(e.path, 'systems[0].name');
    assert.equal(e.message, "system name 'shop' is used twice");
  });

  test('wrong types are reported value by value, and the rest of the file is still checked', () => {
    const text = BASE.replace('primary_key: true', 'primary_key: "yes"')
      .replace('location: { country: JP }', 'location: { country: Japan }')
      .replace('reviewer: stf_owner1 }', 'reviewer: stf_owner1, interval_months: twelve }')
      .replace('[user.contact.email]', '[user.contact.nope]');
    const r = check(text);
    const byPath = Object.fromEntries(r.errors.map((e) => [e.path, e.message]));
    assert.equal(byPath['systems[0].datasets[0].collections[0].fields[0].primary_key'], 'must be true or false, not text');
    assert.equal(byPath['systems[0].location.country'], 'must be an ISO 3166-1 alpha-2 country code in capitals, e.g. JP or US');
    assert.equal(byPath['systems[0].review.interval_months'], 'must be a number, not text');
    // A later, unrelated problem is still found.
    assert.match(byPath['systems[0].datasets[0].collections[0].fields[1].data_categories[0]'] ?? '', /unknown data category/);
    assert.equal(r.errors.length, 4);
  });

  test('an unknown erasure strategy, and options that do not fit the strategy', () => {
    const r = check(BASE.replace('erase: nullify', 'erase: shred'));
    const e = only(r.errors, 'unknown_erase_strategy');
    assert.equal(e.path, 'systems[0].datasets[0].collections[0].fields[1].erase');
    assert.equal(e.message, 'unknown erasure strategy "shred": use one of nullify, fixed_text, random, hash, keyed_hash, delete_row');
    const r2 = check(BASE.replace('erase: nullify', 'erase: { strategy: fixed_text }'));
    assert.equal(only(r2.errors, 'erase_option').path, 'systems[0].datasets[0].collections[0].fields[1].erase.value');
    const r3 = check(BASE.replace('erase: nullify', 'erase: { strategy: nullify, length: 8 }'));
    assert.equal(only(r3.errors, 'erase_option').message, 'only random takes a length, not nullify');
    const r4 = check(withCollection(`- name: orders\n  erase: nullify\n  fields:\n    - { name: id, identity: email }\n`));
    const e4 = only(r4.errors, 'erase_strategy_not_allowed');
    assert.equal(e4.path, 'systems[0].datasets[0].collections[1].erase');
    assert.equal(e4.message, "'nullify' cannot be used here: only delete_row");
  });

  test('connection details never go in the data map: only a connection name', () => {
    const r = check(BASE.replace('    owner: stf_owner1\n', '    owner: stf_owner1\n    host: db.internal\n    password: hunter2\n    connection: "postgres://u:p@db/shop"\n'));
    const details = r.errors.filter((e) => e.code === 'connection_details').map((e) => e.path);
    assert.deepEqual(details, ['systems[0].host', 'systems[0].password']);
    const conn = r.errors.find((e) => e.path === 'systems[0].connection');
    assert.match(conn?.message ?? '', /NAME of a connection configured elsewhere/);
    // The secret itself is never repeated in a message.
    assert.doesNotMatch(JSON.stringify(r.errors), /hunter2/);
  });

  test('special care cannot be switched off for a special-care category; an Individual Number is never an identity', () => {
    const r = check(
      withCollection(`- name: health
  fields:
    - { name: customer_id, identity: customer_number }
    - { name: allergy, data_categories: [user.special_care.medical_history], special_care: false }
    - { name: my_number, data_categories: [user.government_id.individual_number], identity: my_number }
`),
    );
    const sc = only(r.errors, 'special_care_conflict');
    assert.equal(sc.path, 'systems[0].datasets[0].collections[1].fields[1].special_care');
    const mn = only(r.errors, 'individual_number_identity');
    assert.equal(mn.path, 'systems[0].datasets[0].collections[1].fields[2].identity');
    assert.match(mn.message, /Individual Number \(My Number\) may not be used to find a person/);
  });

  test('purpose codes are checked only against a list that is passed in', () => {
    assert.equal(check(BASE).ok, true);
    const r = check(BASE, { knownPurposeCodes: ['marketing_email'] });
    const e = only(r.errors, 'unknown_purpose');
    assert.equal(e.path, 'systems[0].datasets[0].collections[0].fields[1].purposes[0]');
    assert.equal(e.message, "unknown purpose of use 'order_fulfilment'");
    assert.equal(check(BASE, { knownPurposeCodes: ['order_fulfilment'] }).ok, true);
  });

  test('unknown keys, YAML syntax errors and files of neither format are refused with their place', () => {
    const unknown = check(BASE.replace('primary_key: true', 'primary_key: true\n                colour: blue'));
    assert.equal(only(unknown.errors, 'unknown_key').path, 'systems[0].datasets[0].collections[0].fields[0].colour');
    const syntax = check('madoguchi_datamap: 1\nsystems:\n  - name: [unclosed\n');
    assert.equal(syntax.ok, false);
    assert.equal(syntax.errors[0]?.code, 'yaml_syntax');
    assert.ok((syntax.errors[0]?.line ?? 0) >= 3, 'the error points at the unclosed list or after it');
    const dupKey = check('madoguchi_datamap: 1\nmadoguchi_datamap: 1\nsystems: []\n');
    assert.equal(dupKey.errors[0]?.code, 'duplicate_key');
    const neither = check('hello: world\n');
    assert.equal(only(neither.errors, 'unknown_format').message, 'neither a Madoguchi data map (`madoguchi_datamap: 1`) nor a Fides dataset file (`dataset:`)');
    const version = check(BASE.replace('madoguchi_datamap: 1', 'madoguchi_datamap: 2'));
    assert.equal(version.errors[0]?.path, 'madoguchi_datamap');
  });

  test('every problem of a file is listed at once', () => {
    const text = BASE.replace('[user.contact.email]', '[user.contact.emial]')
      .replace('erase: nullify', 'erase: shred')
      .replace('primary_key: true', 'primary_key: 1')
      .replace('    owner: stf_owner1\n', '    owner: stf_owner1\n    password: x\n');
    const r = check(text);
    assert.deepEqual(r.errors.map((e) => e.code).sort(), ['connection_details', 'unknown_category', 'unknown_erase_strategy', 'wrong_type']);
    assert.ok(r.errors.every((e) => e.file === 'map.yml'));
  });
});

describe('data map YAML: warnings', () => {
  test('a collection no identity can reach is accepted with a warning that it can never be found for a person', () => {
    const r = check(withCollection(`- name: audit_trail\n  fields:\n    - { name: note, data_categories: [user.content.private] }\n`));
    assert.equal(r.ok, true);
    const w = only(r.warnings, 'unreachable_collection');
    assert.equal(w.severity, 'warning');
    assert.equal(w.path, 'systems[0].datasets[0].collections[1]');
    assert.equal(w.message, 'no identity field here and no reference path from one: this collection can never be found for a person');
  });

  test('a reference path reaches a collection across files and systems, in the direction it points', () => {
    const crm = `madoguchi_datamap: 1
systems:
  - name: crm
    owner: stf_owner1
    location: { country: JP }
    review: { last_reviewed_on: 2026-01-10, reviewer: stf_owner1 }
    datasets:
      - name: crm
        collections:
          - name: notes
            fields:
              - name: customer_id
                references: [{ system: shop, dataset: main, field: customers.id, direction: from }]
          - name: backwards
            fields:
              - name: customer_id
                references: [{ system: shop, dataset: main, field: customers.id, direction: to }]
`;
    const r = validateDataMapFiles([
      { file: 'shop.yml', text: BASE },
      { file: 'crm.yml', text: crm },
    ]);
    assert.equal(r.ok, true);
    // `to` leads from `backwards` to customers, so nothing leads to `backwards`.
    const w = only(r.warnings, 'unreachable_collection');
    assert.equal(w.file, 'crm.yml');
    assert.equal(w.path, 'systems[0].datasets[0].collections[1]');
  });

  test('a system without owner, review or location is accepted with warnings', () => {
    const r = check('madoguchi_datamap: 1\nsystems:\n  - name: bare\n    datasets: []\n');
    assert.equal(r.ok, true);
    assert.deepEqual(r.warnings.map((w) => [w.path, w.code]), [
      ['systems[0].owner', 'no_owner'],
      ['systems[0].review', 'no_review'],
      ['systems[0].location', 'no_location'],
    ]);
  });
});
