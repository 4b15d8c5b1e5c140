// The search plan: identity fields start it, references lead on in their direction and across
// systems, each collection waits for every collection feeding it, cycles are cut (and said so),
// what cannot be reached is listed, and erasure runs holders of references first.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { buildPlan, formatPlan, type Plan } from '../../src/domains/fulfillment/planner.ts';
import { assembleDataMap } from '../../src/domains/inventory/datamap-assemble.ts';

const FIDES_PG = path.resolve(import.meta.dirname, '../../../shared/fixtures/fides/datasets/postgres_example_test_dataset.yml');

function mapOf(yaml: string) {
  const assembled = assembleDataMap([{ file: 'test.yml', text: yaml }], null);
  assert.equal(assembled.ok, true, JSON.stringify(assembled.errors));
  return assembled.map;
}

function steps(plan: Plan): Record<string, number> {
  return Object.fromEntries(plan.nodes.map((n) => [n.id, n.step]));
}

const SHOP = `
madoguchi_datamap: 1
systems:
  - name: shop
    kind: postgresql
    connection: shop_rw
    datasets:
      - name: s
        collections:
          - name: customers
            fields:
              - { name: id, primary_key: true, data_categories: [user.unique_id] }
              - { name: email, identity: email, data_categories: [user.contact.email] }
              - { name: phone, identity: phone_number, data_categories: [user.contact.phone_number] }
          - name: orders
            fields:
              - { name: id, primary_key: true, data_categories: [system.operations] }
              - name: customer_id
                data_categories: [user.unique_id]
                references: [{ dataset: s, field: customers.id, direction: from }]
              - name: address_id
                data_categories: [system.operations]
                references: [{ dataset: s, field: addresses.id, direction: to }]
          - name: addresses
            fields:
              - { name: id, primary_key: true, data_categories: [system.operations] }
              - { name: street, data_categories: [user.contact.address.street] }
          - name: audit_trail
            fields:
              - { name: id, primary_key: true, data_categories: [system.operations] }
              - { name: note, data_categories: [system.operations] }
  - name: desk
    kind: mariadb
    datasets:
      - name: d
        collections:
          - name: tickets
            fields:
              - { name: id, primary_key: true, data_categories: [system.operations] }
              - name: customer_id
                data_categories: [user.unique_id]
                references: [{ system: shop, dataset: s, field: customers.id, direction: from }]
              - { name: body, data_categories: [user.content.private] }
`;

describe('the search plan', () => {
  test('identities start it; references lead on in their direction, across systems; steps wait for inputs', () => {
    const plan = buildPlan(mapOf(SHOP), ['email']);
    assert.deepEqual(steps(plan), { 'shop:s.customers': 1, 'desk:d.tickets': 2, 'shop:s.orders': 2, 'shop:s.addresses': 3 });
    assert.deepEqual(plan.identityTypes, ['email']);
    const tickets = plan.nodes.find((n) => n.id === 'desk:d.tickets');
    assert.deepEqual(tickets?.inputs, [{ field: 'customer_id', source: { kind: 'field', node: 'shop:s.customers', field: 'id' } }]);
    const addresses = plan.nodes.find((n) => n.id === 'shop:s.addresses');
    assert.deepEqual(addresses?.inputs, [{ field: 'id', source: { kind: 'field', node: 'shop:s.orders', field: 'address_id' } }]);
    assert.deepEqual(addresses?.dependsOn, ['shop:s.orders']);
    assert.deepEqual(plan.skipped, [{ id: 'shop:s.audit_trail', system: 'shop', dataset: 's', collection: 'audit_trail', reason: 'unreachable' }]);
    const customers = plan.nodes.find((n) => n.id === 'shop:s.customers');
    assert.equal(customers?.connection, 'shop_rw');
    assert.deepEqual(customers?.keyFields, ['id']);
  });

  test('several identities feed one query per collection; types no field has are reported', () => {
    const plan = buildPlan(mapOf(SHOP), ['email', 'phone_number', 'loyalty_id']);
    const customers = plan.nodes.find((n) => n.id === 'shop:s.customers');
    assert.deepEqual(customers?.inputs.map((i) => i.field).sort(), ['email', 'phone']);
    assert.deepEqual(plan.unusedIdentityTypes, ['loyalty_id']);
  });

  test('without a usable identity nothing is searched', () => {
    const plan = buildPlan(mapOf(SHOP), ['customer_number']);
    assert.deepEqual(plan.nodes, []);
    assert.equal(plan.skipped.length, 5);
    assert.match(formatPlan(plan), /starting from no usable identity/);
  });

  test('a reference without a direction leads both ways, and the cycle it makes is cut once', () => {
    const plan = buildPlan(
      mapOf(`
madoguchi_datamap: 1
systems:
  - name: app
    datasets:
      - name: a
        collections:
          - name: people
            fields:
              - { name: id, primary_key: true }
              - { name: email, identity: email }
              - name: household_id
                references: [{ dataset: a, field: households.id }]
          - name: households
            fields:
              - { name: id, primary_key: true }
              - name: head_id
                references: [{ dataset: a, field: people.id }]
`),
      ['email'],
    );
    assert.deepEqual(steps(plan), { 'app:a.people': 1, 'app:a.households': 2 });
    // households feed people back (both directions): that edge comes after people was queried.
    assert.deepEqual(
      plan.cutEdges.filter((c) => c.reason === 'cycle').map((c) => `${c.from}.${c.fromField}->${c.to}.${c.toField}`).sort(),
      ['app:a.households.head_id->app:a.people.id', 'app:a.households.id->app:a.people.household_id'],
    );
    const people = plan.nodes.find((n) => n.id === 'app:a.people');
    assert.deepEqual(people?.inputs, [{ field: 'email', source: { kind: 'identity', identity: 'email' } }]);
    assert.match(formatPlan(plan), /not followed {2}app:a\.households .* \(cycle\)/);
  });

  test('skip_processing, nested identities and after are honoured', () => {
    const plan = buildPlan(
      mapOf(`
madoguchi_datamap: 1
systems:
  - name: app
    datasets:
      - name: a
        collections:
          - name: users
            fields:
              - { name: id, primary_key: true }
              - { name: email, identity: email }
              - name: profile
                fields:
                  - { name: phone, identity: phone_number, data_categories: [user.contact.phone_number] }
          - name: archive
            skip_processing: true
            fields:
              - name: user_id
                references: [{ dataset: a, field: users.id, direction: from }]
          - name: logins
            after: [a.notes]
            fields:
              - name: user_id
                references: [{ dataset: a, field: users.id, direction: from }]
          - name: notes
            fields:
              - name: user_id
                references: [{ dataset: a, field: users.id, direction: from }]
`),
      ['email', 'phone_number'],
    );
    assert.deepEqual(steps(plan), { 'app:a.users': 1, 'app:a.notes': 2, 'app:a.logins': 3 });
    assert.deepEqual(plan.skipped.map((s) => [s.id, s.reason]), [['app:a.archive', 'skip_processing']]);
    assert.ok(plan.cutEdges.some((c) => c.reason === 'nested_field' && c.toField === 'profile.phone'));
    assert.ok(plan.cutEdges.some((c) => c.reason === 'skipped_collection' && c.to === 'app:a.archive'));
    const users = plan.nodes.find((n) => n.id === 'app:a.users');
    assert.deepEqual(users?.fields.find((f) => f.name === 'profile')?.nested, [{ path: ['phone'], categories: ['user.contact.phone_number'], readOnly: false }]);
  });

  test('erasure changes the collection holding a reference before the one it points at', () => {
    const plan = buildPlan(mapOf(SHOP), ['email']);
    const at = (id: string) => plan.eraseOrder.indexOf(id);
    assert.equal(plan.eraseOrder.length, 4);
    assert.ok(at('shop:s.orders') < at('shop:s.customers'), 'orders reference customers');
    assert.ok(at('shop:s.orders') < at('shop:s.addresses'), 'orders reference addresses');
    assert.ok(at('desk:d.tickets') < at('shop:s.customers'));
  });

  test('the Fides PostgreSQL example dataset', () => {
    const assembled = assembleDataMap([{ file: FIDES_PG, text: readFileSync(FIDES_PG, 'utf8') }], null);
    assert.equal(assembled.ok, true);
    const plan = buildPlan(assembled.map, ['email']);
    const p = 'postgres_example_test_dataset:postgres_example_test_dataset.';
    const s = steps(plan);
    assert.deepEqual(
      Object.fromEntries(Object.entries(s).map(([k, v]) => [k.slice(p.length), v])),
      { customer: 1, employee: 1, report: 1, visit: 1, login: 2, orders: 2, payment_card: 2, service_request: 2, address: 3, order_item: 3, product: 4 },
    );
    const address = plan.nodes.find((n) => n.collection === 'address');
    assert.deepEqual(address?.inputs.map((i) => (i.source.kind === 'field' ? `${i.source.node.slice(p.length)}.${i.source.field}` : '')).sort(), [
      'customer.address_id',
      'employee.address_id',
      'orders.shipping_address_id',
      'payment_card.billing_address_id',
    ]);
    const serviceRequest = plan.nodes.find((n) => n.collection === 'service_request');
    assert.deepEqual(serviceRequest?.inputs.map((i) => i.field).sort(), ['alt_email', 'email', 'employee_id']);
    assert.deepEqual(plan.skipped, []);
    const order = plan.eraseOrder.map((id) => id.slice(p.length));
    assert.ok(order.indexOf('order_item') < order.indexOf('orders') && order.indexOf('orders') < order.indexOf('customer'));
    assert.ok(order.indexOf('customer') < order.indexOf('address') && order.indexOf('payment_card') < order.indexOf('address'));
    const text = formatPlan(plan);
    assert.match(text, /^Plan: 11 collection\(s\) in 4 step\(s\), starting from email\./);
    assert.match(text, /step 4 {2}postgres_example_test_dataset:postgres_example_test_dataset\.product\n\s+id <- .*order_item product_id/);
  });
});
