// The SDK against a real Madoguchi listening on a random port: typed calls, the local decision
// mode loading its snapshot and following the change feed, agreement with the server on every
// reason, a withdrawal reaching two connected clients within two seconds, and resuming from
// the last event after the connection drops.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { SYSTEM_ACTOR } from '../../src/domains/audit/audit.actions.ts';
import { applyRequestRestriction, liftRestriction } from '../../src/domains/consent/restriction.service.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { createApiKey } from '../../src/domains/staff/api-key.service.ts';
import { LocalDecisions, MadoguchiClient, MadoguchiError, type Subject } from '../../src/sdk/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';
import { randomEmail, submitVerifiedRequest } from '../helpers/requests.ts';

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now() - started;
}

for (const engine of ENGINES) {
  describe(`the SDK against a running server (${engine})`, () => {
    let t: TestApp;
    let client: MadoguchiClient;
    const feedRequests: Array<{ lastEventId: string | undefined }> = [];
    const locals: LocalDecisions[] = [];

    before(async () => {
      t = await startTestApp(engine);
      await seedSampleOrganization(t.ctx);
      const { key } = await createApiKey(t.ctx, { name: 'sdk test', scopes: ['consent:read', 'consent:write'] }, SYSTEM_ACTOR);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const address = t.app.server.address();
      assert.ok(address && typeof address === 'object');
      t.app.server.on('request', (req: IncomingMessage) => {
        if (req.url?.startsWith('/api/app/changes')) {
          const h = req.headers['last-event-id'];
          feedRequests.push({ lastEventId: typeof h === 'string' ? h : undefined });
        }
      });
      client = new MadoguchiClient({ baseUrl: `http://127.0.0.1:${address.port}`, apiKey: key });
    });
    after(async () => {
      for (const l of locals) await l.close();
      await t.close();
    });

    async function local(options: Parameters<MadoguchiClient['local']>[0] = {}): Promise<LocalDecisions> {
      const l = await client.local(options);
      locals.push(l);
      await until(() => l.connected, 5000, 'the feed connects');
      return l;
    }

    test('typed calls: the key, decisions, recording, history; refusals as MadoguchiError with the code', async () => {
      const info = await client.keyInfo();
      assert.deepEqual([...info.scopes].sort(), ['consent:read', 'consent:write']);
      const subject: Subject = { type: 'member_number', value: `M-${randomBytes(3).toString('hex')}` };
      const recorded = await client.grantConsent({ subject, purposes: ['newsletter'] });
      assert.equal(recorded.action, 'granted');
      assert.deepEqual(
        (await client.decide({ subject, purposes: ['newsletter', 'order_fulfilment', 'nope_nope'] })).map((d) => d.reason),
        ['consent_given', 'stated_purpose', 'not_declared'],
      );
      const batch = await client.decideBatch([
        { subject, purposes: ['newsletter'] },
        { subject: { type: 'member_number', value: 'someone-else' }, purposes: ['newsletter'] },
      ]);
      assert.deepEqual(batch.map((ds) => ds.map((d) => d.reason)), [['consent_given'], ['consent_required']]);
      const history = await client.history({ subjectKey: recorded.subjectKey });
      assert.equal(history.events.length, 1);
      await assert.rejects(
        client.grantConsent({ subject, purposes: ['order_fulfilment'] }),
        (err: unknown) => err instanceof MadoguchiError && err.status === 400 && err.code === 'validation_failed' && err.details.some((d) => d.reason === 'purpose_not_consent_based'),
      );
      const stranger = new MadoguchiClient({ baseUrl: client.baseUrl, apiKey: `mdg_000000000000_${'a'.repeat(43)}` });
      await assert.rejects(stranger.keyInfo(), (err: unknown) => err instanceof MadoguchiError && err.status === 401 && err.code === 'unauthenticated');
    });

    test('the local mode decides like the server for every reason, and follows restrictions as they come and go', async () => {
      const submitted = await submitVerifiedRequest(t, { type: 'suspension' });
      const people: Record<string, Subject> = {
        granted: { type: 'email', value: randomEmail() },
        withdrawn: { type: 'email', value: randomEmail() },
        nobody: { type: 'email', value: randomEmail() },
        suspended: { type: 'email', value: randomEmail() },
        stopped: { type: 'phone', value: `+81 90-${randomBytes(2).readUInt16BE()}-0000` },
      };
      for (const who of ['granted', 'withdrawn', 'suspended', 'stopped']) await client.grantConsent({ subject: people[who] as Subject, purposes: ['newsletter'] });
      await client.withdrawConsent({ subject: people.withdrawn as Subject, purposes: ['newsletter'] });
      await t.ctx.db.transaction().execute((trx) =>
        applyRequestRestriction(trx, t.ctx, { requestId: submitted.id, type: 'suspension', subjects: [people.suspended as Subject], purposes: ['newsletter'], actor: SYSTEM_ACTOR }),
      );

      const l = await local({ pageSize: 2 });
      const purposes = ['newsletter', 'order_fulfilment', 'not_a_purpose'];
      const compare = async () => {
        for (const [name, subject] of Object.entries(people)) {
          for (const recipient of [undefined, 'partner-a', 'partner-b']) {
            const server = await client.decide({ subject, purposes, ...(recipient ? { recipient } : {}) });
            const mine = l.decideAll(subject, purposes, recipient);
            assert.deepEqual(mine, server, `${name} / ${recipient ?? 'own use'}`);
          }
        }
      };
      await compare();
      assert.equal(l.decide(people.suspended as Subject, 'newsletter').reason, 'suspended_by_request');
      assert.equal(l.decide(people.suspended as Subject, 'newsletter').requestId, submitted.id);

      // A stop of provision to one recipient arrives over the feed.
      const [stop] = await t.ctx.db.transaction().execute((trx) =>
        applyRequestRestriction(trx, t.ctx, { requestId: submitted.id, type: 'stop_provision', subjects: [people.stopped as Subject], recipient: 'partner-a', actor: SYSTEM_ACTOR }),
      );
      assert.ok(stop);
      await until(() => l.decide(people.stopped as Subject, 'newsletter', 'partner-a').reason === 'provision_stopped', 2000, 'the stop reaches the client');
      assert.equal(l.decide(people.stopped as Subject, 'newsletter', 'partner-b').reason, 'consent_given');
      await compare();

      await liftRestriction(t.ctx, stop.id, { reason: 'recorded_in_error' }, SYSTEM_ACTOR);
      await until(() => l.decide(people.stopped as Subject, 'newsletter', 'partner-a').reason === 'consent_given', 2000, 'the lift reaches the client');
      await compare();

      // The hot path hands out shared answers: nothing is allocated per decision.
      const key = l.subjectKey(people.granted as Subject);
      assert.equal(l.decideKey(key, 'newsletter'), l.decideKey(key, 'newsletter'));
      assert.ok(Object.isFrozen(l.decideKey(key, 'order_fulfilment')));
    });

    test('a withdrawal is seen by every connected client within two seconds', async () => {
      const subject: Subject = { type: 'user_id', value: `u-${randomBytes(4).toString('hex')}` };
      const a = await local();
      const b = await local();
      const granted = await client.grantConsent({ subject, purposes: ['newsletter'] });
      await Promise.all([a.waitFor(granted.seq, 2000), b.waitFor(granted.seq, 2000)]);
      assert.equal(a.decide(subject, 'newsletter').reason, 'consent_given');
      assert.equal(b.decide(subject, 'newsletter').reason, 'consent_given');

      const started = performance.now();
      await client.withdrawConsent({ subject, purposes: ['newsletter'] });
      const key = a.subjectKey(subject);
      await Promise.all([
        until(() => a.decideKey(key, 'newsletter').reason === 'consent_withdrawn', 2000, 'client A sees the withdrawal'),
        until(() => b.decideKey(key, 'newsletter').reason === 'consent_withdrawn', 2000, 'client B sees the withdrawal'),
      ]);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 2000, `seen by both after ${Math.round(elapsed)} ms`);
    });

    test('after a dropped connection the client resumes from its last event and misses nothing', async () => {
      const statuses: string[] = [];
      const l = await local({ reconnectDelayMs: 800, onStatus: (s) => statuses.push(s) });
      const subject: Subject = { type: 'device_id', value: `d-${randomBytes(4).toString('hex')}` };
      const granted = await client.grantConsent({ subject, purposes: ['newsletter'] });
      await l.waitFor(granted.seq, 2000);
      const seen = l.seq;

      const opened = feedRequests.length;
      t.app.server.closeAllConnections();
      await until(() => statuses.includes('disconnected'), 2000, 'the client notices the drop');
      // Made while the client is away: it must arrive through the resumed feed.
      const withdrawn = await client.withdrawConsent({ subject, purposes: ['newsletter'] });
      await l.waitFor(withdrawn.seq, 5000);
      assert.equal(l.decide(subject, 'newsletter').reason, 'consent_withdrawn');
      const resumed = feedRequests.slice(opened).find((r) => r.lastEventId !== undefined);
      assert.ok(resumed, 'the client reconnected');
      assert.equal(Number(resumed.lastEventId), seen, 'it asked for the changes after the last one it had');
      assert.ok(statuses.filter((s) => s === 'connected').length >= 2);
    });

    test('a position the server does not know answers reset, and the feed carries ids', async () => {
      const controller = new AbortController();
      const events = [];
      for await (const ev of client.changes({ after: 1e12, signal: controller.signal })) {
        events.push(ev);
        if (ev.type === 'ready') break;
      }
      controller.abort();
      assert.equal(events[0]?.type, 'reset');
    });
  });
}
