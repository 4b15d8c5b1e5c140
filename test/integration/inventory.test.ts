// The data map in the database, on PGlite and PostgreSQL: import replaces systems in one
// transaction and writes nothing when any problem is found, the stored map reads back equal to
// what was imported, Fides files resolve references against stored systems and export back as
// they came, the ledger and exports are audited, review reminders go out once, and the CLI.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import { parse } from 'yaml';
import { registerDatamapCommands } from '../../src/cli/datamap.command.ts';
import { CliExit } from '../../src/cli/context.ts';
import { SYSTEM_ACTOR } from '../../src/domains/audit/audit.actions.ts';
import { assembleDataMap, type DataMapInput } from '../../src/domains/inventory/datamap-assemble.ts';
import { remindOverdueReviews } from '../../src/domains/inventory/inventory.jobs.ts';
import {
  exportDataMap,
  exportLedger,
  importDataMap,
  listSystemSummaries,
  loadDataMap,
  recordSystemReview,
} from '../../src/domains/inventory/inventory.service.ts';
import { createStaff } from '../../src/domains/staff/staff.service.ts';
import type { Db } from '../../src/db/database.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXAMPLES = path.join(ROOT, 'examples/datamap');
const FIDES = path.resolve(ROOT, '../shared/fixtures/fides/datasets');
const ACTOR = { type: 'system' as const, id: 'test' };

function examples(): DataMapInput[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => ({ file: f, text: readFileSync(path.join(EXAMPLES, f), 'utf8') }));
}

function fides(name: string, system: string): DataMapInput {
  return { file: name, text: readFileSync(path.join(FIDES, name), 'utf8'), fidesSystem: system };
}

const TABLES = ['inventory_systems', 'inventory_datasets', 'inventory_collections', 'inventory_fields', 'inventory_field_references', 'inventory_legal_holds'] as const;

async function counts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    const row = await db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[t] = Number(row.n);
  }
  const audit = await db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  out.audit_log = Number(audit.n);
  return out;
}

async function auditActions(db: Db, action: string) {
  return db.selectFrom('audit_log').select(['action', 'details', 'actor_id']).where('action', '=', action).orderBy('seq').execute();
}

function byName<T extends { name: string }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => a.name.localeCompare(b.name));
}

for (const engine of ENGINES) {
  describe(`data map in the database [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(async () => {
      await t.close();
    });

    test('importing the example map stores every system, and it reads back equal to the files', async () => {
      const result = await importDataMap(t.ctx, examples(), { actor: ACTOR });
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.ok(result.ok);
      assert.deepEqual(byName(result.systems).map((s) => [s.name, s.created]), [
        ['loyalty_points', true],
        ['paper_records', true],
        ['shop_db', true],
        ['support_desk', true],
        ['web_sessions', true],
      ]);
      const stored = await loadDataMap(t.ctx.db);
      const expected = assembleDataMap(examples(), null).map;
      assert.deepStrictEqual(byName(stored.systems), byName(expected.systems));
      const audits = await auditActions(t.ctx.db, 'datamap.imported');
      assert.equal(audits.length, 5);
      const shop = audits.find((a) => (a.details as { system?: string }).system === 'shop_db');
      assert.deepEqual({ ...(shop?.details as object), files: undefined }, { system: 'shop_db', created: true, datasets: 1, collections: 5, fields: 30, specialCareFields: 1, files: undefined });
    });

    test('the summaries count fields and special-care fields and say whether the review is overdue', async () => {
      t.clock.set(new Date('2026-05-01T00:00:00Z'));
      const list = await listSystemSummaries(t.ctx);
      const desk = list.find((s) => s.name === 'support_desk');
      assert.deepEqual(desk && { fields: desk.fields, specialCareFields: desk.specialCareFields, due: desk.reviewDueOn, overdue: desk.reviewOverdue }, {
        fields: 9,
        specialCareFields: 1,
        due: '2027-06-01',
        overdue: false,
      });
      assert.equal(list.find((s) => s.name === 'loyalty_points')?.reviewOverdue, false);
      t.clock.set(new Date('2027-03-02T00:00:00Z'));
      assert.equal((await listSystemSummaries(t.ctx)).find((s) => s.name === 'loyalty_points')?.reviewOverdue, true);
    });

    test('a refused import writes nothing, and lists every problem of every file', async () => {
      const before = await counts(t.ctx.db);
      const bad: DataMapInput = {
        file: 'bad.yml',
        text: readFileSync(path.join(EXAMPLES, 'sessions.yml'), 'utf8')
          .replace('[user.device.ip_address]', '[user.device.ip]')
          .replace('field: customers.customer_number', 'field: customers.member_no'),
      };
      const result = await importDataMap(t.ctx, [bad, { file: 'fides.yml', text: readFileSync(path.join(FIDES, 'postgres_example_invalid_masking_strategy_override_dataset.yml'), 'utf8') }], { actor: ACTOR });
      assert.equal(result.ok, false);
      assert.ok(!result.ok);
      assert.deepEqual(result.errors.map((e) => [e.file, e.path, e.code]).sort(), [
        ['bad.yml', 'systems[0].datasets[0].collections[0].fields[1].references[0].field', 'missing_field'],
        ['bad.yml', 'systems[0].datasets[0].collections[0].fields[2].data_categories[0]', 'unknown_category'],
        ['fides.yml', 'dataset[0].collections[1].fields[2].fides_meta.masking_strategy_override.strategy', 'erase_strategy_not_allowed'],
      ]);
      assert.deepEqual(await counts(t.ctx.db), before);
    });

    test('replacing a system so that a stored system loses its reference target is refused', async () => {
      const before = await counts(t.ctx.db);
      const shop = readFileSync(path.join(EXAMPLES, 'shop-db.yml'), 'utf8').replace('- name: customer_number\n                description: 会員番号', '- name: member_number\n                description: 会員番号');
      const result = await importDataMap(t.ctx, [{ file: 'shop-db.yml', text: shop }], { actor: ACTOR });
      assert.ok(!result.ok);
      const stored = result.errors.filter((e) => e.file === '(stored data map)');
      assert.ok(stored.length >= 4, JSON.stringify(result.errors));
      assert.ok(stored.some((e) => e.path === 'systems[support_desk].datasets[helpdesk].collections[tickets].fields[customer_number].references[0].field' && e.code === 'missing_field'));
      assert.deepEqual(await counts(t.ctx.db), before);
    });

    test('importing a system again replaces it in place', async () => {
      const text = readFileSync(path.join(EXAMPLES, 'sessions.yml'), 'utf8').replace('              - name: cart\n', '              - name: basket\n');
      const idBefore = await t.ctx.db.selectFrom('inventory_systems').select('id').where('name', '=', 'web_sessions').executeTakeFirstOrThrow();
      const result = await importDataMap(t.ctx, [{ file: 'sessions.yml', text }], { actor: ACTOR });
      assert.ok(result.ok);
      assert.deepEqual(result.systems.map((s) => [s.name, s.created]), [['web_sessions', false]]);
      const idAfter = await t.ctx.db.selectFrom('inventory_systems').select('id').where('name', '=', 'web_sessions').executeTakeFirstOrThrow();
      assert.equal(idAfter.id, idBefore.id);
      const map = await loadDataMap(t.ctx.db, { systems: ['web_sessions'] });
      assert.deepEqual(map.systems[0]?.datasets[0]?.collections[0]?.fields.map((f) => f.name), ['session_id', 'customer_number', 'ip_address', 'user_agent', 'basket']);
    });

    test('the YAML export of the database parses back to the stored map', async () => {
      const exported = await exportDataMap(t.ctx, { format: 'yaml' }, ACTOR);
      const reparsed = assembleDataMap([{ file: 'export.yml', text: exported.text }], null);
      assert.deepEqual(reparsed.errors, []);
      assert.deepStrictEqual(byName(reparsed.map.systems), byName((await loadDataMap(t.ctx.db)).systems));
      assert.ok((await auditActions(t.ctx.db, 'datamap.exported')).length >= 1);
    });

    test('Fides files import into named systems, reach across systems, and export back as they came', async () => {
      const pg = await importDataMap(t.ctx, [fides('postgres_example_test_dataset.yml', 'pg_example')], { actor: ACTOR });
      assert.ok(pg.ok, JSON.stringify(pg));
      // The email dataset refers to the Postgres dataset, now stored in another system.
      const email = await importDataMap(t.ctx, [fides('email_dataset.yml', 'email_inbox'), fides('manual_dataset.yml', 'filing')], { actor: ACTOR });
      assert.ok(email.ok, JSON.stringify(email));
      for (const [system, file] of [
        ['pg_example', 'postgres_example_test_dataset.yml'],
        ['email_inbox', 'email_dataset.yml'],
        ['filing', 'manual_dataset.yml'],
      ] as const) {
        const out = await exportDataMap(t.ctx, { format: 'fides', systems: [system] }, ACTOR);
        assert.deepStrictEqual(parse(out.text), parse(readFileSync(path.join(FIDES, file), 'utf8')), file);
      }
      // Without the Postgres system the same reference is refused.
      const alone = assembleDataMap([fides('email_dataset.yml', 'email_inbox')], null);
      assert.ok(alone.errors.some((e) => e.code === 'missing_dataset' && e.path === 'dataset[0].collections[0].fields[1].fides_meta.references[0].dataset'));
    });

    test('a Fides file imported into a described system adds its datasets and keeps the description', async () => {
      const result = await importDataMap(t.ctx, [fides('postgres_example_custom_request_field_dataset.yml', 'shop_db')], { actor: ACTOR });
      assert.ok(result.ok, JSON.stringify(result));
      const [shop] = (await loadDataMap(t.ctx.db, { systems: ['shop_db'] })).systems;
      assert.equal(shop?.owner, 'stf_aoba_ec_manager');
      assert.deepEqual(shop?.datasets.map((d) => d.name), ['shop', 'postgres_example_custom_request_field_dataset']);
      assert.ok(result.warnings.some((w) => w.code === 'unreachable_collection'));
    });

    test('the ledger export is audited and has one row per field and personal category', async () => {
      const csv = await exportLedger(t.ctx, 'csv', ACTOR);
      const text = csv.body.toString('utf8');
      assert.ok(text.startsWith('\uFEFF'));
      assert.equal(text.trimEnd().split('\r\n').length, csv.rows + 2);
      assert.match(csv.filename, /^personal-data-ledger-\d{4}-\d{2}-\d{2}\.csv$/);
      const xlsx = await exportLedger(t.ctx, 'xlsx', ACTOR);
      assert.equal(xlsx.body.subarray(0, 2).toString('latin1'), 'PK');
      const audits = await auditActions(t.ctx.db, 'datamap.ledger_exported');
      assert.deepEqual(audits.map((a) => (a.details as { format: string }).format), ['csv', 'xlsx']);
    });
  });

  describe(`ledger review reminders [${engine}]`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(async () => {
      await t.close();
    });

    test('the owner of an overdue system gets one reminder, not two, and none after the review is recorded', async () => {
      t.clock.set(new Date('2026-01-05T00:00:00Z'));
      const owner = await createStaff(t.ctx, { email: 'owner@aoba.example', role: 'system_owner', displayName: '青葉 太郎' }, SYSTEM_ACTOR);
      const ownerId = owner.staff.id;
      const text = readFileSync(path.join(EXAMPLES, 'sessions.yml'), 'utf8')
        .replace('owner: stf_aoba_it_admin', `owner: ${ownerId}`)
        .replace('last_reviewed_on: 2026-05-20', 'last_reviewed_on: 2024-12-01')
        .replace(/system: shop_db\n\s+dataset: shop\n\s+field: customers.customer_number\n\s+direction: from/, 'dataset: session_store\n                    field: session.session_id\n                    direction: from');
      const imported = await importDataMap(t.ctx, [{ file: 'sessions.yml', text }], { actor: ACTOR });
      assert.ok(imported.ok, JSON.stringify(imported));
      const neverReviewed = await importDataMap(t.ctx, [{ file: 'bare.yml', text: 'madoguchi_datamap: 1\nsystems:\n  - name: bare\n    datasets: []\n' }], { actor: ACTOR });
      assert.ok(neverReviewed.ok);

      const first = await remindOverdueReviews(t.ctx);
      assert.deepEqual(first, { reminded: ['web_sessions'], noOwner: ['bare'] });
      const mails = await t.ctx.db.selectFrom('outbox').select(['template', 'related_type']).execute();
      assert.deepEqual(mails, [{ template: 'inventory.review_overdue', related_type: 'inventory_system' }]);
      const audit = await auditActions(t.ctx.db, 'datamap.review_reminded');
      assert.deepEqual(audit.map((a) => a.details), [{ system: 'web_sessions', dueOn: '2025-12-01', owner: ownerId }]);

      const second = await remindOverdueReviews(t.ctx);
      assert.deepEqual(second.reminded, []);
      t.clock.advance(31 * 24 * 3600 * 1000);
      assert.deepEqual((await remindOverdueReviews(t.ctx)).reminded, ['web_sessions']);

      const summary = await recordSystemReview(t.ctx, 'web_sessions', { reviewer: ownerId }, { type: 'staff', id: ownerId });
      assert.equal(summary.reviewOverdue, false);
      t.clock.advance(40 * 24 * 3600 * 1000);
      assert.deepEqual((await remindOverdueReviews(t.ctx)).reminded, []);
      assert.equal((await t.ctx.db.selectFrom('outbox').select('id').execute()).length, 2);
    });
  });

  describe(`madoguchi datamap (CLI) [${engine}]`, () => {
    let dir: string;
    let env: Record<string, string>;
    let t: TestApp | null = null;
    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'mdg-datamap-cli-'));
      env = { MADOGUCHI_DATA_DIR: dir, MADOGUCHI_MASTER_KEY: randomBytes(32).toString('base64'), MADOGUCHI_LOG_LEVEL: 'silent' };
      if (engine === 'postgres') {
        // The CLI opens the database itself: give it the URL of a fresh test database.
        t = await startTestApp(engine);
        assert.ok(t.database.url);
        env.DATABASE_URL = t.database.url;
      }
    });
    after(async () => {
      await t?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
      const out: string[] = [];
      const err: string[] = [];
      const program = new Command('madoguchi').exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
      registerDatamapCommands(program, { env, cwd: ROOT, out: (l) => out.push(l), err: (l) => err.push(l) });
      let code = 0;
      try {
        await program.parseAsync(['node', 'madoguchi', 'datamap', ...args]);
      } catch (e) {
        if (e instanceof CliExit) code = e.exitCode;
        else throw e;
      }
      return { code, out: out.join('\n'), err: err.join('\n') };
    }

    const exampleArgs = () => readdirSync(EXAMPLES).filter((f) => f.endsWith('.yml')).sort().map((f) => `examples/datamap/${f}`);

    test('validate: the examples pass; a broken file fails with exit 1 and file:line: path', async () => {
      const ok = await run('validate', ...exampleArgs());
      assert.equal(ok.code, 0, ok.err);
      assert.match(ok.out, /^OK: 5 files, 5 systems/);
      const broken = path.join(dir, 'broken.yml');
      writeFileSync(broken, readFileSync(path.join(EXAMPLES, 'sessions.yml'), 'utf8').replace('erase: delete_row', 'erase: burn'));
      const bad = await run('validate', ...exampleArgs().filter((f) => !f.endsWith('sessions.yml')), broken);
      assert.equal(bad.code, 1);
      assert.match(bad.err, /broken\.yml:\d+: error: systems\[0\]\.datasets\[0\]\.collections\[0\]\.erase: 'burn' cannot be used here: only delete_row \[erase_strategy_not_allowed\]|broken\.yml:\d+: error: systems\[0\]\.datasets\[0\]\.collections\[0\]\.erase: unknown erasure strategy "burn"/);
      assert.match(bad.err, /Refused: 1 problem/);
    });

    test('import (our files and a Fides file together), export as Fides, and the ledger as Excel', async () => {
      // Each command opens the database on its own, as a person running it would.
      const imported = await run('import', ...exampleArgs(), path.join(FIDES, 'postgres_example_test_dataset.yml'), '--system', 'pg_example');
      assert.equal(imported.code, 0, imported.err);
      assert.match(imported.out, /created {2}shop_db: 1 dataset, 5 collections, 30 fields/);
      assert.match(imported.out, /created {2}pg_example: 1 dataset, 11 collections, 48 fields/);
      assert.match(imported.out, /Imported 6 systems/);
      const fidesOut = await run('export', '--format', 'fides', '--system', 'pg_example');
      assert.equal(fidesOut.code, 0, fidesOut.err);
      assert.deepStrictEqual(parse(fidesOut.out), parse(readFileSync(path.join(FIDES, 'postgres_example_test_dataset.yml'), 'utf8')));
      const ledger = path.join(dir, 'ledger.xlsx');
      const res = await run('ledger', '--output', ledger);
      assert.equal(res.code, 0, res.err);
      assert.match(res.out, /^Wrote \d+ rows to .*ledger\.xlsx \(xlsx\)\.$/);
      assert.equal(readFileSync(ledger).subarray(0, 2).toString('latin1'), 'PK');
    });
  });
}
