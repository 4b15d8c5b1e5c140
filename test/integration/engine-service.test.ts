// The engine inside Madoguchi (both engines of its own database): stored connections (an
// environment variable or an encrypted URL), connection tests, erasure runs that are planned,
// stored and resumed per collection without doing anything twice, manual tasks kept encrypted,
// corrections audited by hashes, restrictions applications can look up — and no personal data
// in any audit entry.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { registerConnectionCommands } from '../../src/cli/connection.command.ts';
import { CliExit, type CliEnvironment } from '../../src/cli/context.ts';
import { listAudit } from '../../src/domains/audit/audit.service.ts';
import { listConnections, resolveConnection, saveConnection, testConnection } from '../../src/domains/fulfillment/connections.ts';
import * as repo from '../../src/domains/fulfillment/engine.repository.ts';
import {
  activeRestrictionsFor,
  completeManualTask,
  executeErasureRun,
  listManualTasks,
  planErasureRun,
  readManualTask,
  runEngineAccess,
  runEngineCorrection,
  runEngineRestriction,
  type EngineContext,
} from '../../src/domains/fulfillment/engine.service.ts';
import { buildPlan } from '../../src/domains/fulfillment/planner.ts';
import { AppError } from '../../src/lib/errors.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';
import { createEstate, estateMap, type Estate } from '../fixtures/engine/estate.ts';
import { pgExec, REDIS_SERVER } from '../fixtures/engine/fides-databases.ts';

const TARO = [{ id: 'subject', identities: { email: ['taro@example.jp'] } }];
const STAFF = { type: 'staff' as const, id: 'stf_engine_test' };
const FAST = { retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 } };

for (const engine of ENGINES) {
  describe(`the fulfilment engine in Madoguchi [${engine}]`, () => {
    let t: TestApp;
    let estate: Estate;
    let env: Record<string, string>;
    const e = (overrides: Partial<EngineContext> = {}): EngineContext => ({ ctx: t.ctx, env, actor: STAFF, options: FAST, ...overrides });

    before(async () => {
      t = await startTestApp(engine);
      estate = await createEstate();
      env = { SUPPORT_DESK_URL: estate.desk.url };
      const specs = estate.specs();
      await saveConnection(t.ctx, STAFF, { name: 'shop_db_readwrite', url: estate.shop.url, options: specs.get('shop_db_readwrite')?.options });
      await saveConnection(t.ctx, STAFF, { name: 'support_desk', kind: 'mysql', env: 'SUPPORT_DESK_URL' });
      await saveConnection(t.ctx, STAFF, { name: 'web_sessions', url: REDIS_SERVER, options: specs.get('web_sessions')?.options });
      await saveConnection(t.ctx, STAFF, { name: 'loyalty_api', url: estate.loyalty.url });
    });
    after(async () => {
      await estate?.close();
      await t?.close();
    });

    test('connections keep their secret out of sight and are tested for reachability and writing', async () => {
      const list = await listConnections(t.ctx);
      assert.deepEqual(
        list.map((c) => [c.name, c.kind, c.secretSource, c.envVar]),
        [
          ['loyalty_api', 'http', 'vault', null],
          ['shop_db_readwrite', 'postgresql', 'vault', null],
          ['support_desk', 'mysql', 'env', 'SUPPORT_DESK_URL'],
          ['web_sessions', 'redis', 'vault', null],
        ],
      );
      const stored = await t.ctx.db.selectFrom('fulfillment_connections').selectAll().execute();
      assert.ok(!JSON.stringify(stored).includes(estate.shop.name), 'the URL is not stored in plain text');
      await assert.rejects(resolveConnection(t.ctx, {}, 'support_desk'), (err: unknown) => err instanceof AppError && err.code === 'validation_failed');
      await assert.rejects(
        saveConnection(t.ctx, STAFF, { name: 'bad', url: 'postgres://x/y', kind: 'mysql' }),
        (err: unknown) => err instanceof AppError && err.details.some((d) => d.path === 'kind'),
      );
      const check = await testConnection(t.ctx, env, STAFF, 'shop_db_readwrite', [{ dataset: 'shop', collection: 'customers', fields: ['customer_number'] }]);
      assert.deepEqual([check.reachable, check.canWrite], [true, true]);
      const desk = await testConnection(t.ctx, env, STAFF, 'support_desk');
      assert.equal(desk.reachable, true);
      const loyalty = await testConnection(t.ctx, env, STAFF, 'loyalty_api');
      assert.deepEqual([loyalty.reachable, loyalty.canWrite], [true, true]);
      const audit = (await listAudit(t.ctx.db, { limit: 200 })).entries.filter((a) => a.action.startsWith('connection.'));
      assert.equal(audit.filter((a) => a.action === 'connection.created').length, 4);
      assert.equal(audit.filter((a) => a.action === 'connection.tested').length, 3);
      assert.ok(!JSON.stringify(audit).includes('127.0.0.1'), 'no address in the audit log');
    });

    test('the connection commands describe themselves and refuse bad names', async () => {
      const run = async (args: string[]) => {
        const out: string[] = [];
        const err: string[] = [];
        const cli: CliEnvironment = { env: {}, cwd: process.cwd(), out: (l) => out.push(l), err: (l) => err.push(l) };
        const program = new Command('madoguchi').exitOverride().configureOutput({ writeOut: (s) => cli.out(s.trimEnd()), writeErr: (s) => cli.err(s.trimEnd()) });
        registerConnectionCommands(program, cli);
        let code = 0;
        try {
          await program.parseAsync(['node', 'madoguchi', ...args]);
        } catch (e2) {
          if (e2 instanceof CliExit || e2 instanceof CommanderError) code = e2.exitCode;
          else throw e2;
        }
        return { out: out.join('\n'), err: err.join('\n'), code };
      };
      const help = await run(['connection', 'test', '--help']);
      assert.match(help.out, /Check that the system answers and that the credentials can write/);
      const unknown = await run(['connection', 'test', 'bad name!']);
      assert.notEqual(unknown.code, 0);
    });

    test('erasure runs are stored, and a failed system is resumed later without repeating what was done', async () => {
      const plan = buildPlan(estateMap(), ['email']);
      const planned = await planErasureRun(e({ requestId: null }), { plan, subjects: TARO, categories: ['user'] });
      const steps = await repo.listSteps(t.ctx.db, planned.runId);
      assert.deepEqual(steps.map((s) => s.node).sort(), [
        'loyalty_points:loyalty_api.members',
        'shop_db:shop.customers',
        'shop_db:shop.payment_tokens',
        'support_desk:helpdesk.messages',
        'support_desk:helpdesk.tickets',
        'web_sessions:session_store.session',
      ]);
      assert.ok(steps.every((s) => s.status === 'pending'));
      const run = await repo.findRun(t.ctx.db, planned.runId);
      assert.equal(run?.status, 'planned');
      assert.ok(!JSON.stringify(run?.summary).includes('taro'), 'the summary has counts, not values');

      // The support desk cannot be reached this time.
      const first = await executeErasureRun(e({ env: { SUPPORT_DESK_URL: 'mysql://root@127.0.0.1:1/none' } }), planned.runId);
      const byId = new Map(first.collections.map((c) => [c.id, c]));
      assert.equal(byId.get('support_desk:helpdesk.tickets')?.status, 'failed');
      assert.equal(byId.get('shop_db:shop.payment_tokens')?.status, 'changed');
      assert.equal((await repo.findRun(t.ctx.db, planned.runId))?.status, 'partial');
      assert.equal((await pgExec(estate.shop.url, "select count(*)::int as n from payment_tokens where token_id = 'T-1'"))[0]?.n, 0);

      // Someone restores the token from a backup; the resumed run must not delete it a second time.
      await pgExec(estate.shop.url, "insert into payment_tokens values ('T-1', 'C-1001', 'tok_restored', '4242')");
      const second = await executeErasureRun(e(), planned.runId);
      const again = new Map(second.collections.map((c) => [c.id, c]));
      assert.equal(again.get('shop_db:shop.payment_tokens')?.status, 'already_done');
      assert.equal(again.get('support_desk:helpdesk.tickets')?.status, 'changed');
      assert.equal(again.get('support_desk:helpdesk.tickets')?.changed, 2);
      assert.equal(again.get('support_desk:helpdesk.messages')?.changed, 3);
      assert.equal((await pgExec(estate.shop.url, "select count(*)::int as n from payment_tokens where token_id = 'T-1'"))[0]?.n, 1);
      assert.equal((await repo.findRun(t.ctx.db, planned.runId))?.status, 'completed');
      assert.ok((await repo.listSteps(t.ctx.db, planned.runId)).every((s) => s.status === 'done'));

      // The paper records: a task for their owner, its checklist encrypted, completed once.
      const tasks = await listManualTasks(t.ctx, { runId: planned.runId });
      assert.deepEqual(tasks.map((x) => [x.system, x.owner, x.status]), [['paper_records', 'stf_aoba_gm_office', 'open']]);
      const task = tasks[0];
      assert.ok(task);
      const { checklist } = await readManualTask(t.ctx, task.id);
      assert.deepEqual(checklist.items.find((i) => i.collection === 'paper.catalog_applications')?.searchBy, [{ field: 'customer_number', values: ['C-1001'] }]);
      await completeManualTask(t.ctx, STAFF, task.id, { recordsHandled: 1, note: 'shredded', records: [] });
      await assert.rejects(completeManualTask(t.ctx, STAFF, task.id, { recordsHandled: 1 }), (err: unknown) => err instanceof AppError && err.code === 'invalid_transition');
      await assert.rejects(completeManualTask(t.ctx, STAFF, 'ftask_nope', { recordsHandled: -1 }), (err: unknown) => err instanceof AppError && err.code === 'validation_failed');

      const audit = (await listAudit(t.ctx.db, { limit: 200 })).entries.filter((a) => a.action.startsWith('fulfillment.'));
      assert.deepEqual(
        audit.map((a) => a.action).filter((a) => a !== 'fulfillment.access_run' && a !== 'fulfillment.correction_run' && a !== 'fulfillment.restriction_applied').sort(),
        ['fulfillment.erasure_run', 'fulfillment.erasure_run', 'fulfillment.planned', 'fulfillment.task_completed', 'fulfillment.task_created'],
      );
      const text = JSON.stringify(audit);
      for (const personal of ['taro', 'C-1001', '山田', 'tok_']) assert.ok(!text.includes(personal), `no ${personal} in the audit log`);
    });

    test('access, correction and suspension runs are recorded and audited without values', async () => {
      const fresh = await createEstate();
      const specs = fresh.specs();
      const localEnv = { SUPPORT_DESK_URL: fresh.desk.url };
      await saveConnection(t.ctx, STAFF, { name: 'shop_db_readwrite', url: fresh.shop.url, options: specs.get('shop_db_readwrite')?.options });
      await saveConnection(t.ctx, STAFF, { name: 'web_sessions', url: REDIS_SERVER, options: specs.get('web_sessions')?.options });
      await saveConnection(t.ctx, STAFF, { name: 'loyalty_api', url: fresh.loyalty.url });
      try {
        const plan = buildPlan(estateMap(), ['email']);
        const access = await runEngineAccess(e({ env: localEnv }), { plan, subjects: TARO });
        assert.equal(access.result.collections.find((c) => c.collection === 'customers')?.rows[0]?.email, 'taro@example.jp');
        assert.equal(access.taskIds.length, 1);
        assert.equal((await repo.findRun(t.ctx.db, access.runId))?.status, 'completed');

        const corrected = await runEngineCorrection(e({ env: localEnv }), { plan, subjects: TARO, corrections: [{ node: 'shop_db:shop.customers', field: 'phone', value: '080-9999-0000' }] });
        assert.equal(corrected.result.collections[0]?.confirmed, true);
        const entry = (await listAudit(t.ctx.db, { limit: 50 })).entries.find((a) => a.action === 'fulfillment.correction_run');
        assert.equal(entry?.details.beforeHash, corrected.result.collections[0]?.beforeHash);
        assert.notEqual(entry?.details.beforeHash, entry?.details.afterHash);
        assert.ok(!JSON.stringify(entry).includes('080-'), 'the corrected value is not in the audit log');

        const restricted = await runEngineRestriction(e({ env: localEnv }), { plan, subjects: TARO, kind: 'suspend_use' });
        assert.equal(restricted.result.collections.find((c) => c.id === 'shop_db:shop.customers')?.status, 'applied');
        const active = await activeRestrictionsFor(t.ctx, 'Taro@Example.jp');
        assert.deepEqual(active.map((r) => [r.id, r.kind]), [[restricted.restrictionId, 'suspend_use']]);
        assert.deepEqual(await activeRestrictionsFor(t.ctx, 'hanako@example.jp'), []);
        const text = JSON.stringify((await listAudit(t.ctx.db, { limit: 200 })).entries);
        assert.ok(!text.includes('taro@example.jp'));
      } finally {
        await fresh.close();
      }
    });
  });
}
