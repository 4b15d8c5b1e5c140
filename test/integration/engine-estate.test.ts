// The sample estate of examples/datamap on real servers: a shop in PostgreSQL whose customer
// number leads to a support desk in MariaDB, sessions in Redis keyed by customer number, a
// loyalty service over HTTP and paper records kept by hand. One person's access, erasure (with
// legal holds, shared addresses and manual tasks), correction and suspension, and what happens
// when a system is down.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { ConnectorPool } from '../../src/domains/fulfillment/connections.ts';
import { applyErasure, memoryProgress, planErasure, runAccess, runCorrection, runRestriction, type ErasurePlan } from '../../src/domains/fulfillment/executor.ts';
import { buildPlan } from '../../src/domains/fulfillment/planner.ts';
import { createEstate, estateMap, type Estate } from '../fixtures/engine/estate.ts';
import { mariaExec, pgExec } from '../fixtures/engine/fides-databases.ts';

const TARO = [{ id: 'subject', identities: { email: ['taro@example.jp'] } }];
const FAST_RETRY = { retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 } };

async function withEstate(fn: (estate: Estate) => Promise<void>): Promise<void> {
  const estate = await createEstate();
  try {
    await fn(estate);
  } finally {
    await estate.close();
  }
}

const byCollection = <T extends { collection: string }>(list: readonly T[]) => new Map(list.map((c) => [c.collection, c]));

describe('the sample estate across PostgreSQL, MariaDB, Redis, HTTP and paper', () => {
  test('access follows the customer number from the shop into every other system', async () => {
    await withEstate(async (estate) => {
      const plan = buildPlan(estateMap(), ['email']);
      const pool = new ConnectorPool(estate.specs());
      try {
        const result = await runAccess({ plan, subjects: TARO, source: pool, options: { now: new Date('2026-12-01T00:00:00Z') } });
        const c = byCollection(result.collections);
        assert.deepEqual(
          result.collections.filter((x) => x.status === 'failed').map((x) => x.error),
          [],
        );
        assert.equal(c.get('customers')?.rows[0]?.email, 'taro@example.jp');
        assert.equal(c.get('customers')?.rows[0]?.allergy_note, '小麦');
        assert.ok(!('created_at' in (c.get('customers')?.rows[0] ?? {})), 'internal operations data is not disclosed');
        assert.deepEqual(c.get('orders')?.rows.map((r) => r.total_amount).sort(), [3200, 5400]);
        assert.deepEqual(c.get('addresses')?.rows.map((r) => r.street).sort(), ['中央3-3', '千代田1-1'], 'his address and the one he sent a gift to');
        assert.deepEqual(c.get('tickets')?.rows.map((r) => r.subject).sort(), ['会員登録前の質問', '配送日の変更'], 'including the ticket from before he registered');
        assert.equal(c.get('messages')?.rowCount, 3);
        assert.deepEqual(c.get('session')?.rows.map((r) => r.ip_address).sort(), ['203.0.113.5', '203.0.113.6']);
        assert.deepEqual(c.get('members')?.rows, [{ customer_number: 'C-1001', member_id: 'L-1', tier: 'gold' }]);
        assert.deepEqual(c.get('point_history')?.rows.map((r) => r.points).sort(), [32, 54]);
        assert.equal(c.get('catalog_applications')?.status, 'manual');
        assert.equal(c.get('return_slips')?.status, 'manual');
        const paper = result.manualTasks.find((t) => t.system === 'paper_records');
        assert.equal(paper?.owner, 'stf_aoba_gm_office');
        assert.equal(paper?.dueAt, '2026-12-08T00:00:00.000Z');
        assert.deepEqual(paper?.items.find((i) => i.collection === 'paper.return_slips')?.searchBy, [{ field: 'order_number', values: ['O-1', 'O-2'] }]);
        assert.ok(estate.loyalty.requests.every((r) => r.idempotencyKey !== null), 'every call carries an idempotency key');
        assert.equal(estate.loyalty.rejectedSignatures, 0, 'every call was signed correctly');
      } finally {
        await pool.closeAll();
      }
    });
  });

  test('erasure: a dry run changes nothing; the run changes exactly the plan; a second run does nothing', async () => {
    await withEstate(async (estate) => {
      const plan = buildPlan(estateMap(), ['email']);
      const nodes = new Map(plan.nodes.map((n) => [n.id, n]));
      const pool = new ConnectorPool(estate.specs());
      try {
        const before = (await estate.snapshot()) as Snapshot;
        const erasure = await planErasure({ plan, subjects: TARO, source: pool, categories: ['user'], options: FAST_RETRY });
        assert.deepEqual(await estate.snapshot(), before, 'the dry run changed nothing');
        const c = byCollection(erasure.collections);
        assert.deepEqual(c.get('customers')?.changes.map((ch) => [ch.key, ch.action]), [[{ customer_number: 'C-1001' }, 'delete']]);
        assert.deepEqual(c.get('orders')?.changes, []);
        assert.ok(c.get('orders')?.held.some((h) => h.field === 'gift_message' && h.reason.includes('会計帳簿') && h.basis?.includes('法人税法')));
        assert.ok((c.get('order_items')?.held.length ?? 0) > 0);
        assert.ok((c.get('point_history')?.held.length ?? 0) > 0);
        const shared = c.get('addresses')?.shared ?? [];
        assert.deepEqual(shared.map((s) => s.key.address_id).sort(), [1, 3]);
        assert.ok(shared.find((s) => s.key.address_id === 1)?.reasons.some((r) => r.includes('shop_db:shop.orders')), 'Hanako’s order points at his address');
        assert.ok(shared.find((s) => s.key.address_id === 3)?.reasons.some((r) => r.includes('customer_number points at a row that is not this person')));
        assert.deepEqual(c.get('addresses')?.changes, []);
        const ticket = c.get('tickets')?.changes.find((ch) => ch.key.ticket_id === 1);
        assert.deepEqual(ticket?.fields.map((f) => `${f.field}:${f.strategy}`).sort(), ['caller_name:fixed_text', 'customer_number:nullify', 'email:hash', 'subject:nullify']);
        assert.equal(ticket?.set?.email, createHash('sha256').update('taro@example.jp').digest('hex'));
        assert.equal(c.get('messages')?.changes.length, 3);
        assert.ok(c.get('messages')?.changes.every((ch) => ch.action === 'delete'));
        assert.deepEqual(c.get('session')?.changes.map((ch) => ch.key).sort((a, b) => String(a.session_id).localeCompare(String(b.session_id))), [
          { customer_number: 'C-1001', session_id: 's1' },
          { customer_number: 'C-1001', session_id: 's2' },
        ]);
        assert.deepEqual(c.get('members')?.changes.map((ch) => [ch.key, ch.action]), [[{ member_id: 'L-1' }, 'delete']]);
        const paper = erasure.manualTasks.find((t) => t.system === 'paper_records');
        const slips = paper?.items.find((i) => i.collection === 'paper.return_slips');
        assert.ok(slips?.steps.some((s) => s.en.startsWith('Do not erase (legal hold')));
        const applications = paper?.items.find((i) => i.collection === 'paper.catalog_applications');
        assert.ok(applications?.steps.some((s) => s.en === 'destroy the whole record'));

        // A staff decision lets a shared row be erased.
        const third = shared.find((s) => s.key.address_id === 3);
        const decided = await planErasure({ plan, subjects: TARO, source: pool, categories: ['user'], sharedDecisions: { [third?.ref ?? '']: 'erase' } });
        assert.deepEqual(byCollection(decided.collections).get('addresses')?.changes.map((ch) => ch.key), [{ address_id: 3 }]);

        const outcome = await applyErasure(erasure, nodes, pool, memoryProgress(), FAST_RETRY);
        assert.deepEqual(outcome.collections.filter((o) => o.status === 'failed'), []);
        const afterRun = (await estate.snapshot()) as Snapshot;
        assert.deepEqual(differences(before, afterRun), plannedDifferences(erasure), 'exactly the planned rows and fields changed');
        assert.equal(afterRun.shop.customers?.length, 1);
        assert.equal(afterRun.shop.customers?.[0]?.customer_number, 'C-1002', 'the other customer is untouched');
        assert.deepEqual(afterRun.shop.addresses, before.shop.addresses, 'shared addresses stay');
        assert.deepEqual(afterRun.shop.orders, before.shop.orders, 'held orders stay');
        assert.deepEqual(Object.keys(afterRun.sessions).map((k) => k.split(':').slice(-2).join(':')), ['C-1002:s3']);
        assert.deepEqual(afterRun.desk.tickets?.find((t) => t.ticket_id === 2), {
          ticket_id: 2,
          email: createHash('sha256').update('taro@example.jp').digest('hex'),
          customer_number: null,
          caller_name: '削除済み',
          subject: null,
        });

        const again = await planErasure({ plan, subjects: TARO, source: pool, categories: ['user'] });
        assert.equal(again.collections.reduce((n, x) => n + x.changes.length, 0), 0);
        const second = await applyErasure(again, nodes, pool, memoryProgress());
        assert.ok(second.collections.every((x) => x.changed === 0));
        assert.deepEqual(await estate.snapshot(), afterRun, 'the second run changed nothing');
      } finally {
        await pool.closeAll();
      }
    });
  });

  test('correction: by key, one transaction per system, read back, hashes instead of values', async () => {
    await withEstate(async (estate) => {
      const plan = buildPlan(estateMap(), ['email']);
      const pool = new ConnectorPool(estate.specs());
      try {
        const corrections = [
          { node: 'shop_db:shop.customers', field: 'phone', value: '080-9999-0000' },
          { node: 'shop_db:shop.customers', field: 'family_name', value: '山本' },
          { node: 'support_desk:helpdesk.tickets', field: 'caller_name', value: '山本太郎', key: { ticket_id: 1 } },
          { node: 'loyalty_points:loyalty_api.members', field: 'tier', value: 'platinum' },
        ];
        const result = await runCorrection({ plan, subjects: TARO, source: pool, corrections });
        const c = new Map(result.collections.map((x) => [x.id, x]));
        assert.deepEqual(
          [...c.values()].map((x) => [x.id, x.status, x.changed, x.confirmed]).sort(),
          [
            ['loyalty_points:loyalty_api.members', 'corrected', 1, true],
            ['shop_db:shop.customers', 'corrected', 1, true],
            ['support_desk:helpdesk.tickets', 'corrected', 1, true],
          ],
        );
        for (const x of c.values()) {
          assert.match(x.beforeHash, /^[0-9a-f]{64}$/);
          assert.notEqual(x.beforeHash, x.afterHash);
        }
        assert.deepEqual(await pgExec(estate.shop.url, 'select phone, family_name from customers order by customer_number'), [
          { phone: '080-9999-0000', family_name: '山本' },
          { phone: '090-3333-4444', family_name: '佐藤' },
        ]);
        assert.deepEqual(await mariaExec(estate.desk.url, 'SELECT ticket_id, caller_name FROM tickets ORDER BY ticket_id', []), [
          { ticket_id: 1, caller_name: '山本太郎' },
          { ticket_id: 2, caller_name: '山田' },
          { ticket_id: 3, caller_name: '佐藤花子' },
        ]);
        assert.equal(estate.loyalty.tables['loyalty_api.members']?.[0]?.tier, 'platinum');
        const again = await runCorrection({ plan, subjects: TARO, source: pool, corrections });
        assert.ok(again.collections.every((x) => x.status === 'nothing_to_do' && x.confirmed && x.beforeHash === x.afterHash));
      } finally {
        await pool.closeAll();
      }
    });
  });

  test('suspension of use: a flag where the connection names one, the HTTP service told, the rest listed', async () => {
    await withEstate(async (estate) => {
      const plan = buildPlan(estateMap(), ['email']);
      const pool = new ConnectorPool(estate.specs());
      try {
        const result = await runRestriction({ plan, subjects: TARO, source: pool, kind: 'suspend_use' });
        const c = new Map(result.collections.map((x) => [x.id.split(':')[1] ?? x.id, x]));
        assert.deepEqual([c.get('shop.customers')?.status, c.get('shop.customers')?.changed, c.get('shop.customers')?.flagField], ['applied', 1, 'use_suspended']);
        assert.deepEqual([c.get('loyalty_api.members')?.status, c.get('loyalty_api.point_history')?.status], ['applied', 'applied']);
        assert.equal(c.get('helpdesk.tickets')?.status, 'no_flag');
        assert.equal(c.get('session_store.session')?.status, 'no_flag');
        assert.equal(c.get('paper.catalog_applications')?.status, 'manual');
        assert.deepEqual(await pgExec(estate.shop.url, 'select customer_number, use_suspended from customers order by 1'), [
          { customer_number: 'C-1001', use_suspended: true },
          { customer_number: 'C-1002', use_suspended: false },
        ]);
        assert.deepEqual([...estate.loyalty.restricted.keys()].sort(), ['loyalty_api.members#L-1', 'loyalty_api.point_history#P-1', 'loyalty_api.point_history#P-2']);
        assert.ok(result.manualTasks.some((t) => t.action === 'suspend_use'));
      } finally {
        await pool.closeAll();
      }
    });
  });

  test('a system that is down fails only its own collections, with a clear error, after retries', async () => {
    await withEstate(async (estate) => {
      const plan = buildPlan(estateMap(), ['email']);
      estate.loyalty.fail = true;
      const pool = new ConnectorPool(estate.specs({ desk: { url: 'mysql://root@127.0.0.1:1/none' } }));
      try {
        const events: string[] = [];
        const result = await runAccess({ plan, subjects: TARO, source: pool, options: { ...FAST_RETRY, onEvent: (e) => events.push(e.type) } });
        const c = byCollection(result.collections);
        assert.equal(c.get('members')?.status, 'failed');
        assert.match(c.get('members')?.error?.message ?? '', /loyalty_api:loyalty_api\.members: the service is unavailable \(503\) after 3 attempts/);
        assert.equal(c.get('point_history')?.status, 'no_input', 'nothing could lead there');
        assert.deepEqual(c.get('point_history')?.incompleteBecause, ['loyalty_points:loyalty_api.members']);
        assert.equal(c.get('tickets')?.status, 'failed');
        assert.match(c.get('tickets')?.error?.message ?? '', /support_desk:helpdesk\.tickets: cannot connect to the database/);
        assert.equal(c.get('messages')?.status, 'no_input');
        assert.ok(events.includes('retry'), 'unreachable systems are retried');
        for (const ok of ['customers', 'orders', 'addresses', 'session']) assert.equal(c.get(ok)?.status, 'done', ok);
        assert.equal(c.get('customers')?.rows.length, 1);
        assert.equal(estate.loyalty.requests.filter((r) => r.path === '/access').length, 0, 'the failing service answered nothing');
      } finally {
        await pool.closeAll();
      }
    });
  });
});

// ---------------------------------------------------------------------------------------------

type Table = Array<Record<string, unknown>>;
interface Snapshot {
  shop: Record<string, Table>;
  desk: Record<string, Table>;
  sessions: Record<string, Record<string, string>>;
  loyalty: Record<string, Table>;
}

const KEYS: Record<string, string> = {
  customers: 'customer_number',
  addresses: 'address_id',
  orders: 'order_number',
  payment_tokens: 'token_id',
  tickets: 'ticket_id',
  messages: 'message_id',
  'loyalty_api.members': 'member_id',
  'loyalty_api.point_history': 'entry_id',
};

/** collection#key#field (or #(deleted)) for each difference between two snapshots. */
function differences(a: Snapshot, b: Snapshot): string[] {
  const out: string[] = [];
  const compare = (name: string, before: Table, after: Table) => {
    const keyField = KEYS[name];
    if (!keyField) {
      if (JSON.stringify(before) !== JSON.stringify(after)) out.push(`${name}#?#(changed)`);
      return;
    }
    const later = new Map(after.map((r) => [String(r[keyField]), r]));
    for (const r of before) {
      const k = String(r[keyField]);
      const other = later.get(k);
      if (!other) out.push(`${name.split('.').pop() ?? name}#${k}#(deleted)`);
      else for (const f of Object.keys(r)) if (JSON.stringify(r[f]) !== JSON.stringify(other[f])) out.push(`${name.split('.').pop() ?? name}#${k}#${f}`);
    }
  };
  for (const [t, rows] of Object.entries(a.shop)) compare(t, rows, b.shop[t] ?? []);
  for (const [t, rows] of Object.entries(a.desk)) compare(t, rows, b.desk[t] ?? []);
  for (const [t, rows] of Object.entries(a.loyalty)) compare(t, rows, b.loyalty[t] ?? []);
  for (const key of Object.keys(a.sessions)) {
    const [customer, session] = key.split(':').slice(-2);
    if (!(key in b.sessions)) out.push(`session#${customer ?? ''}/${session ?? ''}#(deleted)`);
  }
  return out.sort();
}

function plannedDifferences(plan: ErasurePlan): string[] {
  const out: string[] = [];
  for (const c of plan.collections) {
    for (const ch of c.changes) {
      const k = c.collection === 'session' ? `${String(ch.key.customer_number)}/${String(ch.key.session_id)}` : String(Object.values(ch.key)[0]);
      if (ch.action === 'delete') out.push(`${c.collection}#${k}#(deleted)`);
      else for (const f of ch.fields) out.push(`${c.collection}#${k}#${f.field}`);
    }
  }
  return out.sort();
}
