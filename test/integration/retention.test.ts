import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { sql } from 'kysely';
import { bootstrap } from '../../src/app/bootstrap.ts';
import type { AppContext } from '../../src/app/context.ts';
import { registerRetentionCommands } from '../../src/cli/retention.command.ts';
import { CliExit, type CliEnvironment } from '../../src/cli/context.ts';
import { loadConfig } from '../../src/config/config.ts';
import { appendAudit, verifyAuditChain } from '../../src/domains/audit/audit.service.ts';
import { queueEmail } from '../../src/domains/mail/mail.service.ts';
import { initialClock } from '../../src/domains/requests/request-state.rules.ts';
import { addEvent, lockRequest, lookupHash, newReference, transition, SUBJECT_BLOB_KIND, DOCUMENT_BLOB_KIND } from '../../src/domains/requests/request.core.ts';
import type { RequestSubject } from '../../src/domains/requests/request.ts';
import { retentionSchedule } from '../../src/domains/retention/retention.jobs.ts';
import { runRetention } from '../../src/domains/retention/retention.service.ts';
import { createAppJobRegistry } from '../../src/jobs/app-jobs.ts';
import { enqueueDueSchedules } from '../../src/jobs/scheduler.ts';
import { runJobsUntilIdle } from '../../src/jobs/worker.ts';
import { AppError } from '../../src/lib/errors.ts';
import { fixedClock, DAY_MS, MINUTE_MS } from '../../src/lib/clock.ts';
import { hashToken, newId, newSecretToken } from '../../src/lib/ids.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { startTestApp, testEnv, type TestApp } from '../helpers/app.ts';
import { ENGINES, freshDatabase, type TestDatabase } from '../helpers/databases.ts';
import { sampleJpeg } from '../helpers/documents.ts';

type Ctx = Pick<AppContext, 'db' | 'vault' | 'clock'>;

/** What a seeded request stored: every blob id, by what it is. */
interface Seeded {
  id: string;
  reference: string;
  blobs: Record<string, string>;
  decisionId: string;
}

const SUBJECT: RequestSubject = {
  person: { name: '山田 太郎', address: { postalCode: '105-0022', text: '東京都港区海岸1-2-3' }, dateOfBirth: '1985-04-12', email: 'taro@example.test' },
  agent: null,
  contact: { email: 'taro@example.test' },
  concerns: { description: '会員アカウントに関する保有個人データ一式' },
};

/**
 * A disclosure request that went the whole way — documents (one My Number side destroyed),
 * a note and a message, a payment, findings, a partial decision with a withheld part and its
 * letter, a delivery package, an email — and completed at `completedAt` through the state
 * machine, so its retention date is the one the desk sets.
 */
async function seedCompletedRequest(base: Ctx, at: { receivedAt: Date; completedAt: Date }): Promise<Seeded> {
  const ctx = { ...base, clock: fixedClock(at.receivedAt) };
  const id = newId('req');
  const reference = newReference(at.receivedAt);
  const blobs: Record<string, string> = {};
  const now = at.receivedAt;
  const decisionId = newId('rdec');
  await base.db.transaction().execute(async (trx) => {
    blobs.subject = (await ctx.vault.storeJson(trx, { kind: SUBJECT_BLOB_KIND, value: SUBJECT, now })).id;
    const clock = initialClock(now, { targetDays: 14, escalationDays: 30 });
    await trx
      .insertInto('requests')
      .values({
        id,
        reference,
        type: 'disclosure',
        status: 'in_review',
        language: 'ja',
        requester_kind: 'principal',
        delivery_method: 'electronic',
        subject_blob_id: blobs.subject,
        email_lookup: await lookupHash(trx, ctx, 'email', SUBJECT.contact.email),
        name_lookup: await lookupHash(trx, ctx, 'name', SUBJECT.person.name),
        tracking_token_hash: hashToken(newSecretToken()),
        email_verified_at: now,
        received_at: now,
        due_at: clock.dueAt,
        escalation_at: clock.escalationAt,
        fee_yen: 1000,
        fee_status: 'paid',
        identity_verified_at: now,
        identity_verified_by: 'stf_handler',
        updated_at: now,
      })
      .execute();
    for (const [name, status] of [
      ['licence', 'received'],
      ['mynumber', 'destroyed'],
    ] as const) {
      const blob = await ctx.vault.store(trx, { kind: DOCUMENT_BLOB_KIND, contentType: 'image/jpeg', bytes: sampleJpeg(), now });
      blobs[name] = blob.id;
      if (status === 'destroyed') await ctx.vault.dispose(trx, blob.id, now);
      await trx
        .insertInto('request_documents')
        .values({
          id: newId('rdoc'),
          request_id: id,
          role: 'principal_identity',
          document_type: name === 'licence' ? 'drivers_license' : 'my_number_card',
          blob_id: blob.id,
          content_type: 'image/jpeg',
          byte_size: blob.byteSize,
          sha256: 'a'.repeat(64),
          status,
          uploaded_by: 'requester',
          uploaded_at: now,
          destroyed_reason: status === 'destroyed' ? 'individual_number' : null,
          destroyed_at: status === 'destroyed' ? now : null,
        })
        .execute();
    }
    await addEvent(trx, ctx, id, { kind: 'note', actor: { type: 'staff', id: 'stf_handler' }, text: '電話で住所を確認済み' });
    await addEvent(trx, ctx, id, { kind: 'message', actor: { type: 'staff', id: 'stf_handler' }, text: 'ご請求を受け付けました。', visibleToRequester: true });
    const textBlobs = await trx.selectFrom('request_events').select('text_blob_id').where('request_id', '=', id).orderBy('seq').execute();
    blobs.note = String(textBlobs[0]?.text_blob_id);
    blobs.message = String(textBlobs[1]?.text_blob_id);
    blobs.payer = (await ctx.vault.storeJson(trx, { kind: 'request.payer', value: { name: 'ヤマダ タロウ' }, now })).id;
    await trx
      .insertInto('request_payments')
      .values({ id: newId('rpay'), request_id: id, kind: 'payment', amount_yen: 1000, paid_on: '2026-01-10', payer_blob_id: blobs.payer, reference: 'TX-1', recorded_by: 'stf_handler', recorded_at: now })
      .execute();
    blobs.records = (await ctx.vault.storeJson(trx, { kind: 'request.finding', value: [{ email: 'taro@example.test', plan: 'gold' }], now })).id;
    blobs.file = (await ctx.vault.store(trx, { kind: 'request.finding', contentType: 'application/pdf', bytes: Buffer.from('%PDF-1.4 found'), now })).id;
    await trx
      .insertInto('request_findings')
      .values({ id: newId('rfnd'), request_id: id, source: 'manual', system_name: 'shop', collection: 'members', records_blob_id: blobs.records, row_count: 1, file_blob_id: blobs.file, file_name: 'crm.pdf', content_type: 'application/pdf', created_by: 'stf_handler', created_at: now })
      .execute();
    blobs.details = (await ctx.vault.storeJson(trx, { kind: 'request.decision', value: { note: '会員情報を開示' }, now })).id;
    blobs.letter = (await ctx.vault.store(trx, { kind: 'request.letter', contentType: 'application/pdf', bytes: Buffer.from('%PDF-1.4 letter'), now })).id;
    await trx
      .insertInto('request_decisions')
      .values({
        id: decisionId,
        request_id: id,
        version: 1,
        outcome: 'partial',
        withheld: JSON.stringify([{ part: 'internal fraud score', reason: 'business_impediment', explanation: 'Disclosing the score would defeat fraud checks.' }]),
        details_blob_id: blobs.details,
        letter_blob_id: blobs.letter,
        status: 'approved',
        drafted_by: 'stf_handler',
        drafted_at: now,
        approved_by: 'stf_officer',
        approved_at: now,
      })
      .execute();
    blobs.package = (await ctx.vault.store(trx, { kind: 'request.package', contentType: 'application/zip', bytes: Buffer.from('PK package'), now })).id;
    await trx
      .insertInto('request_deliveries')
      .values({ id: newId('rdel'), request_id: id, decision_id: decisionId, method: 'electronic', token_hash: hashToken(newSecretToken()), package_blob_id: blobs.package, expires_at: new Date(now.getTime() + 14 * DAY_MS), max_downloads: 3, created_at: now })
      .execute();
    const mail = await queueEmail(trx, ctx, {
      to: SUBJECT.contact.email,
      template: 'dev.test',
      language: 'ja',
      variables: { sentAt: now },
      related: { type: 'request', id },
    });
    const outbox = await trx.selectFrom('outbox').select('blob_id').where('id', '=', mail.id).executeTakeFirstOrThrow();
    blobs.email = outbox.blob_id;
    await appendAudit(trx, { action: 'request.submitted', actor: { type: 'requester', id }, target: { type: 'request', id }, at: now });
  });
  await base.db.transaction().execute(async (trx) => {
    const row = await lockRequest(trx, id);
    await transition(trx, { ...base, clock: fixedClock(at.completedAt) }, row, { event: 'approve_completed', actor: { type: 'staff', id: 'stf_officer' } });
  });
  return { id, reference, blobs, decisionId };
}

async function readable(ctx: Ctx, blobId: string): Promise<boolean> {
  try {
    await ctx.vault.read(ctx.db, blobId);
    return true;
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return false;
    throw err;
  }
}

async function retentionAudits(ctx: Ctx, requestId: string) {
  return ctx.db
    .selectFrom('audit_log')
    .select(['action', 'actor_id', 'details', 'at'])
    .where('action', '=', 'request.retention_disposed')
    .where('target_id', '=', requestId)
    .execute();
}

const LIVE_BLOBS = ['subject', 'licence', 'note', 'message', 'payer', 'records', 'file', 'details', 'letter', 'package', 'email'] as const;

for (const engine of ENGINES) {
  describe(`retention of request documents (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(async () => {
      await t.close();
    });

    test('one minute before the retention date nothing is disposed of; one minute after, everything personal is, and the record stays', async () => {
      const completedAt = new Date('2026-12-10T05:00:00.000Z');
      const seeded = await seedCompletedRequest(t.ctx, { receivedAt: new Date('2026-11-20T01:00:00.000Z'), completedAt });
      const row = await t.ctx.db.selectFrom('requests').selectAll().where('id', '=', seeded.id).executeTakeFirstOrThrow();
      assert.equal(row.retention_until?.toISOString(), '2027-12-10T05:00:00.000Z', 'twelve months after completion by default');

      const early = await runRetention(t.ctx, { now: new Date(Date.parse('2027-12-10T05:00:00.000Z') - MINUTE_MS), dryRun: false });
      assert.ok(!early.requests.some((r) => r.id === seeded.id));
      for (const name of LIVE_BLOBS) assert.equal(await readable(t.ctx, seeded.blobs[name] ?? ''), true, `${name} still readable before the date`);

      const due = new Date(Date.parse('2027-12-10T05:00:00.000Z') + MINUTE_MS);
      t.clock.set(due);
      const run = await runRetention(t.ctx, { now: due, dryRun: false });
      const mine = run.requests.find((r) => r.id === seeded.id);
      assert.ok(mine, 'the due request is in the run');
      assert.equal(mine.reference, seeded.reference);
      assert.ok(run.disposed >= 1);
      for (const name of LIVE_BLOBS) assert.equal(await readable(t.ctx, seeded.blobs[name] ?? ''), false, `${name} is gone`);
      // The data keys themselves are destroyed (crypto-shredding), not just the rows hidden.
      const keys = await t.ctx.db
        .selectFrom('encrypted_blobs as b')
        .innerJoin('data_keys as k', 'k.id', 'b.data_key_id')
        .select(['b.id', 'b.ciphertext', 'k.wrapped_key', 'k.destroyed_at'])
        .where('b.id', 'in', LIVE_BLOBS.map((n) => seeded.blobs[n] ?? ''))
        .execute();
      assert.equal(keys.length, LIVE_BLOBS.length);
      for (const k of keys) {
        assert.equal(k.wrapped_key, null);
        assert.equal(k.ciphertext, null);
        assert.ok(k.destroyed_at);
      }

      // The record stays: type, dates, status, decision outcome and the withheld reasons.
      const after = await t.ctx.db.selectFrom('requests').selectAll().where('id', '=', seeded.id).executeTakeFirstOrThrow();
      assert.equal(after.type, 'disclosure');
      assert.equal(after.status, 'completed');
      assert.equal(after.reference, seeded.reference);
      assert.equal(after.received_at.toISOString(), '2026-11-20T01:00:00.000Z');
      assert.equal(after.completed_at?.toISOString(), completedAt.toISOString());
      const disposedAt = after.disposed_at;
      assert.ok(disposedAt && disposedAt.getTime() >= due.getTime() && disposedAt.getTime() < due.getTime() + MINUTE_MS, 'disposed of when the run happened');
      assert.equal(after.email_lookup, null);
      assert.equal(after.name_lookup, null);
      const decision = await t.ctx.db.selectFrom('request_decisions').selectAll().where('id', '=', seeded.decisionId).executeTakeFirstOrThrow();
      assert.equal(decision.outcome, 'partial');
      assert.deepEqual(decision.withheld, [{ part: 'internal fraud score', reason: 'business_impediment', explanation: 'Disclosing the score would defeat fraud checks.' }]);
      const docs = await t.ctx.db.selectFrom('request_documents').select(['document_type', 'status', 'disposed_at']).where('request_id', '=', seeded.id).orderBy('document_type').execute();
      assert.deepEqual(
        docs.map((d) => [d.document_type, d.status, d.disposed_at?.toISOString() ?? null]),
        [
          ['drivers_license', 'disposed', disposedAt.toISOString()],
          ['my_number_card', 'destroyed', null],
        ],
      );
      const kinds = (await t.ctx.db.selectFrom('request_events').select('kind').where('request_id', '=', seeded.id).orderBy('seq').execute()).map((e) => e.kind);
      assert.deepEqual(kinds, ['note', 'message', 'status.approve_completed', 'retention.disposed'], 'the timeline keeps its kinds and records the disposal');

      // Audited once, with what, when and under which rule; ids and counts only.
      const audits = await retentionAudits(t.ctx, seeded.id);
      assert.equal(audits.length, 1);
      const details = audits[0]?.details as Record<string, unknown>;
      assert.equal(audits[0]?.at.toISOString(), disposedAt.toISOString());
      assert.equal(details.asOf, due.toISOString());
      assert.equal(details.months, 12);
      assert.equal(details.retentionUntil, '2027-12-10T05:00:00.000Z');
      assert.deepEqual(details.rules, ['documents_after_completion', 'contact_data_after_completion', 'correspondence_after_completion', 'answer_data_after_completion']);
      assert.deepEqual(details.counts, {
        document: 1, subject: 1, lookup_hashes: 1, payer_name: 1, event_text: 2, email: 1,
        finding_records: 1, finding_file: 1, decision_details: 1, decision_letter: 1, delivery_package: 1,
      });
      const items = details.items as Array<{ kind: string; id: string; rule: string }>;
      assert.ok(items.some((i) => i.kind === 'document' && i.id === seeded.blobs.licence && i.rule === 'documents_after_completion'));
      assert.equal(details.itemsTotal, 12);
      const text = JSON.stringify(audits);
      for (const personal of ['山田', 'taro@example.test', 'ヤマダ', '東京都']) assert.ok(!text.includes(personal), `no personal data in the audit entry (${personal})`);

      const chain = await verifyAuditChain(t.ctx.db);
      assert.equal(chain.ok, true);

      const again = await runRetention(t.ctx, { now: new Date(due.getTime() + DAY_MS), dryRun: false });
      assert.ok(!again.requests.some((r) => r.id === seeded.id), 'a second run disposes of nothing more');
      assert.equal((await retentionAudits(t.ctx, seeded.id)).length, 1);
    });

    test('a dry run lists the same items and changes nothing', async () => {
      const seeded = await seedCompletedRequest(t.ctx, { receivedAt: new Date('2026-03-01T00:00:00Z'), completedAt: new Date('2026-03-20T00:00:00Z') });
      const asOf = new Date('2027-03-21T00:00:00Z');
      const before = await t.ctx.db.selectFrom('requests').selectAll().where('id', '=', seeded.id).executeTakeFirstOrThrow();
      const dry = await runRetention(t.ctx, { now: asOf, dryRun: true });
      assert.equal(dry.dryRun, true);
      assert.equal(dry.disposed, 0);
      const mine = dry.requests.find((r) => r.id === seeded.id);
      assert.ok(mine);
      assert.deepEqual(new Set(mine.items.map((i) => i.id)), new Set([...LIVE_BLOBS.map((n) => seeded.blobs[n]), seeded.id]));
      for (const name of LIVE_BLOBS) assert.equal(await readable(t.ctx, seeded.blobs[name] ?? ''), true, name);
      const afterDry = await t.ctx.db.selectFrom('requests').selectAll().where('id', '=', seeded.id).executeTakeFirstOrThrow();
      assert.deepEqual(afterDry, before);
      assert.equal((await retentionAudits(t.ctx, seeded.id)).length, 0);

      const real = await runRetention(t.ctx, { now: asOf, dryRun: false });
      const done = real.requests.find((r) => r.id === seeded.id);
      assert.deepEqual(done?.items, mine.items, 'the real run disposes of exactly what the dry run listed');
    });

    test('open requests and requests completed recently are left alone', async () => {
      const recent = await seedCompletedRequest(t.ctx, { receivedAt: new Date('2027-05-01T00:00:00Z'), completedAt: new Date('2027-06-01T00:00:00Z') });
      const open = await seedCompletedRequest(t.ctx, { receivedAt: new Date('2025-01-01T00:00:00Z'), completedAt: new Date('2025-02-01T00:00:00Z') });
      // Undo the completion of the second: an open request has no retention date at all.
      await t.ctx.db.updateTable('requests').set({ status: 'in_progress', completed_at: null, retention_until: null }).where('id', '=', open.id).execute();
      const run = await runRetention(t.ctx, { now: new Date('2028-01-01T00:00:00Z'), dryRun: false });
      assert.ok(!run.requests.some((r) => r.id === recent.id || r.id === open.id));
      assert.equal(await readable(t.ctx, recent.blobs.licence ?? ''), true);
      assert.equal(await readable(t.ctx, open.blobs.licence ?? ''), true);
    });

    test('two runs at the same moment dispose of each request once', async () => {
      const seeded = await seedCompletedRequest(t.ctx, { receivedAt: new Date('2025-06-01T00:00:00Z'), completedAt: new Date('2025-07-01T00:00:00Z') });
      const asOf = new Date('2026-08-01T00:00:00Z');
      const [a, b] = await Promise.all([runRetention(t.ctx, { now: asOf, dryRun: false }), runRetention(t.ctx, { now: asOf, dryRun: false })]);
      const inA = a.requests.filter((r) => r.id === seeded.id).length;
      const inB = b.requests.filter((r) => r.id === seeded.id).length;
      assert.equal(inA + inB, 1);
      assert.equal((await retentionAudits(t.ctx, seeded.id)).length, 1);
      assert.equal((await verifyAuditChain(t.ctx.db)).ok, true);
    });

    test('a request whose disposal fails is rolled back whole and retried; the others are disposed of meanwhile', async () => {
      const broken = await seedCompletedRequest(t.ctx, { receivedAt: new Date('2025-03-01T00:00:00Z'), completedAt: new Date('2025-04-01T00:00:00Z') });
      const fine = await seedCompletedRequest(t.ctx, { receivedAt: new Date('2025-03-01T00:00:00Z'), completedAt: new Date('2025-04-01T00:00:00Z') });
      // A real failure inside the database for one request only: a trigger refusing its update.
      await sql`create function mdg_refuse_update() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$`.execute(t.ctx.db);
      await sql.raw(`create trigger mdg_refuse before update on requests for each row when (old.id = '${broken.id}') execute function mdg_refuse_update()`).execute(t.ctx.db);
      try {
        const run = await runRetention(t.ctx, { now: new Date('2026-05-01T00:00:00Z'), dryRun: false });
        assert.deepEqual(run.failed.map((f) => f.id), [broken.id]);
        assert.ok(run.requests.some((r) => r.id === fine.id));
        assert.equal(await readable(t.ctx, fine.blobs.licence ?? ''), false);
        assert.equal(await readable(t.ctx, broken.blobs.licence ?? ''), true, 'rolled back: nothing of it was disposed of');
        assert.equal((await retentionAudits(t.ctx, broken.id)).length, 0);
      } finally {
        await sql`drop trigger mdg_refuse on requests`.execute(t.ctx.db);
        await sql`drop function mdg_refuse_update()`.execute(t.ctx.db);
      }
      const retry = await runRetention(t.ctx, { now: new Date('2026-05-01T00:00:00Z'), dryRun: false });
      assert.deepEqual(retry.failed, []);
      assert.deepEqual(retry.requests.map((r) => r.id), [broken.id]);
      assert.equal(await readable(t.ctx, broken.blobs.licence ?? ''), false);
    });

    test('the daily schedule enqueues one job per slot and the job disposes of due requests', async () => {
      const seeded = await seedCompletedRequest(t.ctx, { receivedAt: new Date('2026-01-05T00:00:00Z'), completedAt: new Date('2026-02-05T00:00:00Z') });
      t.clock.set(new Date('2027-02-06T00:00:00Z'));
      const first = await enqueueDueSchedules(t.ctx, [retentionSchedule]);
      const second = await enqueueDueSchedules(t.ctx, [retentionSchedule]);
      assert.equal(first[0]?.created, true);
      assert.equal(second[0]?.created, false, 'the same slot is enqueued once');
      assert.equal(first[0]?.jobId, second[0]?.jobId);
      // 03:30 in Japan is 18:30 UTC the day before: 09:00 on 6 February in Japan is in the slot
      // that began at 03:30 that morning.
      assert.equal(first[0]?.slot.toISOString(), '2027-02-05T18:30:00.000Z');
      await runJobsUntilIdle(t.ctx, createAppJobRegistry());
      const job = await t.ctx.db.selectFrom('jobs').select(['status', 'type']).where('id', '=', first[0]?.jobId ?? '').executeTakeFirstOrThrow();
      assert.deepEqual(job, { status: 'succeeded', type: 'retention.run' });
      assert.equal(await readable(t.ctx, seeded.blobs.licence ?? ''), false);
      const audits = await retentionAudits(t.ctx, seeded.id);
      assert.equal(audits.length, 1);
      assert.equal(audits[0]?.actor_id, 'job:retention');
    });
  });
}

interface Run {
  out: string[];
  err: string[];
  exitCode: number;
}

/** Runs `madoguchi retention …` in this process, as bin/madoguchi.js would, capturing output. */
async function madoguchi(env: Record<string, string>, cwd: string, args: string[]): Promise<Run> {
  const run: Run = { out: [], err: [], exitCode: 0 };
  const cli: CliEnvironment = { env, cwd, out: (l) => run.out.push(l), err: (l) => run.err.push(l) };
  const program = new Command('madoguchi').exitOverride().configureOutput({ writeOut: (s) => cli.out(s.trimEnd()), writeErr: (s) => cli.err(s.trimEnd()) });
  registerRetentionCommands(program, cli);
  try {
    await program.parseAsync(['node', 'madoguchi', ...args]);
  } catch (err) {
    if (err instanceof CliExit || err instanceof CommanderError) run.exitCode = err.exitCode;
    else throw err;
  }
  return run;
}

for (const engine of ENGINES) {
  describe(`madoguchi retention run (${engine})`, () => {
    let dir: string;
    let env: Record<string, string>;
    let pg: TestDatabase | undefined;
    let due: Seeded;
    let later: Seeded;

    /** The database the command opens (PGlite allows one opener at a time, so briefly). */
    async function withCtx<T>(fn: (ctx: AppContext) => Promise<T>): Promise<T> {
      const booted = await bootstrap(loadConfig(env), { logger: createLogger('silent') });
      try {
        return await fn(booted.ctx);
      } finally {
        await booted.close();
      }
    }

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'mdg-retention-cli-'));
      if (engine === 'postgres') {
        pg = await freshDatabase('postgres');
        env = testEnv(dir, { DATABASE_URL: String(pg.url) });
      } else {
        env = testEnv(dir);
      }
      const now = Date.now();
      await withCtx(async (ctx) => {
        // Completed 13 months ago (due now), and 11 months ago (due in about a month).
        due = await seedCompletedRequest(ctx, { receivedAt: new Date(now - 420 * DAY_MS), completedAt: new Date(now - 396 * DAY_MS) });
        later = await seedCompletedRequest(ctx, { receivedAt: new Date(now - 360 * DAY_MS), completedAt: new Date(now - 335 * DAY_MS) });
      });
    });
    after(async () => {
      await pg?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a bad --now is refused with exit code 2 before anything happens', async () => {
      const run = await madoguchi(env, dir, ['retention', 'run', '--now', 'next tuesday']);
      assert.equal(run.exitCode, 2);
      assert.match(run.err.join('\n'), /--now must be an ISO 8601 date or time/);
    });

    test('a future --now without --dry-run is refused: early disposal cannot be undone', async () => {
      const future = new Date(Date.now() + 60 * DAY_MS).toISOString();
      const run = await madoguchi(env, dir, ['retention', 'run', '--now', future]);
      assert.equal(run.exitCode, 2);
      assert.match(run.err.join('\n'), /--now is in the future.*--dry-run/s);
      assert.equal(await withCtx((ctx) => readable(ctx, due.blobs.licence ?? '')), true);
    });

    test('--now in the future with --dry-run lists both requests by reference, kinds and counts, and changes nothing', async () => {
      const future = new Date(Date.now() + 60 * DAY_MS).toISOString();
      const run = await madoguchi(env, dir, ['retention', 'run', '--now', future, '--dry-run']);
      assert.equal(run.exitCode, 0, run.err.join('\n'));
      const text = run.out.join('\n');
      assert.match(text, /dry run: nothing was changed/);
      assert.ok(text.includes(due.reference), text);
      assert.ok(text.includes(later.reference), text);
      assert.match(text, /document 1, subject 1, lookup_hashes 1, payer_name 1, event_text 2, email 1/);
      assert.match(text, /24 items of 2 requests would be disposed of\./);
      assert.equal(await withCtx((ctx) => readable(ctx, due.blobs.licence ?? '')), true);
    });

    test('a run disposes of the due request only and --json lists it; a second run finds nothing', async () => {
      const run = await madoguchi(env, dir, ['retention', 'run', '--json']);
      assert.equal(run.exitCode, 0, run.err.join('\n'));
      const json = JSON.parse(run.out.join('\n')) as { dryRun: boolean; disposed: number; items: number; requests: Array<{ reference: string; counts: Record<string, number> }> };
      assert.equal(json.dryRun, false);
      assert.equal(json.disposed, 1);
      assert.equal(json.items, 12);
      assert.deepEqual(json.requests.map((r) => r.reference), [due.reference]);
      assert.equal(json.requests[0]?.counts.document, 1);
      await withCtx(async (ctx) => {
        assert.equal(await readable(ctx, due.blobs.licence ?? ''), false);
        assert.equal(await readable(ctx, later.blobs.licence ?? ''), true);
        const audits = await retentionAudits(ctx, due.id);
        assert.equal(audits.length, 1);
        assert.equal(audits[0]?.actor_id, 'cli:retention');
        assert.equal((await verifyAuditChain(ctx.db)).ok, true);
      });
      const again = await madoguchi(env, dir, ['retention', 'run']);
      assert.equal(again.exitCode, 0, again.err.join('\n'));
      assert.match(again.out.join('\n'), /No request is due for disposal\./);
    });
  });
}
