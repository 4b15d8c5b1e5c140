// Real Chromium for browser tests (Debian's /usr/bin/chromium driven by playwright-core;
// nothing is downloaded): a Madoguchi listening on a free port, pages opened in a language
// and on a desktop or phone screen, screenshots written to test-artifacts/, and axe-core run
// inside the page with a failure message that names each violation and where it is.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Engine } from './databases.ts';
import { startTestApp, type TestApp, type TestAppOptions } from './app.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS_DIR = path.join(repoRoot, 'test-artifacts');
const AXE_SOURCE_PATH = path.join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js');

export interface BrowserApp extends TestApp {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  baseUrl: string;
}

/**
 * A test app that listens on a real port. The web build must exist: scripts/run-tests.mjs
 * builds it before browser tests (or run `npm run build:web`).
 */
export async function startBrowserApp(engine: Engine, options: TestAppOptions = {}): Promise<BrowserApp> {
  assert.ok(existsSync(path.join(repoRoot, 'web', 'dist', 'index.html')), 'web/dist is missing: run `npm run build:web` (the test runner does it for test/browser files)');
  const app = await startTestApp(engine, options);
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.app.server.address();
  assert.ok(address && typeof address === 'object', 'the test app is not listening');
  return { ...app, baseUrl: `http://127.0.0.1:${address.port}` };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

export type Screen = 'desktop' | 'phone';

export interface PageOptions {
  lang: 'ja' | 'en';
  screen?: Screen;
  baseUrl?: string;
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors, console errors (CSP breaches included), server errors and failed requests so far. */
  problems: string[];
}

/**
 * A fresh context (own storage and cookies) whose browser speaks `lang`: navigator.languages
 * and Accept-Language both say it, which is how a first visit picks the language.
 */
export async function openPage(browser: Browser, options: PageOptions): Promise<OpenedPage> {
  const phone = options.screen === 'phone';
  const context = await browser.newContext({
    locale: options.lang === 'ja' ? 'ja-JP' : 'en-GB',
    extraHTTPHeaders: { 'accept-language': options.lang === 'ja' ? 'ja,en;q=0.5' : 'en,ja;q=0.5' },
    viewport: phone ? { width: 390, height: 844 } : { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    isMobile: phone,
    hasTouch: phone,
    timezoneId: 'Asia/Tokyo',
    acceptDownloads: true,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
  });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // Chromium echoes every 4xx/5xx answer as "Failed to load resource"; a refusal the test
    // provokes is expected, so HTTP answers are judged below and not here.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console error: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 500) problems.push(`server error: ${res.status()} ${new URL(res.url()).pathname}`);
  });
  page.on('requestfailed', (req) => {
    // A download handed to the browser's download manager reports as aborted; that is success.
    const failure = req.failure()?.errorText ?? 'failed';
    if (!failure.includes('ERR_ABORTED')) problems.push(`request failed: ${failure} ${new URL(req.url()).pathname}`);
  });
  return { context, page, problems };
}

/** Writes `test-artifacts/<name>.png` (the whole page) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface AxeOptions {
  /** axe tags to run; WCAG 2.0–2.2 A and AA by default. Add 'best-practice' for more. */
  tags?: string[];
  /** axe rule ids to leave out, each with a reason in the calling test. */
  disableRules?: string[];
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: string[]; failureSummary: string }>;
}

export const WCAG_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let axeSource: string | null = null;

/** The violations axe-core finds on the page as it is now. */
export async function axeViolations(page: Page, options: AxeOptions = {}): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(AXE_SOURCE_PATH, 'utf8');
  // Evaluated over the DevTools protocol rather than added as a <script>: the page's CSP
  // (script-src 'self') rightly refuses inline scripts, and the test must not loosen it.
  const loaded = await page.evaluate(`(() => { if (!window.axe) { ${axeSource}\n } return typeof window.axe; })()`);
  assert.equal(loaded, 'object', 'axe-core did not load in the page');
  const config = JSON.stringify({
    runOnly: { type: 'tag', values: options.tags ?? WCAG_AA_TAGS },
    rules: Object.fromEntries((options.disableRules ?? []).map((id) => [id, { enabled: false }])),
    resultTypes: ['violations'],
  });
  const result = await page.evaluate(
    `window.axe.run(document, ${config}).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, nodes: v.nodes.map((n) => ({ target: n.target.map(String), failureSummary: n.failureSummary || '' })) })))`,
  );
  return result as AxeViolation[];
}

export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 5)
        .map((n) => `    at ${n.target.join(' ')}\n      ${n.failureSummary.replace(/\n/g, '\n      ')}`)
        .join('\n');
      const more = v.nodes.length > 5 ? `\n    … and ${v.nodes.length - 5} more` : '';
      return `  [${v.impact ?? 'unknown'}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}${more}`;
    })
    .join('\n');
}

/** Fails with every violation listed (rule, impact, element, what to fix) when axe finds any. */
export async function assertAccessible(page: Page, label: string, options: AxeOptions = {}): Promise<void> {
  const violations = await axeViolations(page, options);
  if (violations.length > 0) {
    assert.fail(`axe-core found ${violations.length} accessibility violation(s) on ${label} (${page.url()}):\n${describeViolations(violations)}`);
  }
}

/** Fails when the page reported errors (uncaught exceptions, console errors, CSP breaches). */
export function assertNoPageProblems(opened: OpenedPage, label: string): void {
  assert.deepEqual(opened.problems, [], `${label}: the page reported problems`);
}
