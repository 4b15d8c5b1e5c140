// The privacy centre in real Chromium, as people use it: a person asks for disclosure in
// Japanese with two document images, confirms the email code in the browser, and after the
// office has done its part (through the staff API) downloads the answer from the mailed link;
// an agent asks in English on a phone; refused uploads are explained before anything is sent;
// every public page passes axe-core (WCAG 2.2 A/AA and best practice) in both languages; the
// public JavaScript stays within 150 KB gzipped. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/domains/audit/audit.actions.ts';
import { importDataMap } from '../../src/domains/inventory/inventory.service.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { approveDecision, draftDecision, submitForReview } from '../../src/domains/requests/decision.service.ts';
import { createAppJobRegistry } from '../../src/jobs/app-jobs.ts';
import { runJobsUntilIdle } from '../../src/jobs/worker.ts';
import { WEB_DIST } from '../../src/http/web-build.ts';
import { assertAccessible, assertNoPageProblems, launchBrowser, openPage, screenshot, startBrowserApp, WCAG_AA_TAGS, type BrowserApp, type OpenedPage } from '../helpers/browser.ts';
import { ENGINES } from '../helpers/databases.ts';
import { elfExecutable, jpegOfSize, sampleJpeg, samplePng, truncatedJpeg } from '../helpers/documents.ts';
import { latestRequestMail, latestVerificationCode } from '../helpers/requests.ts';
import { createSignedInStaff } from '../helpers/staff.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const AXE = { tags: [...WCAG_AA_TAGS, 'best-practice'] };
const registry = createAppJobRegistry();

function examples() {
  const dir = path.join(ROOT, 'examples/datamap');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .sort()
    .map((f) => ({ file: f, text: readFileSync(path.join(dir, f), 'utf8') }));
}

/** Opens a page and waits until the app has rendered its heading (the API calls answered). */
async function visit(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('main h1').first().waitFor();
  await page.waitForLoadState('networkidle');
}

/** The id of the request this browser remembers (the tracking token is kept in localStorage). */
async function rememberedRequest(page: Page): Promise<{ id: string; token: string }> {
  const found = (await page.evaluate(
    "(() => { const k = Object.keys(localStorage).find((key) => key.startsWith('madoguchi.tracking.')); return k ? [k.slice('madoguchi.tracking.'.length), localStorage.getItem(k)] : null; })()",
  )) as [string, string] | null;
  assert.ok(found, 'the browser keeps the tracking token after sending');
  return { id: found[0], token: found[1] };
}

async function requestRow(t: BrowserApp, id: string) {
  return t.ctx.db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function documentRows(t: BrowserApp, id: string) {
  return t.ctx.db.selectFrom('request_documents').selectAll().where('request_id', '=', id).orderBy('uploaded_at').orderBy('document_type').execute();
}

async function requestCount(t: BrowserApp): Promise<number> {
  const row = await t.ctx.db.selectFrom('requests').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

async function next(page: Page, label: RegExp): Promise<void> {
  await page.getByRole('button', { name: label }).click();
}

test('the public JavaScript (entry chunk and its static imports) is at most 150 KB gzipped', () => {
  const html = readFileSync(path.join(WEB_DIST, 'index.html'), 'utf8');
  const entry = /<script type="module"[^>]*src="\/assets\/([^"]+\.js)"/.exec(html)?.[1];
  assert.ok(entry, 'index.html loads one module entry');
  // Follow static imports (`import … from "./x.js"`, `import "./x.js"`), not dynamic import().
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift() ?? '';
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(path.join(WEB_DIST, 'assets', file), 'utf8');
    for (const match of code.matchAll(/(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]*?\s*from\s*)?["']\.\/([\w.-]+\.js)["']/g)) {
      if (match[1]) queue.push(match[1]);
    }
  }
  assert.doesNotMatch([...seen].join(' '), /admin/, 'the public page loads no admin code');
  let total = 0;
  const parts: string[] = [];
  for (const file of seen) {
    const gz = gzipSync(readFileSync(path.join(WEB_DIST, 'assets', file)), { level: 9 }).length;
    total += gz;
    parts.push(`${file} ${(gz / 1024).toFixed(1)} KB`);
  }
  console.log(`public JS bundle: ${(total / 1024).toFixed(1)} KB gzipped (${parts.join(', ')})`);
  assert.ok(total <= 150 * 1024, `public JS is ${(total / 1024).toFixed(1)} KB gzipped, over 150 KB`);
});

for (const engine of ENGINES) {
  describe(`the privacy centre in Chromium (${engine})`, () => {
    let t: BrowserApp;
    let browser: Browser;
    let tmp: string;
    const opened: OpenedPage[] = [];

    before(async () => {
      t = await startBrowserApp(engine);
      await seedSampleOrganization(t.ctx);
      const imported = await importDataMap(t.ctx, examples(), { actor: SYSTEM_ACTOR });
      assert.ok(imported.ok);
      browser = await launchBrowser();
      tmp = mkdtempSync(path.join(os.tmpdir(), 'mdg-browser-'));
    });
    after(async () => {
      for (const o of opened) await o.context.close();
      await browser.close();
      await t.close();
      rmSync(tmp, { recursive: true, force: true });
    });

    async function open(lang: 'ja' | 'en', screen: 'desktop' | 'phone' = 'desktop'): Promise<OpenedPage> {
      const o = await openPage(browser, { lang, screen, baseUrl: t.baseUrl });
      opened.push(o);
      return o;
    }

    test('every public page passes axe-core in Japanese and in English, and the language switch is remembered', async () => {
      const pages: Array<[string, string]> = [
        ['home', '/'],
        ['policies', '/policies'],
        ['policy', '/policies/company-policy'],
        ['policy-past-version', '/policies/company-policy/versions/1'],
        ['procedures', '/policies/request-procedures'],
        ['notice', '/notice'],
        ['website-privacy', '/privacy-notice'],
        ['wizard-type', '/requests/new'],
        ['status-without-token', '/requests/req_unknown000000'],
        ['verify', '/requests/req_unknown000000/verify'],
        ['download-without-token', '/requests/req_unknown000000/download?d=abcdefghijklmnopqrstuvwxyz0123456789'],
        ['not-found', '/nothing-here'],
      ];
      for (const lang of ['ja', 'en'] as const) {
        const o = await open(lang);
        await visit(o.page, '/');
        if (lang === 'en') {
          // Japanese first, even for a browser that prefers English; English is one click away.
          assert.equal(await o.page.getAttribute('html', 'lang'), 'ja');
          await o.page.getByRole('button', { name: 'English' }).click();
        }
        for (const [name, url] of pages) {
          if (name === 'not-found') {
            // Not an app page: the server answers 404 itself.
            const res = await o.page.goto(url);
            assert.equal(res?.status(), 404);
            continue;
          }
          await visit(o.page, url);
          assert.equal(await o.page.getAttribute('html', 'lang'), lang, `${name}: <html lang> follows the language`);
          await assertAccessible(o.page, `${name} (${lang})`, AXE);
          if (engine === 'pglite') await screenshot(o.page, `public-${name}-${lang}`);
        }
        assertNoPageProblems(o, `public pages (${lang})`);
      }

      // What the organisation holds comes from the data map, and why from the purposes.
      const ja = await open('ja');
      await visit(ja.page, '/');
      const held = ja.page.locator('section', { has: ja.page.getByRole('heading', { name: '当社が保有している個人情報' }) });
      await held.getByRole('heading', { name: '連絡先' }).waitFor();
      assert.match((await held.textContent()) ?? '', /メールアドレス/);
      assert.match((await ja.page.locator('main').textContent()) ?? '', /商品のご注文の受付、発送、代金の請求およびお支払いの確認/);

      // A past version says so and links to the current one.
      await visit(ja.page, '/policies/company-policy/versions/1');
      assert.match((await ja.page.getByRole('status').first().textContent()) ?? '', /過去の版（第1版/);

      // One click to English; the choice survives a reload.
      await visit(ja.page, '/');
      await ja.page.getByRole('button', { name: 'English' }).click();
      await ja.page.getByRole('heading', { level: 1, name: /privacy centre/ }).waitFor();
      assert.equal(await ja.page.getAttribute('html', 'lang'), 'en');
      await ja.page.reload();
      await ja.page.getByRole('heading', { level: 1, name: /privacy centre/ }).waitFor();
      assert.equal(await ja.page.getByRole('button', { name: 'English' }).getAttribute('aria-pressed'), 'true');

      const phone = await open('ja', 'phone');
      for (const [name, url] of [['home', '/'], ['wizard-type', '/requests/new'], ['notice', '/notice']] as const) {
        await visit(phone.page, url);
        await assertAccessible(phone.page, `${name} on a phone`, AXE);
        const overflow = await phone.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        assert.equal(overflow, 0, `${name}: nothing wider than a phone screen`);
        if (engine === 'pglite') await screenshot(phone.page, `public-${name}-phone`);
      }
    });

    test('a person asks for disclosure in Japanese with two document images, confirms the code, and later downloads the answer', async () => {
      const o = await open('ja');
      const { page } = o;
      await visit(page, '/');
      await page.getByRole('link', { name: '請求を始める' }).click();
      await page.getByRole('heading', { level: 2, name: /請求の種類/ }).waitFor();

      // Nothing chosen: the step says so and stays.
      await next(page, /^次へ$/);
      await page.locator('.error-summary').waitFor();
      assert.match((await page.locator('.error-summary').textContent()) ?? '', /選択してください/);
      await page.locator('input[name=type][value=disclosure]').check();
      assert.match((await page.locator('label.choice', { has: page.locator('input[value=disclosure]') }).textContent()) ?? '', /手数料 ￥1,000/);
      await next(page, /^次へ$/);
      await page.locator('input[name=kind][value=principal]').check();
      await next(page, /^次へ$/);

      // A wrong email and a future birth date are caught at their fields.
      await page.fill('#f-person-name', '山田 太郎');
      await page.fill('#f-person-nameKana', 'ヤマダ タロウ');
      await page.fill('#f-person-address-postalCode', '105-0022');
      await page.fill('#f-person-address-text', '東京都港区海岸1-2-3');
      await page.fill('#f-person-dateOfBirth', '2999-01-01');
      await page.fill('#f-contact-email', 'taro.yamada@');
      await page.fill('#f-concerns-description', 'オンラインストアの会員アカウント（会員番号 12345）に関して保有している個人データ一式');
      await next(page, /^次へ$/);
      await page.locator('.error-summary').waitFor();
      assert.equal(await page.getAttribute('#f-contact-email', 'aria-invalid'), 'true');
      assert.equal(await page.getAttribute('#f-person-dateOfBirth', 'aria-invalid'), 'true');
      await assertAccessible(page, 'the details step with errors', AXE);
      if (engine === 'pglite') await screenshot(page, 'wizard-details-errors-ja');
      await page.fill('#f-person-dateOfBirth', '1985-04-12');
      const email = `taro-${engine}@example.test`;
      await page.fill('#f-contact-email', email);
      await next(page, /^次へ$/);

      // Two document images, each checked and previewed before anything is sent.
      await page.getByRole('heading', { level: 2, name: /本人確認書類/ }).waitFor();
      const section = page.locator('section.doc-section', { has: page.getByRole('heading', { name: 'ご本人の本人確認書類' }) });
      await section.getByLabel('書類の種類').selectOption('health_insurance');
      await section.getByLabel('書類を追加').setInputFiles({ name: 'hoken.png', mimeType: 'image/png', buffer: samplePng() });
      await section.getByLabel('書類の種類').selectOption('resident_record');
      await section.getByLabel('書類を追加').setInputFiles({ name: 'juminhyo.jpg', mimeType: 'image/jpeg', buffer: sampleJpeg() });
      await section.locator('img.doc-preview').nth(1).waitFor();
      assert.equal(await section.locator('img.doc-preview').count(), 2);
      assert.match((await section.locator('img.doc-preview').first().getAttribute('alt')) ?? '', /健康保険の資格確認書・被保険者証のプレビュー（hoken\.png）/);
      assert.match((await page.getByRole('status').filter({ hasText: '必要な書類がそろっています' }).textContent()) ?? '', /そろっています/);
      await assertAccessible(page, 'the documents step', AXE);
      if (engine === 'pglite') await screenshot(page, 'wizard-documents-ja');
      await next(page, /^次へ$/);
      await page.locator('input[name=delivery][value=electronic]').waitFor();
      assert.ok(await page.locator('input[name=delivery][value=electronic]').isChecked(), 'electronic delivery is the default');
      await next(page, /^次へ$/);

      // The review shows everything; sending needs the confirmation.
      await page.getByRole('heading', { level: 2, name: /入力内容の確認/ }).waitFor();
      const review = (await page.locator('form').textContent()) ?? '';
      for (const expected of ['開示', 'ご本人', '山田 太郎', '〒105-0022 東京都港区海岸1-2-3', '1985年4月12日', email, 'hoken.png', 'juminhyo.jpg', '電子データ（ダウンロード）']) {
        assert.ok(review.includes(expected), `the review shows ${expected}`);
      }
      await assertAccessible(page, 'the review step', AXE);
      if (engine === 'pglite') await screenshot(page, 'wizard-review-ja');
      await page.getByRole('button', { name: '送信する' }).click();
      await page.locator('.error-summary').waitFor();
      assert.equal(await requestCount(t), 0, 'nothing is sent before the confirmation');
      await page.getByLabel('入力した内容に誤りがないことを確認しました。').check();
      await page.getByRole('button', { name: '送信する' }).click();

      await page.getByRole('heading', { level: 2, name: '請求を受け付けました' }).waitFor();
      const { id, token } = await rememberedRequest(page);
      const row = await requestRow(t, id);
      assert.equal(row.type, 'disclosure');
      assert.equal(row.status, 'received');
      assert.equal(row.requester_kind, 'principal');
      assert.match((await page.locator('main').textContent()) ?? '', new RegExp(row.reference));
      const docs = await documentRows(t, id);
      assert.deepEqual(
        docs.map((d) => [d.role, d.document_type, d.content_type]),
        [
          ['principal_identity', 'health_insurance', 'image/png'],
          ['principal_identity', 'resident_record', 'image/jpeg'],
        ],
      );
      // The token never travels in a URL the server sees: only in the fragment of the link shown.
      const shownLink = (await page.locator('.track-link a').getAttribute('href')) ?? '';
      assert.equal(shownLink, `${t.baseUrl}/requests/${id}#t=${token}`);
      await assertAccessible(page, 'the code step', AXE);
      if (engine === 'pglite') await screenshot(page, 'wizard-sent-ja');

      // The code from the mail confirms the address; a wrong one is refused with a message.
      const code = await latestVerificationCode(t, id);
      const wrong = code === '000000' ? '111111' : '000000';
      await page.fill('#verification-code', wrong);
      await page.getByRole('button', { name: '確認する' }).click();
      await page.getByRole('alert').filter({ hasText: /コード/ }).waitFor();
      await page.fill('#verification-code', code);
      await page.getByRole('button', { name: '確認する' }).click();
      await page.waitForURL(`${t.baseUrl}/requests/${id}`);
      await page.getByText('本人確認中').first().waitFor();
      assert.equal((await requestRow(t, id)).status, 'identity_review');
      await assertAccessible(page, 'the status page (identity review)', AXE);
      if (engine === 'pglite') await screenshot(page, 'status-identity-review-ja');

      // The office checks the identity: the fee with the bank details appears on the page.
      const handler = await createSignedInStaff(t, 'handler');
      const officer = await createSignedInStaff(t, 'privacy_officer');
      const checked = await handler.inject({
        method: 'POST',
        url: `/api/admin/requests/${id}/identity-check`,
        payload: { checklist: { name: 'match', address: 'match', dateOfBirth: 'match' }, decision: { kind: 'verified' } },
      });
      assert.equal(checked.statusCode, 200, checked.body);
      await page.getByRole('button', { name: '最新の状況に更新' }).click();
      await page.getByText('手数料のお振り込みをお願いします。').waitFor();
      const next1 = (await page.locator('.next-box').textContent()) ?? '';
      assert.match(next1, /￥1,000/);
      assert.match(next1, /みずなら銀行/);
      await assertAccessible(page, 'the status page (fee)', AXE);
      if (engine === 'pglite') await screenshot(page, 'status-fee-ja');

      // Paid, worked on, decided: the answer is ready.
      const today = t.clock.now().toISOString().slice(0, 10);
      const paid = await handler.inject({ method: 'POST', url: `/api/admin/requests/${id}/payments`, payload: { paidOn: today, amountYen: 1000, reference: 'TX-1' } });
      assert.equal(paid.statusCode, 201, paid.body);
      await runJobsUntilIdle(t.ctx, registry);
      const found = await handler.inject({
        method: 'POST',
        url: `/api/admin/requests/${id}/findings`,
        payload: { systemName: 'shop', collection: 'orders', label: '注文履歴', records: [{ order: 'A-1', total: 1200 }] },
      });
      assert.equal(found.statusCode, 201, found.body);
      await draftDecision(t.ctx, id, { type: 'staff', id: handler.staffId }, { outcome: 'full' });
      await submitForReview(t.ctx, id, { type: 'staff', id: handler.staffId });
      await approveDecision(t.ctx, id, { type: 'staff', id: officer.staffId });

      const mail = await latestRequestMail(t, id, 'request.download_ready');
      const link = new RegExp(`http://madoguchi\\.test(/requests/${id}/download\\?d=[A-Za-z0-9_-]+)`).exec(mail.text ?? '')?.[1];
      assert.ok(link, 'the mail carries the download link');
      assert.ok(!link.includes(token), 'the mailed link does not carry the tracking token');
      await visit(page, link);
      await assertAccessible(page, 'the download page', AXE);
      if (engine === 'pglite') await screenshot(page, 'download-ja');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'ZIP ファイルをダウンロード' }).click()]);
      assert.equal(download.suggestedFilename(), `${row.reference}.zip`);
      const saved = path.join(tmp, `${engine}-answer.zip`);
      await download.saveAs(saved);
      const listing = execFileSync('unzip', ['-l', saved], { encoding: 'utf8' });
      for (const file of ['letter.pdf', 'summary.html', 'data.json']) assert.match(listing, new RegExp(file.replace('.', '\\.')));
      await page.getByText(`ダウンロードしました。ファイル「${row.reference}.zip」をご確認ください。`).waitFor();

      await visit(page, `/requests/${id}`);
      await page.getByText('完了', { exact: true }).first().waitFor();
      assert.match((await page.locator('main').textContent()) ?? '', /残りダウンロード回数：4回/);
      if (engine === 'pglite') await screenshot(page, 'status-completed-ja');
      assertNoPageProblems(o, 'the disclosure story');
    });

    test("an agent asks in English on a phone, with the agent's own documents and proof of authority", async () => {
      const o = await open('en', 'phone');
      const { page } = o;
      await visit(page, '/requests/new');
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Make a request' }).waitFor();
      await page.locator('input[name=type][value=suspension]').check();
      await next(page, /^Next$/);
      await page.locator('input[name=kind][value=statutory_agent]').check();
      await page.fill('#f-requester-agent-name', 'Hanako Yamada');
      await page.fill('#f-requester-agent-relationship', 'Parent');
      await page.fill('#f-requester-agent-address-text', '1-2-3 Kaigan, Minato-ku, Tokyo');
      await next(page, /^Next$/);
      await page.getByRole('heading', { level: 3, name: 'About the person the request concerns' }).waitFor();
      await page.fill('#f-person-name', 'Ken Yamada');
      await page.fill('#f-person-address-text', '1-2-3 Kaigan, Minato-ku, Tokyo');
      await page.fill('#f-person-dateOfBirth', '2012-08-30');
      await page.fill('#f-contact-email', `hanako-${engine}@example.test`);
      await page.fill('#f-concerns-description', 'The member account of my son on the online shop');
      await page.fill('#f-concerns-grounds', 'He was registered without my consent while a minor.');
      await next(page, /^Next$/);

      const identity = page.locator('section.doc-section', { has: page.getByRole('heading', { name: "The agent's identity documents" }) });
      const authority = page.locator('section.doc-section', { has: page.getByRole('heading', { name: "Documents proving the agent's authority" }) });
      assert.match((await authority.textContent()) ?? '', /Family register certificate/);
      await page.getByRole('status').filter({ hasText: 'not complete yet' }).waitFor();
      await identity.getByLabel('Document', { exact: true }).selectOption('drivers_license');
      await identity.getByLabel('Add document').setInputFiles({ name: 'licence.jpg', mimeType: 'image/jpeg', buffer: sampleJpeg() });
      await authority.getByLabel('Document', { exact: true }).selectOption('family_register');
      await authority.getByLabel('Add document').setInputFiles({ name: 'koseki.png', mimeType: 'image/png', buffer: samplePng() });
      await page.getByRole('status').filter({ hasText: 'You have added the documents we need.' }).waitFor();
      await assertAccessible(page, 'the documents step of an agent, on a phone', AXE);
      if (engine === 'pglite') await screenshot(page, 'wizard-agent-documents-en-phone');
      await next(page, /^Next$/);
      await next(page, /^Next$/);
      await page.getByRole('heading', { level: 2, name: /Check and send/ }).waitFor();
      const review = (await page.locator('form').textContent()) ?? '';
      for (const expected of ['Suspension of use or erasure', 'Statutory agent', 'Hanako Yamada', 'Parent', 'Ken Yamada', '30 August 2012', 'He was registered without my consent']) {
        assert.ok(review.includes(expected), `the review shows ${expected}`);
      }
      await page.getByLabel('I have checked that what I entered is correct.').check();
      await page.getByRole('button', { name: 'Send request' }).click();
      await page.getByRole('heading', { level: 2, name: 'We have received your request' }).waitFor();
      const { id } = await rememberedRequest(page);
      const row = await requestRow(t, id);
      assert.equal(row.requester_kind, 'statutory_agent');
      assert.equal(row.type, 'suspension');
      assert.equal(row.language, 'en');
      assert.deepEqual(
        (await documentRows(t, id)).map((d) => [d.role, d.document_type]),
        [
          ['agent_identity', 'drivers_license'],
          ['agent_authority', 'family_register'],
        ],
      );
      // This time through the link in the mail: the code is filled in, and sent on a click.
      const verifyMail = await latestRequestMail(t, id, 'request.verify_email');
      const verifyPath = new RegExp(`http://madoguchi\\.test(/requests/${id}/verify\\?code=\\d{6})`).exec(verifyMail.text ?? '')?.[1];
      assert.ok(verifyPath, 'the mail carries the verification link');
      await visit(page, verifyPath);
      assert.equal(await page.inputValue('#verification-code'), verifyPath.slice(-6));
      assert.equal(new URL(page.url()).search, '', 'the code leaves the address bar');
      assert.equal((await requestRow(t, id)).status, 'received', 'opening the link alone confirms nothing');
      await page.getByRole('button', { name: 'Confirm', exact: true }).click();
      await page.waitForURL(`${t.baseUrl}/requests/${id}`);
      await page.getByText('Checking identity').first().waitFor();
      const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      assert.equal(overflow, 0, 'the status page fits a phone screen');
      await assertAccessible(page, 'the status page of an agent, on a phone', AXE);
      if (engine === 'pglite') await screenshot(page, 'status-agent-en-phone');

      // The office asks for more: the message and the upload appear; the person sends one more file.
      const handler = await createSignedInStaff(t, 'handler');
      const asked = await handler.inject({
        method: 'POST',
        url: `/api/admin/requests/${id}/identity-check`,
        payload: { checklist: { name: 'match', address: 'match', dateOfBirth: 'match' }, decision: { kind: 'more_documents', message: 'Please also send a copy of the resident record.' } },
      });
      assert.equal(asked.statusCode, 200, asked.body);
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.locator('.next-box').getByText('Please also send a copy of the resident record.').waitFor();
      const upload = page.locator('section.doc-section', { has: page.getByRole('heading', { name: 'Send further documents' }) });
      await upload.getByLabel('Document', { exact: true }).first().selectOption('resident_record');
      await upload.getByLabel('Add document').first().setInputFiles({ name: 'resident.jpg', mimeType: 'image/jpeg', buffer: sampleJpeg() });
      await upload.locator('img.doc-preview').waitFor();
      await assertAccessible(page, 'the status page asking for documents', AXE);
      if (engine === 'pglite') await screenshot(page, 'status-more-documents-en-phone');
      await upload.getByRole('button', { name: 'Send documents' }).click();
      await page.getByText('We have received 3 document(s).').waitFor();
      assert.equal((await documentRows(t, id)).length, 3);
      assertNoPageProblems(o, "the agent's request");
    });

    test('a refused upload is explained in plain words and nothing is sent', async () => {
      const before = await requestCount(t);
      const o = await open('ja');
      const { page } = o;
      await visit(page, '/requests/new');
      await page.locator('input[name=type][value=purpose_notification]').check();
      await next(page, /^次へ$/);
      await page.locator('input[name=kind][value=principal]').check();
      await next(page, /^次へ$/);
      await page.fill('#f-person-name', '佐藤 花子');
      await page.fill('#f-person-address-text', '宮城県仙台市青葉区本町1-1-1');
      await page.fill('#f-person-dateOfBirth', '1990-01-31');
      await page.fill('#f-contact-email', `hanako-sato-${engine}@example.test`);
      await page.fill('#f-concerns-description', 'メールマガジンの登録情報');
      await next(page, /^次へ$/);
      const section = page.locator('section.doc-section', { has: page.getByRole('heading', { name: 'ご本人の本人確認書類' }) });
      const select = section.getByLabel('書類の種類');
      const input = section.getByLabel('書類を追加');

      // A program renamed to .jpg.
      await select.selectOption('drivers_license');
      await input.setInputFiles({ name: 'menkyo.jpg', mimeType: 'image/jpeg', buffer: elfExecutable() });
      const alert = section.getByRole('alert');
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /「menkyo\.jpg」は JPEG・PNG・PDF・HEIC のいずれでもないため追加できません/);
      assert.equal(await section.locator('.doc-item').count(), 0);
      await assertAccessible(page, 'the refused upload message', AXE);
      if (engine === 'pglite') await screenshot(page, 'wizard-refused-upload-ja');

      // A photo of 11 MB.
      await input.setInputFiles({ name: 'large.jpg', mimeType: 'image/jpeg', buffer: jpegOfSize(11 * 1024 * 1024) });
      await alert.filter({ hasText: 'large.jpg' }).waitFor();
      assert.match((await alert.textContent()) ?? '', /「large\.jpg」は 11\.0 MB あり、上限の 10\.0 MB を超えています/);
      assert.equal(await section.locator('.doc-item').count(), 0);

      // A broken JPEG looks right to the browser; the server refuses it and the wizard shows why.
      await input.setInputFiles({ name: 'broken.jpg', mimeType: 'image/jpeg', buffer: truncatedJpeg() });
      await section.locator('.doc-item').waitFor();
      await next(page, /^次へ$/);
      await next(page, /^次へ$/);
      await page.getByLabel('入力した内容に誤りがないことを確認しました。').check();
      await page.getByRole('button', { name: '送信する' }).click();
      await page.getByRole('heading', { level: 2, name: /本人確認書類/ }).waitFor();
      const refusal = page.getByRole('alert').filter({ hasText: 'broken.jpg' });
      await refusal.waitFor();
      assert.ok(((await refusal.textContent()) ?? '').length > 'broken.jpg: '.length, 'the server message is shown with the file');
      assert.equal(await requestCount(t), before, 'no request was stored');
      assertNoPageProblems(o, 'refused uploads');
    });
  });
}
