// The cookie banner in real Chromium. A shop page on another origin (a small node:http server)
// embeds the banner from a running Madoguchi, with a stand-in analytics tag (a local script
// that counts its runs) and an inline marketing snippet, both marked to wait for consent.
// Checked as a visitor would: nothing runs before a choice; the analytics tag runs once its
// category is accepted (with the keyboard alone); GPC keeps it from ever running; the choice
// is held by the server as proof; the banner has no accessibility violations (axe-core); the
// page talks to nobody but itself and Madoguchi.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/domains/audit/audit.actions.ts';
import { createCookieTag } from '../../src/domains/consent/banner.service.ts';
import { seedSampleOrganization } from '../../src/domains/organization/organization.service.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINES } from '../helpers/databases.ts';

/** What the page's own globals look like from inside `page.evaluate` (the project compiles without the DOM library). */
interface PageGlobals {
  document: {
    activeElement: { id: string; matches(selector: string): boolean } | null;
    querySelector(selector: string): { setAttribute(name: string, value: string): void } | null;
  };
  __analyticsRan?: number;
  __marketingRan?: number;
  axe: { run(context: unknown, options: unknown): Promise<{ violations: Array<{ id: string; help: string; nodes: unknown[] }> }> };
}

const AXE = path.resolve('node_modules/axe-core/axe.min.js');
const ARTIFACTS = path.resolve('test-artifacts');

function shopPage(madoguchi: string): string {
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>あおば生活舎 オンラインストア</title>
<script src="${madoguchi}/banner.js" defer></script>
<script type="text/plain" data-mdg-category="analytics" src="/analytics.js"></script>
<script type="text/plain" data-mdg-category="marketing">window.__marketingRan = (window.__marketingRan || 0) + 1;</script>
</head><body>
<header><p>あおば生活舎</p></header>
<main><h1>オンラインストア</h1><p>季節の暮らしの道具をお届けします。</p>
<p><a href="#" data-mdg-preferences>Cookie設定</a></p></main>
</body></html>`;
}

interface Shop {
  origin: string;
  analyticsHits: number;
  close(): Promise<void>;
}

async function startShop(madoguchi: string): Promise<Shop> {
  const shop = { origin: '', analyticsHits: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    if (req.url === '/analytics.js') {
      shop.analyticsHits += 1;
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      res.end('window.__analyticsRan = (window.__analyticsRan || 0) + 1;');
      return;
    }
    if (req.url === '/' || req.url?.startsWith('/?')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(shopPage(madoguchi));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // "localhost" against Madoguchi's 127.0.0.1: another origin, as on a real site.
  shop.origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  shop.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return shop;
}

async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 5000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Presses Tab until `selector` has the focus (the banner must be reachable by keyboard alone). */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => (globalThis as unknown as PageGlobals).document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`${selector} is not reachable with Tab`);
}

async function axeViolations(page: Page): Promise<Array<{ id: string; help: string; nodes: number }>> {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as PageGlobals).axe;
    const result = await axe.run({ include: [['#mdg-banner']] }, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.length }));
  });
}

for (const engine of ENGINES) {
  describe(`the cookie banner in Chromium (${engine})`, { timeout: 120_000 }, () => {
    let t: TestApp;
    let browser: Browser;
    let shop: Shop;
    let madoguchi: string;
    let bannerVersion: number;
    const outside: string[] = [];

    before(async () => {
      t = await startTestApp(engine);
      await seedSampleOrganization(t.ctx);
      const created = await createCookieTag(
        t.ctx,
        {
          category: 'analytics',
          name: 'Stand-in Analytics',
          recipient: 'Example Analytics K.K.',
          dataSent: { ja: 'Cookie ID、閲覧したページのURL、ブラウザの種類', en: 'Cookie ID, page URLs viewed, browser type' },
          companyPurpose: { ja: 'サイトの利用状況の分析', en: 'Analysing how the site is used' },
          recipientPurpose: { ja: 'アクセス解析サービスの提供', en: 'Providing its analytics service' },
          optOutUrl: 'https://analytics.example/opt-out',
        },
        SYSTEM_ACTOR,
      );
      bannerVersion = created.bannerVersion;
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      madoguchi = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      shop = await startShop(madoguchi);
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
      mkdirSync(ARTIFACTS, { recursive: true });
    });
    after(async () => {
      await browser?.close();
      await shop?.close();
      await t?.close();
    });

    async function newPage(context: BrowserContext): Promise<Page> {
      const page = await context.newPage();
      page.on('request', (r) => {
        const origin = new URL(r.url()).origin;
        if (origin !== shop.origin && origin !== madoguchi) outside.push(r.url());
      });
      return page;
    }

    async function proofs(gpc: boolean) {
      return t.ctx.db.selectFrom('cookie_consents').selectAll().where('gpc', '=', gpc).orderBy('at', 'desc').execute();
    }

    test('nothing runs before consent; after accepting analytics with the keyboard the tag runs, and the server holds the proof', async () => {
      const context = await browser.newContext({ locale: 'ja-JP' });
      const page = await newPage(context);
      await page.goto(`${shop.origin}/`);
      await page.waitForSelector('#mdg-banner:not([hidden])');
      assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).__analyticsRan), undefined, 'the analytics tag has not run');
      assert.equal(shop.analyticsHits, 0, 'the analytics script was not even fetched');
      assert.match(await page.textContent('#mdg-banner') ?? '', /Cookieと外部送信について/);

      // Keyboard only: open the settings, tick analytics, save.
      await tabTo(page, '#mdg-banner button[data-act="prefs"]');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#mdg-prefs:not([hidden])');
      assert.deepEqual(await axeViolations(page), [], 'no accessibility violations with the settings open');
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.querySelector('#mdg-banner details')?.setAttribute('open', ''));
      await page.screenshot({ path: path.join(ARTIFACTS, `banner-${engine}.png`), fullPage: true });
      await tabTo(page, '#mdg-c-analytics');
      await page.keyboard.press('Space');
      assert.equal(await page.isChecked('#mdg-c-marketing'), false);
      await tabTo(page, '#mdg-banner button[data-act="save"]');
      await page.keyboard.press('Enter');

      await waitFor(() => page.evaluate(() => (globalThis as unknown as PageGlobals).__analyticsRan === 1), 'the analytics tag runs after consent');
      assert.equal(shop.analyticsHits, 1);
      assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).__marketingRan), undefined, 'marketing was not accepted');
      assert.equal(await page.isHidden('#mdg-banner'), true);

      const proof = await waitFor(async () => (await proofs(false))[0], 'the proof reaches the server');
      assert.equal(proof.analytics, true);
      assert.equal(proof.marketing, false);
      assert.equal(proof.method, 'custom');
      assert.equal(proof.language, 'ja');
      assert.equal(proof.banner_version, bannerVersion);
      assert.equal(proof.origin, shop.origin);
      assert.match(proof.ip_hash ?? '', /^[0-9a-f]{32}$/);
      assert.match(proof.ua_hash ?? '', /^[0-9a-f]{32}$/);

      // The next visit remembers the choice; the preferences link opens it again.
      await page.reload();
      await waitFor(() => page.evaluate(() => (globalThis as unknown as PageGlobals).__analyticsRan === 1), 'the tag runs on the next visit');
      assert.equal(await page.isHidden('#mdg-banner'), true);
      await page.click('[data-mdg-preferences]');
      await page.waitForSelector('#mdg-banner:not([hidden]) #mdg-prefs:not([hidden])');
      assert.equal(await page.isChecked('#mdg-c-analytics'), true);
      assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.id), 'mdg-title', 'focus moves to the reopened banner');
      await page.keyboard.press('Escape');
      assert.equal(await page.isHidden('#mdg-banner'), true);
      await context.close();
      assert.deepEqual(outside, [], 'no request left the shop and Madoguchi');
    });

    test('with Global Privacy Control the tag never runs, even after "accept all", and the refusal is the proof', async () => {
      const hitsBefore = shop.analyticsHits;
      const context = await browser.newContext({ locale: 'en-US', extraHTTPHeaders: { 'Sec-GPC': '1' } });
      await context.addInitScript({ content: "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });" });
      const page = await newPage(context);
      await page.goto(`${shop.origin}/`);
      await page.waitForSelector('#mdg-banner:not([hidden])');
      assert.match(await page.textContent('#mdg-banner .mdg-gpc') ?? '', /Global Privacy Control/);
      await page.click('#mdg-banner button[data-act="accept"]');
      const proof = await waitFor(async () => (await proofs(true))[0], 'the GPC proof reaches the server');
      assert.equal(proof.analytics, false);
      assert.equal(proof.marketing, false);
      assert.equal(proof.method, 'accept_all');
      await new Promise((r) => setTimeout(r, 500));
      await page.reload();
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).__analyticsRan), undefined);
      assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).__marketingRan), undefined);
      assert.equal(shop.analyticsHits, hitsBefore, 'the analytics script was never fetched under GPC');
      await page.click('[data-mdg-preferences]');
      await page.waitForSelector('#mdg-banner:not([hidden])');
      assert.equal(await page.isDisabled('#mdg-c-analytics'), true, 'GPC locks analytics off');
      assert.deepEqual(await axeViolations(page), []);
      await context.close();
      assert.deepEqual(outside, []);
    });
  });
}
