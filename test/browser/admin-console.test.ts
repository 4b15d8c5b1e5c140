// The admin console in real Chromium, as the privacy office uses it: a handler whose role
// requires a second factor signs in, sets up the authenticator from the code shown in the page,
// and takes a disclosure request (made through the public API) from identity review to an
// answer waiting for approval — opens the licence photo, ticks the checklist, verifies, records
// the bank transfer, attaches what the shop database holds, drafts the decision with a reason,
// previews the letter and asks for approval; the privacy officer signs in with the code of an
// authenticator set up earlier, approves, and the download link appears. axe-core checks the
// sign-in page and the queue; screenshots of the main pages go to test-artifacts/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { importDataMap } from '../../src/domains/inventory/inventory.service.ts';
import { SYSTEM_ACTOR } from '../../src/domains/audit/audit.actions.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { createAppJobRegistry } from '../../src/jobs/app-jobs.ts';
import { runJobsUntilIdle } from '../../src/jobs/worker.ts';
import { assertAccessible, WCAG_AA_TAGS, launchBrowser, openPage, screenshot, startBrowserApp, type BrowserApp, type OpenedPage } from '../helpers/browser.ts';
import { ENGINES } from '../helpers/databases.ts';
import { samplePng } from '../helpers/documents.ts';
import { submitVerifiedRequest } from '../helpers/requests.ts';
import { createSignedInStaff, createStaffWithPassword, currentTotp, nextTotpStep } from '../helpers/staff.ts';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const registry = createAppJobRegistry();
/** WCAG 2.2 A/AA and axe's best practices. */
const AXE = { tags: [...WCAG_AA_TAGS, 'best-practice'] };
const ROOT = path.resolve(import.meta.dirname, '../..');

/** Signing out (or not yet in) answers the session check with 401, which Chromium logs; that
 * is the console asking "who is this?", not a fault. Anything else the page reports is. */
function realProblems(opened: OpenedPage): string[] {
  return opened.problems.filter((p) => !/Failed to load resource: the server responded with a status of 401/.test(p));
}

async function requestRow(t: BrowserApp, id: string) {
  return t.ctx.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function auditCount(t: BrowserApp, action: string, requestId: string): Promise<number> {
  const rows = await t.ctx.db.selectFrom('audit_log').select('id').where('action', '=', action).where('target_id', '=', requestId).execute();
  return rows.length;
}

/** Waits until the server's record of the request reaches `status` (the UI has then reloaded it too). */
async function waitForStatus(t: BrowserApp, page: Page, id: string, status: string, badge: RegExp): Promise<void> {
  await page.locator('.page-header .badge-status').filter({ hasText: badge }).waitFor();
  assert.equal((await requestRow(t, id)).status, status);
}

async function signInWithPassword(page: Page, email: string, password: string, labels: { email: RegExp; password: RegExp; submit: RegExp }): Promise<void> {
  await page.getByLabel(labels.email).fill(email);
  await page.getByLabel(labels.password).fill(password);
  await page.getByRole('button', { name: labels.submit }).click();
}

for (const engine of ENGINES) {
  describe(`the admin console in Chromium (${engine})`, () => {
    let t: BrowserApp;
    let browser: Browser;
    const opened: OpenedPage[] = [];

    before(async () => {
      // Handlers must use a second factor here, so the handler meets the enrolment in the page.
      t = await startBrowserApp(engine, { env: { MADOGUCHI_REQUIRE_MFA_ROLES: 'admin,privacy_officer,handler' } });
      await seedSampleOrganization(t.ctx);
      const dir = path.join(ROOT, 'examples/datamap');
      const files = readdirSync(dir)
        .filter((f) => f.endsWith('.yml'))
        .map((f) => ({ file: f, text: readFileSync(path.join(dir, f), 'utf8') }));
      const imported = await importDataMap(t.ctx, files, { actor: SYSTEM_ACTOR });
      assert.ok(imported.ok, 'the example data map imports');
      browser = await launchBrowser();
    });
    after(async () => {
      for (const o of opened) await o.context.close();
      await browser.close();
      await t.close();
    });

    test('a handler signs in with a new authenticator and takes a request to approval; the officer approves and the link appears', async () => {
      const handler = await createStaffWithPassword(t, 'handler', { displayName: '窓口 花子' });
      const officer = await createSignedInStaff(t, 'privacy_officer', { displayName: 'Officer Oda' });
      assert.ok(officer.totpSecret);
      const request = await submitVerifiedRequest(t, {
        type: 'disclosure',
        documents: [
          { role: 'principal_identity', type: 'drivers_license', data: samplePng(), filename: 'licence.png', contentType: 'image/png' },
          { role: 'principal_identity', type: 'passport' },
        ],
      });

      // --- The handler, in Japanese ------------------------------------------------------
      const h = await openPage(browser, { lang: 'ja', baseUrl: t.baseUrl });
      opened.push(h);
      const page = h.page;
      await page.goto('/admin/');
      await page.getByRole('heading', { name: 'サインイン' }).waitFor();
      assert.equal(await page.getAttribute('html', 'lang'), 'ja');
      await assertAccessible(page, 'the sign-in page (ja)', AXE);
      await screenshot(page, 'admin-sign-in-ja');

      await signInWithPassword(page, handler.email, 'wrong-password-123', { email: /メールアドレス/, password: /パスワード/, submit: /^サインイン$/ });
      await page.getByRole('alert').filter({ hasText: /正しくない/ }).waitFor();

      await signInWithPassword(page, handler.email, handler.password, { email: /メールアドレス/, password: /パスワード/, submit: /^サインイン$/ });
      await page.getByRole('heading', { name: '認証アプリの設定' }).waitFor();
      await page.getByRole('img', { name: /QRコード/ }).waitFor();
      const secret = (await page.getByTestId('totp-secret').innerText()).replace(/\s+/g, '');
      assert.match(secret, /^[A-Z2-7]{16,}$/, 'the key to type in is shown in base32');
      await screenshot(page, 'admin-mfa-enrolment-ja');
      await page.getByLabel(/認証コード/).fill(currentTotp(t, secret));
      await page.getByRole('button', { name: '登録を完了' }).click();

      // The dashboard with its charts.
      await page.getByRole('heading', { name: 'ダッシュボード', level: 1 }).waitFor();
      await page.getByRole('img', { name: '状態別の未完了請求' }).waitFor();
      await page.getByRole('img', { name: '月別の請求件数' }).waitFor();
      const staffRow = await t.ctx.db.selectFrom('staff').select(['totp_enabled']).where('id', '=', handler.staffId).executeTakeFirstOrThrow();
      assert.equal(staffRow.totp_enabled, true, 'the authenticator set up in the page is on the account');
      await page.waitForLoadState('networkidle');
      await assertAccessible(page, 'the dashboard (ja)', AXE);
      await screenshot(page, 'admin-dashboard-ja');

      // The queue: axe, search by reference, open.
      await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '請求一覧' }).click();
      await page.getByRole('heading', { name: '請求一覧', level: 1 }).waitFor();
      await page.getByRole('link', { name: request.reference }).waitFor();
      await page.waitForLoadState('networkidle');
      await assertAccessible(page, 'the request queue (ja)', AXE);
      await screenshot(page, 'admin-queue-ja');
      await page.getByLabel('検索').fill(request.reference);
      await page.getByRole('button', { name: '絞り込む' }).click();
      await page.waitForURL(/q=R-/);
      await page.getByRole('link', { name: request.reference }).click();
      await page.getByRole('heading', { name: new RegExp(request.reference) }).waitFor();

      // Take it, open the licence photo.
      await page.getByRole('button', { name: '自分が担当する' }).click();
      await page.locator('.assignment strong').filter({ hasText: '窓口 花子' }).waitFor();
      assert.equal((await requestRow(t, request.id)).assignee_id, handler.staffId);
      await page.getByRole('button', { name: /表示: 運転免許証/ }).click();
      const photo = page.getByRole('img', { name: /運転免許証 の画像/ });
      await photo.waitFor();
      assert.match((await photo.getAttribute('src')) ?? '', /^blob:/, 'the document is shown from a blob URL, not a link to the file');
      const width = await photo.evaluate((img) => {
        const image = img as unknown as { decode(): Promise<void>; naturalWidth: number };
        return image.decode().then(() => image.naturalWidth);
      });
      assert.ok(width > 0, 'the image decodes');
      assert.equal(await auditCount(t, 'request.document_opened', request.id), 1, 'the opening is audited');

      // The checklist and the decision: verified → the fee is asked.
      for (const item of ['氏名', '住所', '生年月日']) {
        await page.getByRole('group', { name: item }).getByLabel('一致', { exact: true }).check();
      }
      await page.getByLabel('本人確認ができた').check();
      await screenshot(page, 'admin-identity-review-ja');
      await page.getByRole('button', { name: '本人確認の結果を記録' }).click();
      await waitForStatus(t, page, request.id, 'awaiting_fee', /手数料待ち/);

      // The bank transfer arrives: record it (the outstanding amount is filled in).
      assert.equal(await page.getByLabel('金額（円）').inputValue(), '1000');
      await page.getByLabel('振込名義（任意）').fill('ヤマダ タロウ');
      await page.getByRole('button', { name: '入金を記録' }).click();
      await waitForStatus(t, page, request.id, 'in_progress', /対応中/);
      await runJobsUntilIdle(t.ctx, registry);
      const payments = await t.ctx.db.selectFrom('request_payments').select(['amount_yen']).where('request_id', '=', request.id).execute();
      assert.deepEqual(payments.map((p) => p.amount_yen), [1000]);

      // What the shop database holds about the person.
      await page.reload();
      await page.getByRole('heading', { name: '調査結果を追加' }).waitFor();
      await page.getByLabel('システム', { exact: false }).first().fill('shop_db');
      await page.getByLabel('データの種類').fill('customers');
      await page.getByLabel('表示名（請求者に表示）').fill('会員情報');
      await page.getByLabel(/記録（1行目に項目名/).fill('会員番号,氏名,登録日\nC-1001,山田 太郎,2024-05-01');
      await page.getByRole('button', { name: '追加', exact: true }).click();
      await page.getByRole('table', { name: '登録済みの調査結果' }).getByRole('cell', { name: '会員情報' }).waitFor();
      const findings = await t.ctx.db.selectFrom('request_findings').select(['row_count', 'system_name']).where('request_id', '=', request.id).execute();
      assert.deepEqual(findings.map((f) => [f.system_name, f.row_count]), [['shop_db', 1]]);

      // No system has a connection here, so the fulfilment panel says staff handle it by hand.
      const fulfilment = page.getByRole('region', { name: 'システムでの対応' });
      await fulfilment.getByText(/この請求は手作業で対応します/).waitFor();
      await fulfilment.getByText('データマップのどのシステムにも接続がありません').waitFor();
      await fulfilment.getByRole('table', { name: 'この請求の作業' }).waitFor();
      assert.equal(await fulfilment.getByRole('button', { name: 'もう一度実行する' }).count(), 0, 'the engine cannot run without a connection');

      // The decision: disclose in full, then preview the letter and ask for approval.
      await page.getByLabel('全部開示する').check();
      await page.getByRole('button', { name: '案を保存' }).click();
      await page.getByText('決定の案を保存しました。').waitFor();
      await page.getByRole('button', { name: '通知書のプレビュー（PDF）' }).click();
      const letter = page.getByTestId('letter-link');
      await letter.waitFor();
      assert.match((await letter.getAttribute('href')) ?? '', /^blob:/);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'letter.pdf' }).click()]);
      const letterFile = await download.path();
      const letterHead = readFileSync(letterFile).subarray(0, 5).toString('latin1');
      assert.equal(letterHead, '%PDF-', 'the preview is the letter as a PDF');
      await screenshot(page, 'admin-request-decision-ja');
      await page.getByRole('button', { name: '承認を依頼する' }).click();
      await waitForStatus(t, page, request.id, 'in_review', /承認待ち/);
      assert.deepEqual(realProblems(h), [], 'the handler’s pages reported no errors');

      await page.getByRole('button', { name: 'サインアウト' }).click();
      await page.getByRole('heading', { name: 'サインイン' }).waitFor();

      // --- The officer, in English --------------------------------------------------------
      const o = await openPage(browser, { lang: 'en', baseUrl: t.baseUrl });
      opened.push(o);
      const op = o.page;
      await op.goto(`/admin/requests/${request.id}`);
      await op.getByRole('heading', { name: 'Sign in' }).waitFor();
      assert.equal(await op.getAttribute('html', 'lang'), 'en');
      await assertAccessible(op, 'the sign-in page (en)', AXE);
      await signInWithPassword(op, officer.email, officer.password, { email: /Email address/, password: /Password/, submit: /^Sign in$/ });
      await op.getByRole('heading', { name: 'Second factor' }).waitFor();
      nextTotpStep(t); // the helper used this step's code when it set the authenticator up
      await op.getByLabel(/Authenticator code/).fill(currentTotp(t, officer.totpSecret));
      await op.getByRole('button', { name: 'Verify' }).click();

      // Signed in, the page asked for opens.
      await op.getByRole('heading', { name: new RegExp(`Request ${request.reference}`) }).waitFor();
      await op.getByRole('radio', { name: /Disclose in full/ }).waitFor();
      await op.getByRole('button', { name: 'Approve and answer' }).click();
      await waitForStatus(t, op, request.id, 'completed', /Completed/);
      const deliveries = op.getByRole('table', { name: 'Answers' });
      await deliveries.getByText('Active').waitFor();
      await deliveries.getByText(/0 of \d+/).waitFor();
      const rows = await t.ctx.db.selectFrom('request_deliveries').select(['method', 'revoked_at']).where('request_id', '=', request.id).execute();
      assert.deepEqual(rows.map((r) => [r.method, r.revoked_at]), [['electronic', null]]);
      await op.waitForLoadState('networkidle');
      await assertAccessible(op, 'the request page after approval (en)', AXE);
      await screenshot(op, 'admin-request-delivered-en');

      // The dashboard counts the answer; the audit chain holds.
      await op.getByRole('link', { name: 'Dashboard' }).click();
      await op.getByRole('img', { name: 'Days to answer' }).waitFor();
      await op.getByText(/Requests answered since .*: 1$/).waitFor();
      await screenshot(op, 'admin-dashboard-en');
      await op.getByRole('link', { name: 'Audit log' }).click();
      await op.getByRole('button', { name: 'Verify the hash chain' }).click();
      await op.getByText(/No tampering found/).waitFor();
      assert.deepEqual(realProblems(o), [], 'the officer’s pages reported no errors');
    });

    test('an administrator works the data map, a policy draft, the settings, staff, API keys, the audit log and the mailbox', async () => {
      const admin = await createSignedInStaff(t, 'admin', { displayName: 'Admin Abe' });
      assert.ok(admin.totpSecret);
      const a = await openPage(browser, { lang: 'en', baseUrl: t.baseUrl });
      opened.push(a);
      const page = a.page;
      await page.goto('/admin/');
      await signInWithPassword(page, admin.email, admin.password, { email: /Email address/, password: /Password/, submit: /^Sign in$/ });
      nextTotpStep(t);
      await page.getByLabel(/Authenticator code/).fill(currentTotp(t, admin.totpSecret));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
      const nav = page.getByRole('navigation', { name: 'Main menu' });

      // The data map as a graph, the ledger, one system.
      await nav.getByRole('link', { name: 'Data map' }).click();
      const graph = page.getByRole('img', { name: /Data map graph: \d+ collections, \d+ references/ });
      await graph.waitFor();
      const label = (await graph.getAttribute('aria-label')) ?? '';
      const [, collections, references] = /(\d+) collections, (\d+) references/.exec(label) ?? [];
      assert.ok(Number(collections) > 5 && Number(references) > 0, `the example map is drawn with its references (${label})`);
      assert.equal(await page.locator('.datamap-graph .graph-node').count(), Number(collections));
      await page.getByRole('table', { name: 'Systems' }).getByRole('link', { name: /shop_db/ }).waitFor();
      await assertAccessible(page, 'the data map (en)', AXE);
      await screenshot(page, 'admin-datamap-en');
      await page.getByRole('table', { name: 'Systems' }).getByRole('link', { name: /shop_db/ }).click();
      await page.getByRole('heading', { level: 1, name: /shop_db/ }).waitFor();
      await page.getByRole('table', { name: 'customers' }).waitFor();

      // A policy: start a draft, change what changed, save, see it in the preview list.
      await nav.getByRole('link', { name: 'Policies' }).click();
      await page.getByRole('link', { name: 'Personal Information Protection Policy' }).click();
      await page.getByRole('button', { name: 'Start a new draft' }).click();
      await page.getByRole('heading', { name: 'Edit the draft' }).waitFor();
      await page.getByLabel('What changed (English)').fill('Clarified the contact for requests.');
      await page.getByLabel('What changed (Japanese)').fill('請求の窓口を明確にしました。');
      await page.getByRole('button', { name: 'Save the draft' }).click();
      await page.getByText('The draft is saved.').waitFor();
      const draft = await t.ctx.db.selectFrom('policy_versions').selectAll().where('status', '=', 'draft').executeTakeFirstOrThrow();
      assert.match(JSON.stringify(draft), /Clarified the contact for requests/);
      await screenshot(page, 'admin-policy-draft-en');

      // Settings: the answer target changes (a new version of the settings).
      await nav.getByRole('link', { name: 'Settings' }).click();
      const target = page.getByLabel('Target days to answer');
      await target.fill('10');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText('The settings are saved.').waitFor();
      const org = await t.ctx.db.selectFrom('organization').selectAll().executeTakeFirstOrThrow();
      assert.match(JSON.stringify(org), /"targetDays":10/);
      await screenshot(page, 'admin-settings-en');

      // Staff: a new handler gets a one-time set-up link.
      await nav.getByRole('link', { name: 'Staff' }).click();
      await page.getByLabel('Email address').fill('new.handler@example.test');
      await page.getByLabel('Display name (optional)').fill('New Handler');
      await page.getByRole('button', { name: 'Add a staff member' }).click();
      const link = await page.getByLabel('Password set-up link').inputValue();
      assert.match(link, /\/admin\/setup-password\?token=/);
      await page.getByRole('table', { name: 'Staff' }).getByRole('cell', { name: 'new.handler@example.test' }).waitFor();
      await screenshot(page, 'admin-staff-en');

      // API keys: created (shown once), then revoked.
      await nav.getByRole('link', { name: 'API keys' }).click();
      await page.getByLabel('Name (what it is for)').fill('Shop back office');
      await page.getByRole('checkbox', { name: 'requests:create' }).check();
      await page.getByRole('button', { name: 'Create an API key' }).click();
      assert.match(await page.getByLabel('API keys', { exact: true }).inputValue(), /^mdg_[0-9a-f]{12}_/);
      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Revoke' }).click();
      await page.getByText('The API key is revoked.').waitFor();
      const keys = await t.ctx.db.selectFrom('api_keys').select(['name', 'revoked_at']).execute();
      assert.ok(keys.some((k) => k.name === 'Shop back office' && k.revoked_at !== null));

      // The audit log, filtered, and its chain verified.
      await nav.getByRole('link', { name: 'Audit log' }).click();
      await page.getByLabel('Action').fill('api_key.revoked');
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.getByRole('table', { name: /Audit entries/ }).getByRole('cell', { name: 'api_key.revoked' }).waitFor();
      assert.equal(await page.getByRole('table', { name: /Audit entries/ }).getByRole('cell', { name: 'api_key.created' }).count(), 0, 'the filter applies');
      await page.getByRole('button', { name: 'Verify the hash chain' }).click();
      await page.getByText(/No tampering found/).waitFor();
      await screenshot(page, 'admin-audit-en');

      // The development mailbox says where the mail is, and shows one.
      await nav.getByRole('link', { name: 'Development mailbox' }).click();
      await page.getByText(/No SMTP server is configured/).waitFor();
      await page.getByRole('button', { name: /^View: / }).first().click();
      await page.locator('#mail-view pre').waitFor();
      await screenshot(page, 'admin-mailbox-en');
      assert.deepEqual(realProblems(a), [], 'the administrator’s pages reported no errors');

      // On a phone the menu folds into a button; the queue scrolls sideways and passes axe.
      const p = await openPage(browser, { lang: 'ja', screen: 'phone', baseUrl: t.baseUrl });
      opened.push(p);
      await p.context.addCookies((await a.context.cookies()).filter((c) => c.name === 'mdg_session'));
      await p.page.goto('/admin/requests?status=all');
      await p.page.getByRole('heading', { name: '請求一覧', level: 1 }).waitFor();
      const menu = p.page.getByRole('button', { name: 'メニュー' });
      assert.equal(await menu.getAttribute('aria-expanded'), 'false');
      await menu.click();
      await p.page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: 'データマップ' }).waitFor();
      await p.page.waitForLoadState('networkidle');
      await assertAccessible(p.page, 'the request queue on a phone (ja)', AXE);
      await screenshot(p.page, 'admin-queue-phone-ja');
    });
  });
}
