// The dashboard's figures and the console's reference lists, as an officer reads them: open
// requests counted by status and type, overdue ones, the time answered requests took, the
// months on the Japanese calendar; the staff a request can be assigned to; the reasons with
// their legal grounds. Requests are made and answered through the real services.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Actor } from '../../src/domains/audit/audit.actions.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { approveDecision, draftDecision, submitForReview } from '../../src/domains/requests/decision.service.ts';
import type { RequestEvent } from '../../src/domains/requests/request-state.rules.ts';
import { lockRequest, transition } from '../../src/domains/requests/request.core.ts';
import { japanMonths } from '../../src/domains/requests/stats.service.ts';
import { DAY_MS } from '../../src/lib/clock.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';
import { submitVerifiedRequest } from '../helpers/requests.ts';
import { createSignedInStaff, type SignedInStaff } from '../helpers/staff.ts';

interface Stats {
  open: { total: number; byStatus: { status: string; count: number }[]; byType: { type: string; count: number }[]; cells: { status: string; type: string; count: number }[] };
  deadlines: { dueSoonDays: number; dueSoon: number; overdue: number; paused: number };
  completion: { count: number; averageDays: number | null; p90Days: number | null };
  months: { month: string; received: number; answered: number }[];
}

async function move(t: TestApp, id: string, event: RequestEvent, actor: Actor): Promise<void> {
  await t.ctx.db.transaction().execute(async (trx) => {
    const row = await lockRequest(trx, id);
    await transition(trx, t.ctx, row, { event, actor });
  });
}

describe('japanMonths', () => {
  test('counts months on the Japanese wall clock: 1 March 00:30 in Tokyo is still February in UTC', () => {
    const now = new Date('2027-02-28T15:30:00Z'); // 2027-03-01 00:30 JST
    const { months, since } = japanMonths(now, 3);
    assert.deepEqual(months, ['2027-01', '2027-02', '2027-03']);
    assert.equal(since.toISOString(), '2026-12-31T15:00:00.000Z');
  });

  test('crosses a year boundary', () => {
    assert.deepEqual(japanMonths(new Date('2027-01-10T00:00:00Z'), 2).months, ['2026-12', '2027-01']);
  });
});

for (const engine of ENGINES) {
  describe(`dashboard figures and console lists (${engine})`, () => {
    let t: TestApp;
    let officer: SignedInStaff;
    let handler: SignedInStaff;

    // The clock moves by months in these tests: sessions are opened afresh where they are used.
    before(async () => {
      t = await startTestApp(engine);
      await seedSampleOrganization(t.ctx);
      officer = await createSignedInStaff(t, 'privacy_officer', { displayName: 'Officer One' });
      handler = await createSignedInStaff(t, 'handler', { displayName: 'Handler One' });
    });
    after(async () => {
      await t.close();
    });

    test('counts open requests by status and type, overdue ones, and how long the answered ones took', async () => {
      const staff: Actor = { type: 'staff', id: handler.staffId };
      const answered = await submitVerifiedRequest(t, { type: 'disclosure' });
      await submitVerifiedRequest(t, { type: 'disclosure' });
      await submitVerifiedRequest(t, { type: 'correction' });
      const working = await submitVerifiedRequest(t, { type: 'suspension' });
      await move(t, working.id, 'identity_verified', staff);

      // Ten days pass before the first request is answered.
      await move(t, answered.id, 'identity_verified', staff);
      t.clock.advance(10 * DAY_MS);
      await draftDecision(t.ctx, answered.id, staff, { outcome: 'full' });
      await submitForReview(t.ctx, answered.id, staff);
      await approveDecision(t.ctx, answered.id, { type: 'staff', id: officer.staffId });

      const reader = await createSignedInStaff(t, 'handler');
      const res = await reader.inject({ method: 'GET', url: '/api/admin/requests/stats?months=3&dueSoonDays=30' });
      assert.equal(res.statusCode, 200, res.body);
      const stats = res.json() as Stats;
      assert.equal(stats.open.total, 3);
      assert.equal(stats.open.byStatus.find((s) => s.status === 'identity_review')?.count, 2);
      assert.equal(stats.open.byStatus.find((s) => s.status === 'in_progress')?.count, 1);
      assert.equal(stats.open.byStatus.find((s) => s.status === 'awaiting_fee')?.count, 0, 'every open status is listed, zero included');
      assert.ok(!stats.open.byStatus.some((s) => s.status === 'completed'), 'final statuses are not open');
      assert.equal(stats.open.byType.find((s) => s.type === 'disclosure')?.count, 1);
      assert.equal(stats.open.byType.find((s) => s.type === 'correction')?.count, 1);
      assert.deepEqual(
        stats.open.cells.find((c) => c.status === 'in_progress'),
        { status: 'in_progress', type: 'suspension', count: 1 },
      );
      assert.equal(stats.completion.count, 1);
      assert.ok(stats.completion.averageDays !== null && Math.abs(stats.completion.averageDays - 10) < 0.01, `about ten days, got ${stats.completion.averageDays}`);
      assert.ok(stats.completion.p90Days !== null && Math.abs(stats.completion.p90Days - 10) < 0.01);
      assert.equal(stats.months.length, 3);
      assert.equal(stats.months.reduce((n, m) => n + m.received, 0), 4);
      assert.equal(stats.months.reduce((n, m) => n + m.answered, 0), 1);
      assert.equal(stats.deadlines.dueSoonDays, 30);

      // Months later every open request with a running clock is overdue.
      t.clock.advance(120 * DAY_MS);
      const lateReader = await createSignedInStaff(t, 'auditor');
      const late = (await (await lateReader.inject({ method: 'GET', url: '/api/admin/requests/stats' })).json()) as Stats;
      assert.equal(late.deadlines.overdue + late.deadlines.paused, 3);
      assert.ok(late.deadlines.overdue >= 1);
      assert.equal(late.deadlines.dueSoon, 0);
      assert.equal(late.months.length, 12);
    });

    test('refuses a bad query and staff without the permission', async () => {
      const reader = await createSignedInStaff(t, 'auditor');
      const bad = await reader.inject({ method: 'GET', url: '/api/admin/requests/stats?months=0' });
      assert.equal(bad.statusCode, 400);
      assert.equal((bad.json() as { error: { code: string } }).error.code, 'validation_failed');
      const owner = await createSignedInStaff(t, 'system_owner');
      const res = await owner.inject({ method: 'GET', url: '/api/admin/requests/stats' });
      assert.equal(res.statusCode, 403);
      const anonymous = await t.app.inject({ method: 'GET', url: '/api/admin/requests/stats' });
      assert.equal(anonymous.statusCode, 401);
    });

    test('lists the staff a request can be assigned to, without auditors or system owners', async () => {
      const auditor = await createSignedInStaff(t, 'auditor', { displayName: 'Auditor One' });
      const res = await auditor.inject({ method: 'GET', url: '/api/admin/requests/assignees' });
      assert.equal(res.statusCode, 200, res.body);
      const { staff } = res.json() as { staff: { id: string; displayName: string; role: string }[] };
      const names = staff.map((s) => s.displayName);
      assert.ok(names.includes('Officer One') && names.includes('Handler One'));
      assert.ok(!names.includes('Auditor One'));
      assert.ok(staff.every((s) => ['admin', 'privacy_officer', 'handler'].includes(s.role)));
      assert.ok(!('email' in (staff[0] ?? {})), 'no email addresses');
    });

    test('lists the nine reasons of the policy with their legal grounds, and the measure reasons', async () => {
      const reader = await createSignedInStaff(t, 'handler');
      const res = await reader.inject({ method: 'GET', url: '/api/admin/requests/decision-reasons' });
      assert.equal(res.statusCode, 200, res.body);
      const { reasons } = res.json() as { reasons: { code: string; policyNumber: number | null; label: { ja: string; en: string }; legalGround: { ja: string; en: string }; forParts: boolean }[] };
      const numbered = reasons.filter((r) => r.policyNumber !== null).map((r) => r.policyNumber);
      assert.deepEqual(numbered, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const notHeld = reasons.find((r) => r.code === 'not_held');
      assert.equal(notHeld?.legalGround.en, 'APPI Art. 33(3)');
      assert.equal(notHeld?.forParts, true);
      assert.equal(reasons.find((r) => r.code === 'fee_unpaid')?.forParts, false);
      assert.match(reasons.find((r) => r.code === 'measure_difficult')?.legalGround.ja ?? '', /第35条/);
    });
  });
}
