import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { queueEmail, deliverOutboxMessage } from '../../src/domains/mail/mail.service.ts';
import { emailSendJob } from '../../src/domains/mail/mail.jobs.ts';
import { insertOrganization } from '../../src/domains/organization/organization.repository.ts';
import { SAMPLE_ORGANIZATION } from '../../src/domains/organization/sample-organization.ts';
import { enqueueJob } from '../../src/jobs/queue.ts';
import { createJobRegistry } from '../../src/jobs/registry.ts';
import { runJobsUntilIdle } from '../../src/jobs/worker.ts';
import { ENGINES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { closedPort, startTestSmtp, type TestSmtp } from '../helpers/smtp.ts';

const registry = createJobRegistry([emailSendJob]);

async function outboxRow(t: TestApp, id: string) {
  return t.ctx.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

async function sendJobOf(t: TestApp, outboxId: string) {
  return t.ctx.db.selectFrom('jobs').selectAll().where('idempotency_key', '=', outboxId).executeTakeFirst();
}

function queueSetupMail(t: TestApp, to: string, language: 'ja' | 'en') {
  return t.ctx.db.transaction().execute((trx) =>
    queueEmail(trx, t.ctx, {
      to,
      template: 'staff.password_setup',
      language,
      variables: {
        displayName: language === 'ja' ? '山田 花子' : 'Jane Doe',
        setupUrl: 'https://madoguchi.test/admin/password-setup?token=abc123',
        expiresAt: new Date('2026-12-01T03:00:00Z'),
      },
      related: { type: 'staff', id: 'stf_test' },
    }),
  );
}

for (const engine of ENGINES) {
  describe(`email delivery over SMTP [${engine}]`, () => {
    let t: TestApp;
    let smtp: TestSmtp;
    before(async () => {
      smtp = await startTestSmtp();
      t = await startTestApp(engine, { env: { MADOGUCHI_SMTP_URL: smtp.url, MADOGUCHI_MAIL_FROM: 'Aoba Privacy <privacy@aoba.example>' } });
      await insertOrganization(t.ctx.db, { id: SAMPLE_ORGANIZATION.id, nameJa: SAMPLE_ORGANIZATION.nameJa, nameEn: SAMPLE_ORGANIZATION.nameEn, now: t.clock.now() });
    });
    after(async () => {
      await t.close();
      await smtp.close();
    });

    test('an email queued in a transaction that rolls back leaves no message, no job and sends nothing', async () => {
      const sentBefore = smtp.messages.length;
      let queuedId = '';
      await assert.rejects(
        t.ctx.db.transaction().execute(async (trx) => {
          const { id } = await queueEmail(trx, t.ctx, {
            to: 'rollback@example.test',
            template: 'dev.test',
            language: 'ja',
            variables: { sentAt: t.clock.now() },
          });
          queuedId = id;
          throw new Error('the business change failed');
        }),
        /the business change failed/,
      );
      assert.ok(queuedId);
      assert.equal(await outboxRow(t, queuedId), undefined);
      assert.equal(await sendJobOf(t, queuedId), undefined);
      await runJobsUntilIdle(t.ctx, registry);
      assert.equal(smtp.messages.length, sentBefore);
    });

    test('a Japanese password-setup mail is delivered through SMTP and its outbox row becomes sent', async () => {
      const { id } = await queueSetupMail(t, 'hanako@example.test', 'ja');
      assert.equal((await outboxRow(t, id))?.status, 'pending');
      const summary = await runJobsUntilIdle(t.ctx, registry);
      assert.equal(summary.succeeded, 1);
      await smtp.waitFor(1);
      const mail = smtp.messages.find((m) => m.envelopeTo.includes('hanako@example.test'));
      assert.ok(mail, 'the SMTP server received the mail');
      assert.equal(mail.subject, `【${SAMPLE_ORGANIZATION.nameJa}】パスワード設定のお願い`);
      assert.match(mail.headers.get('from') ?? '', /privacy@aoba\.example/);
      assert.ok(mail.text);
      assert.match(mail.text, /^山田 花子 様/);
      assert.match(mail.text, /パスワードを設定してください。/);
      assert.match(mail.text, /https:\/\/madoguchi\.test\/admin\/password-setup\?token=abc123/);
      assert.match(mail.text, /2026年12月1日 12:00（日本時間）まで有効/);
      assert.ok(mail.html);
      assert.match(mail.html, /<html lang="ja">/);
      assert.match(mail.html, /href="https:\/\/madoguchi\.test\/admin\/password-setup\?token=abc123"/);

      const row = await outboxRow(t, id);
      assert.equal(row?.status, 'sent');
      assert.ok(row?.sent_at);
      assert.equal(row?.provider_message_id, mail.messageId);
      assert.equal(row?.related_type, 'staff');
      assert.equal((await sendJobOf(t, id))?.status, 'succeeded');

      const audit = await t.ctx.db.selectFrom('audit_log').selectAll().where('target_id', '=', id).orderBy('seq').execute();
      assert.deepEqual(audit.map((a) => a.action), ['email.queued', 'email.sent']);
      assert.deepEqual(audit[0]?.details, { outboxId: id, template: 'staff.password_setup' });
      const everything = JSON.stringify(await t.ctx.db.selectFrom('audit_log').select(['details', 'target_id']).execute());
      assert.doesNotMatch(everything, /hanako|example\.test|山田/);
    });

    test('an English message arrives in English, with the organisation name the caller passed', async () => {
      const { id } = await t.ctx.db.transaction().execute((trx) =>
        queueEmail(trx, t.ctx, {
          to: 'jane@example.test',
          template: 'staff.mfa_reset',
          language: 'en',
          variables: {
            organizationName: 'Aoba Group',
            displayName: 'Jane Doe',
            resetAt: new Date('2026-11-27T01:30:00Z'),
            signInUrl: 'https://madoguchi.test/admin',
          },
        }),
      );
      await runJobsUntilIdle(t.ctx, registry);
      const mail = smtp.messages.find((m) => m.envelopeTo.includes('jane@example.test'));
      assert.ok(mail);
      assert.equal(mail.subject, '[Aoba Group] Your two-step sign-in has been reset');
      assert.match(mail.text ?? '', /^Dear Jane Doe,/);
      assert.match(mail.text ?? '', /On 27 November 2026 at 10:30 \(Japan time\), an administrator reset the second factor/);
      assert.match(mail.html ?? '', /<html lang="en">/);
      assert.equal((await outboxRow(t, id))?.status, 'sent');
    });

    test('running the send job twice sends the message once', async () => {
      const { id } = await queueSetupMail(t, 'twice@example.test', 'ja');
      await runJobsUntilIdle(t.ctx, registry);
      // A second job for the same message (a duplicate from a retry or an operator) and a direct
      // second delivery both find it already sent.
      await t.ctx.db.transaction().execute((trx) =>
        enqueueJob(trx, { type: 'email.send', payload: { outboxId: id }, idempotencyKey: `${id}:again` }, t.clock.now()),
      );
      const second = await runJobsUntilIdle(t.ctx, registry);
      assert.equal(second.succeeded, 1);
      assert.deepEqual(await deliverOutboxMessage(t.ctx, id), { status: 'unchanged', current: 'sent' });
      assert.equal(smtp.messages.filter((m) => m.envelopeTo.includes('twice@example.test')).length, 1);
      const row = await outboxRow(t, id);
      assert.equal(row?.status, 'sent');
      assert.equal(row?.attempts, 1);
      const sentAudits = await t.ctx.db.selectFrom('audit_log').select('action').where('target_id', '=', id).where('action', '=', 'email.sent').execute();
      assert.equal(sentAudits.length, 1);
    });

    test('the message is stored encrypted: neither the address nor the body is readable in the database', async () => {
      const { id } = await queueSetupMail(t, 'secret-person@example.test', 'ja');
      const row = await outboxRow(t, id);
      assert.ok(row);
      const blob = await t.ctx.db.selectFrom('encrypted_blobs').selectAll().where('id', '=', row.blob_id).executeTakeFirstOrThrow();
      assert.ok(blob.ciphertext);
      assert.equal(blob.ciphertext.includes(Buffer.from('secret-person')), false);
      assert.equal(blob.ciphertext.includes(Buffer.from('山田', 'utf8')), false);
      await runJobsUntilIdle(t.ctx, registry);
    });

    test('bad input is refused before anything is stored', async () => {
      await assert.rejects(
        t.ctx.db.transaction().execute((trx) =>
          queueEmail(trx, t.ctx, { to: 'not an address', template: 'dev.test', language: 'ja', variables: { sentAt: new Date() } }),
        ),
        (err: Error & { code?: string }) => err.code === 'validation_failed',
      );
      await assert.rejects(
        t.ctx.db.transaction().execute((trx) =>
          queueEmail(trx, t.ctx, {
            to: 'x@example.test',
            template: 'staff.mfa_reset',
            language: 'ja',
            variables: { displayName: 'X', resetAt: new Date(), signInUrl: 'javascript:alert(1)' },
          }),
        ),
        (err: Error & { code?: string; details?: Array<{ path?: string }> }) =>
          err.code === 'validation_failed' && err.details?.[0]?.path === 'variables.signInUrl',
      );
    });
  });

  describe(`email delivery when SMTP fails [${engine}]`, () => {
    test('with the SMTP server down the job is retried later, then delivers once the server is back', async () => {
      const port = await closedPort();
      const t = await startTestApp(engine, { env: { MADOGUCHI_SMTP_URL: `smtp://127.0.0.1:${port}` } });
      let smtp: TestSmtp | undefined;
      try {
        const { id } = await queueSetupMail(t, 'later@example.test', 'en');
        const first = await runJobsUntilIdle(t.ctx, registry);
        assert.equal(first.retried, 1);
        assert.equal(first.dead, 0);
        const job = await sendJobOf(t, id);
        assert.equal(job?.status, 'queued');
        assert.equal(job?.attempts, 1);
        assert.ok(job && job.run_at.getTime() > t.clock.now().getTime(), 'the retry waits for its backoff');
        assert.match(job?.last_error ?? '', /not delivered yet/);
        assert.doesNotMatch(job?.last_error ?? '', /@/);
        const pending = await outboxRow(t, id);
        assert.equal(pending?.status, 'pending');
        assert.equal(pending?.attempts, 1);
        assert.ok(pending?.last_error);

        smtp = await startTestSmtp({ port });
        t.clock.advance(10 * 60_000);
        const second = await runJobsUntilIdle(t.ctx, registry);
        assert.equal(second.succeeded, 1);
        await smtp.waitFor(1);
        assert.equal(smtp.messages[0]?.subject, '[Madoguchi] Set your password');
        assert.equal((await outboxRow(t, id))?.status, 'sent');
      } finally {
        await t.close();
        await smtp?.close();
      }
    });

    test('a permanent 5xx refusal marks the message failed and is not retried', async () => {
      const smtp = await startTestSmtp({ refuseRecipients: { code: 550, message: 'No such mailbox' } });
      const t = await startTestApp(engine, { env: { MADOGUCHI_SMTP_URL: smtp.url } });
      try {
        const { id } = await queueSetupMail(t, 'nobody@example.test', 'ja');
        const summary = await runJobsUntilIdle(t.ctx, registry);
        assert.equal(summary.retried, 0);
        const row = await outboxRow(t, id);
        assert.equal(row?.status, 'failed');
        assert.match(row?.last_error ?? '', /550/);
        assert.doesNotMatch(row?.last_error ?? '', /nobody/);
        assert.equal((await sendJobOf(t, id))?.status, 'succeeded');
        const failed = await t.ctx.db.selectFrom('audit_log').select('details').where('action', '=', 'email.failed').where('target_id', '=', id).executeTakeFirst();
        assert.ok(failed);
        assert.equal(smtp.messages.length, 0);
      } finally {
        await t.close();
        await smtp.close();
      }
    });
  });
}
