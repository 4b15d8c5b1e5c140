// The fulfilment engine behind the request desk, on Madoguchi's own database (both engines) and
// the sample estate on real servers (a shop in PostgreSQL, a support desk in MariaDB, sessions in
// Redis, a loyalty service over HTTP, paper records kept by hand). A person's disclosure request
// is answered from every connected system without anyone attaching data; a suspension is
// prepared as a dry run, carried out on approval exactly as planned, and not again; the paper
// records' owner gets and completes a task; a system that is down is retried without writing
// any finding twice; and connections are managed over HTTP without their secrets ever shown.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { listAudit } from '../../src/domains/audit/audit.service.ts';
import type { Actor } from '../../src/domains/audit/audit.actions.ts';
import { saveConnection } from '../../src/domains/fulfillment/connections.ts';
import { ENGINE_PROVIDER_NAME } from '../../src/domains/fulfillment/engine.provider.ts';
import { importDataMap } from '../../src/domains/inventory/inventory.service.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { approveDecision, draftDecision, submitForReview, type TDecisionDraft } from '../../src/domains/requests/decision.service.ts';
import { recordPayment } from '../../src/domains/requests/fee.service.ts';
import { listFindings, openFinding } from '../../src/domains/requests/findings.service.ts';
import { checkIdentity } from '../../src/domains/requests/identity-review.service.ts';
import type { RequestType } from '../../src/domains/requests/request.ts';
import { createAppJobRegistry } from '../../src/jobs/app-jobs.ts';
import { runJobsUntilIdle } from '../../src/jobs/worker.ts';
import { HOUR_MS } from '../../src/lib/clock.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';
import { bearer, latestRequestMail, randomIp, submitVerifiedRequest } from '../helpers/requests.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';
import { createEstate, ESTATE_FILES, type Estate } from '../fixtures/engine/estate.ts';
import { pgExec, REDIS_SERVER } from '../fixtures/engine/fides-databases.ts';

const registry = createAppJobRegistry();
const PAPER_OWNER = 'stf_aoba_gm_office';
const PERSONAL = ['taro@example.jp', 'C-1001', '090-1111-2222', '山田', 'tok_taro'];

type Snapshot = {
  shop: Record<string, Array<Record<string, unknown>>>;
  desk: Record<string, Array<Record<string, unknown>>>;
  sessions: Record<string, Record<string, string>>;
  loyalty: Record<string, Array<Record<string, unknown>>>;
};

const KEYS: Record<string, string> = {
  customers: 'customer_number',
  addresses: 'address_id',
  orders: 'order_number',
  payment_tokens: 'token_id',
  tickets: 'ticket_id',
  messages: 'message_id',
  members: 'member_id',
  point_history: 'entry_id',
};

/** Per collection, what changed in each row: `(deleted)` or its changed fields, sorted. */
function changesBetween(a: Snapshot, b: Snapshot): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (collection: string, what: string) => (out[collection] ??= []).push(what);
  const tables: Array<[string, Array<Record<string, unknown>>, Array<Record<string, unknown>>]> = [
    ...Object.entries(a.shop).map(([n, rows]): [string, typeof rows, typeof rows] => [n, rows, b.shop[n] ?? []]),
    ...Object.entries(a.desk).map(([n, rows]): [string, typeof rows, typeof rows] => [n, rows, b.desk[n] ?? []]),
    ...Object.entries(a.loyalty).map(([n, rows]): [string, typeof rows, typeof rows] => [n.split('.').pop() ?? n, rows, b.loyalty[n] ?? []]),
  ];
  for (const [name, before, afterRows] of tables) {
    const key = KEYS[name];
    if (!key) {
      if (JSON.stringify(before) !== JSON.stringify(afterRows)) add(name, '(changed)');
      continue;
    }
    const later = new Map(afterRows.map((r) => [String(r[key]), r]));
    for (const r of before) {
      const other = later.get(String(r[key]));
      if (!other) add(name, '(deleted)');
      else {
        const fields = Object.keys(r).filter((f) => JSON.stringify(r[f]) !== JSON.stringify(other[f]));
        if (fields.length > 0) add(name, fields.sort().join(','));
      }
    }
  }
  for (const [k, hash] of Object.entries(a.sessions)) {
    const other = b.sessions[k];
    if (!other) add('session', '(deleted)');
    else {
      const fields = Object.keys(hash).filter((f) => hash[f] !== other[f]);
      if (fields.length > 0) add('session', fields.sort().join(','));
    }
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

interface ErasureViewBody {
  runId: string;
  status: string;
  collections: Array<{
    node: string;
    status: string;
    changes: Array<{ ref: string; action: 'delete' | 'update'; fields: Array<{ field: string; strategy: string }> }>;
    held: Array<{ field: string; reason: string; basis: string | null }>;
    shared: Array<{ ref: string; reasons: string[] }>;
  }>;
}

interface FulfillmentBody {
  action: string | null;
  answeredBy: string | null;
  plan: { identityTypes: string[]; collections: Array<{ id: string; handling: string }> } | null;
  runs: Array<{ id: string; action: string; status: string; steps: Array<{ node: string; status: string; planned: number; changed: number }> }>;
  erasure: ErasureViewBody | null;
  tasks: Array<{ id: string; system: string; action: string; status: string; owner: string | null }>;
}

/** The planned changes of a dry run in the same shape as changesBetween. */
function plannedChanges(erasure: ErasureViewBody): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of erasure.collections) {
    const name = c.node.split('.').pop() ?? c.node;
    for (const ch of c.changes) {
      const what = ch.action === 'delete' ? '(deleted)' : [...new Set(ch.fields.map((f) => f.field.split('.')[0] ?? f.field))].sort().join(',');
      (out[name] ??= []).push(what);
    }
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mdg-engine-desk-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function unzip(zip: Buffer): string {
  const dir = mkdtempSync(path.join(tmp, 'pkg-'));
  const file = path.join(dir, 'package.zip');
  writeFileSync(file, zip);
  execFileSync('unzip', ['-q', file, '-d', path.join(dir, 'out')]);
  return path.join(dir, 'out');
}

for (const engine of ENGINES) {
  describe(`the fulfilment engine answers the request desk (${engine})`, () => {
    let t: TestApp;
    let admin: SignedInStaff;
    let handler: SignedInStaff;
    let officer: SignedInStaff;
    let owner: SignedInStaff;
    let otherOwner: SignedInStaff;
    const staffActor = (s: SignedInStaff): Actor => ({ type: 'staff', id: s.staffId });

    before(async () => {
      t = await startTestApp(engine);
      await seedSampleOrganization(t.ctx);
      admin = await createSignedInStaff(t, 'admin');
      handler = await createSignedInStaff(t, 'handler');
      officer = await createSignedInStaff(t, 'privacy_officer');
      owner = await createSignedInStaff(t, 'system_owner');
      otherOwner = await createSignedInStaff(t, 'system_owner');
      // The estate's data map, with the paper records owned by a staff member of this test.
      const files = ESTATE_FILES.map((file) => ({ file: path.basename(file), text: readFileSync(file, 'utf8').replaceAll(PAPER_OWNER, owner.staffId) }));
      const imported = await importDataMap(t.ctx, files, { actor: staffActor(admin) });
      assert.equal(imported.ok, true, JSON.stringify(imported));
    });
    after(async () => {
      await t?.close();
    });

    /** Points the stored connections at a fresh estate (the support desk's URL through an environment variable). */
    async function connectEstate(estate: Estate, env: Record<string, string> = { SUPPORT_DESK_URL: estate.desk.url }): Promise<void> {
      const specs = estate.specs();
      const actor = staffActor(admin);
      await saveConnection(t.ctx, actor, { name: 'shop_db_readwrite', url: estate.shop.url, options: specs.get('shop_db_readwrite')?.options });
      await saveConnection(t.ctx, actor, { name: 'support_desk', kind: 'mysql', env: 'SUPPORT_DESK_URL' });
      await saveConnection(t.ctx, actor, { name: 'web_sessions', url: REDIS_SERVER, options: specs.get('web_sessions')?.options });
      await saveConnection(t.ctx, actor, { name: 'loyalty_api', url: estate.loyalty.url });
      t.ctx.env = env;
    }

    /** Submitted and verified over HTTP, identity verified by staff, the fee (if any) paid: in progress. */
    async function inProgress(type: RequestType, email: string): Promise<{ id: string; reference: string; trackingToken: string }> {
      const r = await submitVerifiedRequest(t, { type, email });
      const checked = await checkIdentity(t.ctx, r.id, { checklist: { name: 'match', address: 'match', dateOfBirth: 'match' }, decision: { kind: 'verified' } }, staffActor(handler));
      if (checked.request.status === 'awaiting_fee') {
        const today = new Date(t.clock.now().getTime() + 9 * HOUR_MS).toISOString().slice(0, 10);
        const paid = await recordPayment(t.ctx, r.id, { paidOn: today, amountYen: checked.feeYen ?? 0, reference: 'FURIKOMI-1' }, staffActor(handler));
        assert.equal(paid.request.status, 'in_progress');
      } else assert.equal(checked.request.status, 'in_progress');
      return r;
    }

    async function decide(requestId: string, draft: TDecisionDraft): Promise<void> {
      await draftDecision(t.ctx, requestId, staffActor(handler), draft);
      await submitForReview(t.ctx, requestId, staffActor(handler));
      await approveDecision(t.ctx, requestId, staffActor(officer));
    }

    async function events(requestId: string) {
      return t.ctx.db.selectFrom('request_events').select(['kind', 'data']).where('request_id', '=', requestId).orderBy('seq').execute();
    }

    async function fulfillment(requestId: string, who: SignedInStaff = handler): Promise<FulfillmentBody> {
      const res = await who.inject({ method: 'GET', url: `/api/admin/requests/${requestId}/fulfillment` });
      assert.equal(res.statusCode, 200, res.body);
      return (res.json() as { fulfillment: FulfillmentBody }).fulfillment;
    }

    function errorCode(res: LightMyRequestResponse): string {
      return (res.json() as { error: { code: string } }).error.code;
    }

    async function auditText(): Promise<string> {
      const entries = (await listAudit(t.ctx.db, { limit: 1000 })).entries.filter((a) => a.action.startsWith('fulfillment.') || a.action.startsWith('connection.'));
      return JSON.stringify(entries);
    }

    test('connections are managed over HTTP: secrets are never shown, tests report reachability and writing', async () => {
      const estate = await createEstate();
      try {
        t.ctx.env = { SUPPORT_DESK_URL: estate.desk.url };
        const specs = estate.specs();
        const bodies = [
          { name: 'shop_db_readwrite', url: estate.shop.url, options: specs.get('shop_db_readwrite')?.options },
          { name: 'support_desk', kind: 'mysql', env: 'SUPPORT_DESK_URL' },
          { name: 'web_sessions', url: REDIS_SERVER, options: specs.get('web_sessions')?.options },
          { name: 'loyalty_api', url: estate.loyalty.url },
        ];
        for (const payload of bodies) {
          const res = await admin.inject({ method: 'POST', url: '/api/admin/connections', payload });
          assert.ok(res.statusCode === 201 || (res.statusCode === 409 && errorCode(res) === 'already_exists'), res.body);
          if (res.statusCode === 409) assert.equal((await admin.inject({ method: 'PUT', url: `/api/admin/connections/${payload.name}`, payload: { ...payload, name: undefined } })).statusCode, 200);
        }
        const listed = await officer.inject({ method: 'GET', url: '/api/admin/connections' });
        assert.equal(listed.statusCode, 200);
        const connections = (listed.json() as { connections: Array<{ name: string; kind: string; secretSource: string; envVar: string | null }> }).connections;
        assert.deepEqual(
          connections.map((c) => [c.name, c.kind, c.secretSource, c.envVar]),
          [
            ['loyalty_api', 'http', 'vault', null],
            ['shop_db_readwrite', 'postgresql', 'vault', null],
            ['support_desk', 'mysql', 'env', 'SUPPORT_DESK_URL'],
            ['web_sessions', 'redis', 'vault', null],
          ],
        );
        for (const secret of [estate.shop.url, estate.shop.name, estate.loyalty.url.split('@')[0] ?? '', estate.desk.url]) assert.ok(!listed.body.includes(secret), 'no URL or key in the list');

        const tested = await admin.inject({ method: 'POST', url: '/api/admin/connections/shop_db_readwrite/test' });
        assert.equal(tested.statusCode, 200, tested.body);
        assert.deepEqual(
          [(tested.json() as { check: { reachable: boolean; canWrite: boolean | null } }).check.reachable, (tested.json() as { check: { canWrite: boolean | null } }).check.canWrite],
          [true, true],
        );
        const desk = await admin.inject({ method: 'POST', url: '/api/admin/connections/support_desk/test' });
        assert.equal((desk.json() as { check: { reachable: boolean } }).check.reachable, true);
        assert.ok(!desk.body.includes(estate.desk.name), 'the test result names no database');

        // Bad input is refused with a stable code and nothing is stored.
        const both = await admin.inject({ method: 'POST', url: '/api/admin/connections', payload: { name: 'both', kind: 'postgresql', env: 'SHOP_URL', url: 'postgres://x@127.0.0.1/y' } });
        assert.equal(both.statusCode, 400);
        assert.equal(errorCode(both), 'validation_failed');
        const ownVariable = await admin.inject({ method: 'POST', url: '/api/admin/connections', payload: { name: 'sneaky', kind: 'postgresql', env: 'MADOGUCHI_MASTER_KEY' } });
        assert.equal(ownVariable.statusCode, 400);
        assert.equal((await t.ctx.db.selectFrom('fulfillment_connections').select('name').where('name', 'in', ['both', 'sneaky']).execute()).length, 0);
        assert.equal((await admin.inject({ method: 'PUT', url: '/api/admin/connections/nope', payload: { kind: 'manual' } })).statusCode, 404);

        // Handlers neither see nor change connections; an unset variable is a clear refusal.
        assert.equal((await handler.inject({ method: 'GET', url: '/api/admin/connections' })).statusCode, 403);
        assert.equal((await handler.inject({ method: 'POST', url: '/api/admin/connections/support_desk/test' })).statusCode, 403);
        t.ctx.env = {};
        const unset = await admin.inject({ method: 'POST', url: '/api/admin/connections/support_desk/test' });
        assert.equal(unset.statusCode, 400);
        assert.equal((unset.json() as { error: { details: Array<{ reason: string }> } }).error.details[0]?.reason, 'secret_unset');

        const temp = await admin.inject({ method: 'POST', url: '/api/admin/connections', payload: { name: 'temporary', url: 'postgres://u:pw@127.0.0.1:1/x' } });
        assert.equal(temp.statusCode, 201, temp.body);
        assert.ok(!temp.body.includes('pw@'));
        assert.equal((await admin.inject({ method: 'DELETE', url: '/api/admin/connections/temporary' })).statusCode, 200);
        assert.equal((await admin.inject({ method: 'DELETE', url: '/api/admin/connections/temporary' })).statusCode, 404);

        const audit = await auditText();
        assert.ok(!audit.includes('127.0.0.1') && !audit.includes(estate.shop.name), 'no address in the audit log');
      } finally {
        await estate.close();
      }
    });

    test('a disclosure is answered from every connected system; the paper records’ owner adds theirs; the package holds it all', async () => {
      const estate = await createEstate();
      try {
        await connectEstate(estate);
        assert.equal(t.ctx.fulfillment?.name, ENGINE_PROVIDER_NAME, 'bootstrap installs the engine');
        const r = await inProgress('disclosure', 'taro@example.jp');
        await runJobsUntilIdle(t.ctx, registry);

        const kinds = (await events(r.id)).map((e) => e.kind);
        assert.ok(kinds.includes('fulfillment.planned') && kinds.includes('fulfillment.run'));
        assert.ok(!kinds.includes('fulfillment.manual'), 'no hand search was asked for');
        assert.deepEqual((await events(r.id)).find((e) => e.kind === 'fulfillment.started')?.data, { provider: 'engine' });

        const found = await listFindings(t.ctx.db, r.id);
        assert.ok(found.every((f) => f.source === 'engine'));
        const byKey = new Map(found.map((f) => [`${f.systemName}:${f.collection}`, f]));
        assert.deepEqual([...byKey.keys()].sort(), [
          'loyalty_points:loyalty_api.members',
          'loyalty_points:loyalty_api.point_history',
          'shop_db:shop.addresses',
          'shop_db:shop.customers',
          'shop_db:shop.order_items',
          'shop_db:shop.orders',
          'shop_db:shop.payment_tokens',
          'support_desk:helpdesk.messages',
          'support_desk:helpdesk.tickets',
          'web_sessions:session_store.session',
        ]);
        assert.equal(found.length, byKey.size, 'one finding per collection');
        assert.equal(byKey.get('shop_db:shop.customers')?.rowCount, 1);
        assert.equal(byKey.get('shop_db:shop.customers')?.label, '会員情報');
        assert.equal(byKey.get('support_desk:helpdesk.tickets')?.rowCount, 2, 'the ticket from before he registered is found by email');
        assert.equal(byKey.get('web_sessions:session_store.session')?.rowCount, 2);
        const customers = await openFinding(t.ctx, r.id, byKey.get('shop_db:shop.customers')?.id ?? '', staffActor(handler));
        assert.equal((customers.records?.[0] as { email?: string } | undefined)?.email, 'taro@example.jp');

        const view = await fulfillment(r.id);
        assert.equal(view.action, 'access');
        assert.equal(view.answeredBy, 'engine');
        assert.deepEqual(view.plan?.identityTypes, ['email']);
        assert.equal(view.plan?.collections.find((c) => c.id.startsWith('paper_records:'))?.handling, 'manual');
        assert.deepEqual(view.runs.map((run) => [run.action, run.status]), [['access', 'completed']]);

        // The paper records' owner sees their task (only they, among owners) and enters what the files hold.
        const tasks = view.tasks.filter((x) => x.system === 'paper_records');
        assert.deepEqual(tasks.map((x) => [x.action, x.status, x.owner]), [['access', 'open', owner.staffId]]);
        const taskId = tasks[0]?.id ?? '';
        const mine = await owner.inject({ method: 'GET', url: '/api/admin/tasks?status=open' });
        assert.equal(mine.statusCode, 200, mine.body);
        assert.ok((mine.json() as { tasks: Array<{ id: string }> }).tasks.some((x) => x.id === taskId));
        const theirs = await otherOwner.inject({ method: 'GET', url: '/api/admin/tasks' });
        assert.deepEqual((theirs.json() as { tasks: unknown[] }).tasks, []);
        assert.equal((await otherOwner.inject({ method: 'GET', url: `/api/admin/tasks/${taskId}` })).statusCode, 404);
        assert.equal((await otherOwner.inject({ method: 'POST', url: `/api/admin/tasks/${taskId}/complete`, payload: { recordsHandled: 0 } })).statusCode, 404);
        const opened = await owner.inject({ method: 'GET', url: `/api/admin/tasks/${taskId}` });
        assert.equal(opened.statusCode, 200, opened.body);
        const checklist = (opened.json() as { checklist: { items: Array<{ collection: string; searchBy: Array<{ field: string; values: string[] }> }> } }).checklist;
        assert.deepEqual(checklist.items.find((i) => i.collection === 'paper.catalog_applications')?.searchBy, [{ field: 'customer_number', values: ['C-1001'] }]);

        const record = { customer_number: 'C-1001', name: '山田太郎', address: '東京都千代田区千代田1-1' };
        const vague = await owner.inject({ method: 'POST', url: `/api/admin/tasks/${taskId}/complete`, payload: { recordsHandled: 1, records: [record] } });
        assert.equal(vague.statusCode, 400, 'the task lists two collections: the owner says which one');
        assert.equal((await listFindings(t.ctx.db, r.id)).length, found.length, 'nothing stored');
        const completed = await owner.inject({
          method: 'POST',
          url: `/api/admin/tasks/${taskId}/complete`,
          payload: { recordsHandled: 1, records: [record], collection: 'paper.catalog_applications', note: '申込書1件' },
        });
        assert.equal(completed.statusCode, 200, completed.body);
        assert.equal((completed.json() as { task: { status: string } }).task.status, 'done');
        assert.equal((await owner.inject({ method: 'POST', url: `/api/admin/tasks/${taskId}/complete`, payload: { recordsHandled: 1 } })).statusCode, 409);

        // Decided and delivered: the package's data.json holds what the engine and the owner found.
        await decide(r.id, { outcome: 'full' });
        const mail = await latestRequestMail(t, r.id, 'request.download_ready');
        const token = new RegExp(`/requests/${r.id}/download\\?d=([A-Za-z0-9_-]{40,})`).exec(mail.text ?? '')?.[1];
        assert.ok(token);
        const res = await t.app.inject({ method: 'GET', url: `/api/public/deliveries/${token}`, headers: bearer(r.trackingToken), remoteAddress: randomIp() });
        assert.equal(res.statusCode, 200);
        const { data } = JSON.parse(readFileSync(path.join(unzip(res.rawPayload), 'data.json'), 'utf8')) as { data: Record<string, Array<Record<string, unknown>>> };
        assert.equal(data['shop_db:shop.customers']?.[0]?.email, 'taro@example.jp');
        assert.equal(data['shop_db:shop.customers']?.[0]?.allergy_note, '小麦');
        assert.equal(data['shop_db:shop.customers']?.[0]?.created_at, undefined, 'internal operations data is left out');
        assert.deepEqual(data['support_desk:helpdesk.tickets']?.map((x) => x.subject).sort(), ['会員登録前の質問', '配送日の変更']);
        assert.deepEqual(data['loyalty_points:loyalty_api.members']?.map((x) => x.tier), ['gold']);
        assert.deepEqual(data['paper_records:paper.catalog_applications'], [record]);
        assert.ok(!JSON.stringify(data).includes('hanako@example.jp'), 'nobody else’s account');

        const audit = await auditText();
        for (const p of PERSONAL) assert.ok(!audit.includes(p), `no ${p} in the audit log`);
      } finally {
        await estate.close();
      }
    });

    test('a suspension: the erasure is a dry run until approval, then changes exactly what was planned, once', async () => {
      const estate = await createEstate();
      try {
        await connectEstate(estate);
        const r = await inProgress('suspension', 'taro@example.jp');
        const before = (await estate.snapshot()) as Snapshot;
        await runJobsUntilIdle(t.ctx, registry);
        assert.deepEqual(await estate.snapshot(), before, 'preparing changes nothing');

        const view = await fulfillment(r.id);
        assert.equal(view.action, 'erasure');
        const erasure = view.erasure;
        assert.ok(erasure);
        assert.equal(erasure.status, 'planned');
        const c = new Map(erasure.collections.map((x) => [x.node, x]));
        assert.deepEqual(c.get('shop_db:shop.customers')?.changes.map((x) => x.action), ['delete'], 'the member number is erased by deleting the row');
        assert.deepEqual(c.get('shop_db:shop.payment_tokens')?.changes.map((x) => x.action), ['delete']);
        assert.ok(c.get('shop_db:shop.orders')?.held.some((h) => h.field === 'gift_message' && h.reason.includes('会計帳簿') && (h.basis ?? '').includes('法人税法')));
        assert.equal(c.get('shop_db:shop.addresses')?.changes.length, 0, 'addresses another customer points at are not erased blindly');
        assert.equal(c.get('shop_db:shop.addresses')?.shared.length, 2);
        assert.ok(!JSON.stringify(erasure).includes('C-1001') && !JSON.stringify(erasure).includes('taro'), 'the dry run names rows by reference only');
        assert.deepEqual(view.tasks.filter((x) => x.action === 'erasure'), [], 'the paper owner is not asked to shred anything before approval');

        // Approval as done carries the erasure out, in a job enqueued with the approval.
        await decide(r.id, { outcome: 'done', details: '会員情報、決済トークン、問い合わせ履歴、セッションを消去しました。' });
        await runJobsUntilIdle(t.ctx, registry);
        const afterRun = (await estate.snapshot()) as Snapshot;
        assert.deepEqual(changesBetween(before, afterRun), plannedChanges(erasure), 'exactly the planned rows and fields changed');
        assert.deepEqual(await pgExec(estate.shop.url, "select customer_number from customers where email = 'taro@example.jp' or customer_number = 'C-1001'"), []);
        assert.deepEqual(await pgExec(estate.shop.url, "select token_id from payment_tokens where customer_number = 'C-1001'"), []);
        assert.deepEqual(afterRun.shop.orders, before.shop.orders, 'held orders stay');
        assert.deepEqual(afterRun.shop.addresses, before.shop.addresses, 'shared addresses stay');
        assert.deepEqual(
          afterRun.shop.customers?.find((x) => x.customer_number === 'C-1002'),
          before.shop.customers?.find((x) => x.customer_number === 'C-1002'),
          'Hanako is untouched',
        );

        const done = await fulfillment(r.id);
        const run = done.runs.find((x) => x.id === erasure.runId);
        assert.equal(run?.status, 'completed');
        assert.ok(run && run.steps.length > 0 && run.steps.every((s) => s.status === 'done' && s.changed === s.planned), JSON.stringify(run?.steps));
        const executed = (await events(r.id)).filter((e) => e.kind === 'fulfillment.executed');
        assert.deepEqual(executed.map((e) => e.data.status), ['completed']);
        assert.deepEqual(
          done.tasks.filter((x) => x.action === 'erasure').map((x) => [x.system, x.owner, x.status]),
          [['paper_records', owner.staffId, 'open']],
          'after approval the paper owner gets the erasure task',
        );

        // Carrying it out again changes nothing; only someone who may decide can ask.
        const byHandler = await handler.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/fulfillment/erasure/execute` });
        assert.equal(byHandler.statusCode, 403);
        const again = await officer.inject({ method: 'POST', url: `/api/admin/requests/${r.id}/fulfillment/erasure/execute` });
        assert.equal(again.statusCode, 200, again.body);
        assert.equal((again.json() as { execution: { status: string; changed: number } }).execution.status, 'already_done');
        assert.deepEqual(await estate.snapshot(), afterRun, 'the second execution writes nothing');

        const audit = await auditText();
        for (const p of PERSONAL) assert.ok(!audit.includes(p), `no ${p} in the audit log`);
      } finally {
        await estate.close();
      }
    });

    test('a correction written into the approved decision is applied and read back; without one it stays with staff', async () => {
      const estate = await createEstate();
      try {
        await connectEstate(estate);
        const r = await inProgress('correction', 'taro@example.jp');
        await runJobsUntilIdle(t.ctx, registry);
        // Staff see what is held before they decide (a search, nothing changed).
        assert.ok((await listFindings(t.ctx.db, r.id)).some((f) => f.collection === 'shop.customers' && f.rowCount === 1));
        await decide(r.id, {
          outcome: 'done',
          details: '電話番号を訂正しました。\n訂正 shop_db:shop.customers.phone = 080-9999-0000',
        });
        await runJobsUntilIdle(t.ctx, registry);
        const rows = await pgExec(estate.shop.url, "select customer_number, phone from customers order by customer_number");
        assert.deepEqual(rows, [
          { customer_number: 'C-1001', phone: '080-9999-0000' },
          { customer_number: 'C-1002', phone: '090-3333-4444' },
        ]);
        const executed = (await events(r.id)).filter((e) => e.kind === 'fulfillment.executed').map((e) => e.data);
        assert.deepEqual(executed.map((d) => [d.action, d.status, d.changed]), [['correction', 'completed', 1]]);
        const audit = await auditText();
        assert.ok(audit.includes('fulfillment.correction_run'));
        assert.ok(!audit.includes('080-9999-0000') && !audit.includes('090-1111-2222'), 'hashes, not values');

        const plain = await inProgress('correction', 'hanako@example.jp');
        await runJobsUntilIdle(t.ctx, registry);
        await decide(plain.id, { outcome: 'done', details: '住所を訂正しました。' });
        await runJobsUntilIdle(t.ctx, registry);
        const left = (await events(plain.id)).filter((e) => e.kind === 'fulfillment.executed').map((e) => e.data.status);
        assert.deepEqual(left, ['left_to_staff']);
        assert.equal((await pgExec(estate.shop.url, "select phone from customers where customer_number = 'C-1002'"))[0]?.phone, '090-3333-4444');
      } finally {
        await estate.close();
      }
    });

    test('a system that is down fails only its collections; the retry finds them without writing anything twice', async () => {
      const estate = await createEstate();
      try {
        await connectEstate(estate, { SUPPORT_DESK_URL: 'mysql://root@127.0.0.1:1/none' });
        const r = await inProgress('disclosure', 'hanako@example.jp');
        await runJobsUntilIdle(t.ctx, registry);

        const first = await listFindings(t.ctx.db, r.id);
        assert.ok(first.some((f) => f.collection === 'shop.customers'));
        assert.ok(!first.some((f) => f.systemName === 'support_desk'), 'the desk was not searched');
        const failedRun = (await events(r.id)).find((e) => e.kind === 'fulfillment.run');
        assert.equal(failedRun?.data.status, 'partial');
        const failed = failedRun?.data.failed as string[];
        assert.ok(failed.some((x) => x.startsWith('support_desk:helpdesk.tickets (')), JSON.stringify(failed));
        assert.ok(failed.every((x) => x.startsWith('support_desk:')), 'only the desk failed');
        assert.ok(!(await events(r.id)).some((e) => e.kind === 'fulfillment.started'), 'the start job is still to finish');
        const job = await t.ctx.db.selectFrom('jobs').select(['status', 'attempts', 'last_error']).where('idempotency_key', '=', `fulfil:${r.id}`).executeTakeFirstOrThrow();
        assert.deepEqual([job.status, job.attempts], ['queued', 1], 'the start job waits for its retry');
        assert.doesNotMatch(String(job.last_error), /hanako|C-1002/);

        // The desk is back; the retry (after its backoff) adds only what was missing.
        t.ctx.env = { SUPPORT_DESK_URL: estate.desk.url };
        t.clock.advance(2 * HOUR_MS);
        await runJobsUntilIdle(t.ctx, registry);
        const second = await listFindings(t.ctx.db, r.id);
        const keys = second.map((f) => `${f.systemName}:${f.collection}`);
        assert.equal(new Set(keys).size, keys.length, 'no collection has two findings');
        assert.deepEqual(second.filter((f) => f.systemName === 'support_desk').map((f) => [f.collection, f.rowCount]).sort(), [
          ['helpdesk.messages', 1],
          ['helpdesk.tickets', 1],
        ]);
        assert.deepEqual(
          second.filter((f) => first.some((x) => x.id === f.id)).map((f) => f.id),
          first.map((f) => f.id),
          'the findings of the first attempt are kept as they were',
        );
        assert.deepEqual((await events(r.id)).find((e) => e.kind === 'fulfillment.started')?.data, { provider: 'engine' });
        const tasks = await t.ctx.db.selectFrom('fulfillment_tasks').select(['system', 'action']).where('request_id', '=', r.id).execute();
        assert.deepEqual(tasks, [{ system: 'paper_records', action: 'access' }], 'the owner’s task was created once');
      } finally {
        await estate.close();
      }
    });
  });
}
