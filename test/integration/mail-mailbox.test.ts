import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { emailSendJob } from '../../src/domains/mail/mail.jobs.ts';
import { queueEmail, sendTestEmail } from '../../src/domains/mail/mail.service.ts';
import { createJobRegistry } from '../../src/jobs/registry.ts';
import { runJobsUntilIdle } from '../../src/jobs/worker.ts';
import { ENGINES } from '../helpers/databases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';
import { startTestSmtp } from '../helpers/smtp.ts';

const registry = createJobRegistry([emailSendJob]);

interface ListBody {
  mode: string;
  messages: Array<{ id: string; template: string; language: string; status: string; subject: string | null; recipient: string | null }>;
  nextCursor: string | null;
}

interface DetailBody {
  mode: string;
  message: { id: string; status: string; subject: string | null; recipient: string | null; text: string | null; html: string | null };
}

for (const engine of ENGINES) {
  describe(`development mailbox [${engine}]`, () => {
    let t: TestApp;
    let admin: SignedInStaff;
    let handler: SignedInStaff;
    let heldId: string;

    before(async () => {
      t = await startTestApp(engine);
      admin = await createSignedInStaff(t, 'admin');
      handler = await createSignedInStaff(t, 'handler');
      heldId = (
        await t.ctx.db.transaction().execute((trx) =>
          queueEmail(trx, t.ctx, {
            to: 'tanaka@example.test',
            template: 'staff.password_setup',
            language: 'ja',
            variables: {
              organizationName: 'テスト株式会社',
              displayName: '田中 一郎 <admin>',
              setupUrl: 'https://madoguchi.test/admin/password-setup?token=t1&x=2',
              expiresAt: new Date('2026-12-01T00:00:00Z'),
            },
          }),
        )
      ).id;
      await runJobsUntilIdle(t.ctx, registry);
    });
    after(async () => {
      await t.close();
    });

    test('with no SMTP server configured the message is held, not sent', async () => {
      const row = await t.ctx.db.selectFrom('outbox').selectAll().where('id', '=', heldId).executeTakeFirstOrThrow();
      assert.equal(row.status, 'held');
      assert.equal(row.sent_at, null);
      const job = await t.ctx.db.selectFrom('jobs').select('status').where('idempotency_key', '=', heldId).executeTakeFirstOrThrow();
      assert.equal(job.status, 'succeeded');
    });

    test('an administrator sees the held message in the list, labelled as the development mailbox', async () => {
      const res = await admin.inject({ url: '/api/admin/dev-mailbox' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['cache-control'], 'no-store');
      const body = res.json() as ListBody;
      assert.equal(body.mode, 'development');
      const item = body.messages.find((m) => m.id === heldId);
      assert.deepEqual(
        item && { template: item.template, language: item.language, status: item.status, subject: item.subject, recipient: item.recipient },
        {
          template: 'staff.password_setup',
          language: 'ja',
          status: 'held',
          subject: '【テスト株式会社】パスワード設定のお願い',
          recipient: 'tanaka@example.test',
        },
      );
    });

    test('an administrator opens one message and reads its text and HTML bodies; the view is audited', async () => {
      const res = await admin.inject({ url: `/api/admin/dev-mailbox/${heldId}` });
      assert.equal(res.statusCode, 200, res.body);
      const { mode, message } = res.json() as DetailBody;
      assert.equal(mode, 'development');
      assert.equal(message.recipient, 'tanaka@example.test');
      assert.match(message.text ?? '', /^田中 一郎 <admin> 様/);
      assert.match(message.text ?? '', /https:\/\/madoguchi\.test\/admin\/password-setup\?token=t1&x=2/);
      assert.match(message.html ?? '', /田中 一郎 &lt;admin&gt; 様/);
      assert.match(message.html ?? '', /href="https:\/\/madoguchi\.test\/admin\/password-setup\?token=t1&amp;x=2"/);
      assert.doesNotMatch(message.html ?? '', /<admin>/);

      const views = await t.ctx.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'email.viewed')
        .where('actor_id', '=', admin.staffId)
        .orderBy('seq')
        .execute();
      assert.ok(views.length >= 2, 'the list and the message view are both audited');
      const last = views[views.length - 1];
      assert.equal(last?.target_id, heldId);
      assert.deepEqual(last?.details, { outboxIds: [heldId], count: 1 });
      assert.doesNotMatch(JSON.stringify(views), /tanaka|example\.test/);
    });

    test('a handler is refused (403) and an anonymous caller must sign in (401)', async () => {
      for (const url of ['/api/admin/dev-mailbox', `/api/admin/dev-mailbox/${heldId}`]) {
        const asHandler = await handler.inject({ url });
        assert.equal(asHandler.statusCode, 403, url);
        assert.equal((asHandler.json() as { error: { code: string } }).error.code, 'forbidden');
        assert.doesNotMatch(asHandler.body, /tanaka/);
        const anonymous = await t.app.inject({ url });
        assert.equal(anonymous.statusCode, 401, url);
        assert.doesNotMatch(anonymous.body, /tanaka/);
      }
    });

    test('an unknown message is 404, and the list pages with a cursor', async () => {
      const missing = await admin.inject({ url: '/api/admin/dev-mailbox/mail_doesnotexist' });
      assert.equal(missing.statusCode, 404);

      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        t.clock.advance(1000);
        const sent = await sendTestEmail(t.ctx, { to: `page${i}@example.test`, language: i % 2 === 0 ? 'ja' : 'en' });
        assert.deepEqual(sent.result, { status: 'held' });
        assert.equal(sent.mode, 'development');
        ids.push(sent.id);
      }
      const first = (await admin.inject({ url: '/api/admin/dev-mailbox?limit=2' })).json() as ListBody;
      assert.deepEqual(first.messages.map((m) => m.id), [ids[2], ids[1]]);
      assert.equal(first.messages[0]?.subject, '【Madoguchi】テストメール');
      assert.equal(first.messages[1]?.subject, '[Madoguchi] Test message');
      assert.ok(first.nextCursor);
      const second = (await admin.inject({ url: `/api/admin/dev-mailbox?limit=2&cursor=${first.nextCursor}` })).json() as ListBody;
      assert.equal(second.messages[0]?.id, ids[0]);

      const badCursor = await admin.inject({ url: '/api/admin/dev-mailbox?cursor=nonsense' });
      assert.equal(badCursor.statusCode, 400);
      const tooMany = await admin.inject({ url: '/api/admin/dev-mailbox?limit=1000' });
      assert.equal(tooMany.statusCode, 400);
    });
  });

  describe(`mailbox with SMTP configured [${engine}]`, () => {
    test('the mailbox says mail is sent over SMTP and shows the message as sent', async () => {
      const smtp = await startTestSmtp();
      const t = await startTestApp(engine, { env: { MADOGUCHI_SMTP_URL: smtp.url } });
      try {
        const admin = await createSignedInStaff(t, 'admin');
        const sent = await sendTestEmail(t.ctx, { to: 'ops@example.test', language: 'en' });
        assert.equal(sent.result.status, 'sent');
        await smtp.waitFor(1);
        assert.equal(smtp.messages[0]?.subject, '[Madoguchi] Test message');
        // The queued job finds the message already sent and sends nothing more.
        await runJobsUntilIdle(t.ctx, registry);
        assert.equal(smtp.messages.length, 1);
        const body = (await admin.inject({ url: '/api/admin/dev-mailbox' })).json() as ListBody;
        assert.equal(body.mode, 'smtp');
        assert.equal(body.messages.find((m) => m.id === sent.id)?.status, 'sent');
      } finally {
        await t.close();
        await smtp.close();
      }
    });
  });
}
