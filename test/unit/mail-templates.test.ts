import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifySmtpError } from '../../src/domains/mail/mail.smtp.ts';
import { escapeHtml, formatDateTime } from '../../src/domains/mail/mail.render.ts';
import { EMAIL_TEMPLATE_NAMES, EMAIL_TEMPLATES, renderEmail, type EmailTemplateName } from '../../src/domains/mail/mail.templates.ts';

const defaults = { organizationName: '株式会社あおば生活舎' };
const at = new Date('2026-11-28T06:00:00Z');

/** Valid variables for templates, each rendered in both languages below. A new template
 * gets its line here when its author wants these checks for it. */
const SAMPLE_VARIABLES: Partial<Record<EmailTemplateName, unknown>> = {
  'staff.password_setup': { displayName: '山田 花子', setupUrl: 'https://madoguchi.test/setup?token=x', expiresAt: at },
  'staff.mfa_reset': { displayName: '山田 花子', resetAt: at, signInUrl: 'https://madoguchi.test/admin' },
  'dev.test': { sentAt: at },
  'request.verify_email': { reference: 'R-20261128-ABCDEF', code: '042917', verifyUrl: 'https://madoguchi.test/requests/req_1/verify?code=042917', expiresAt: at },
  'request.acknowledged': { reference: 'R-20261128-ABCDEF', requestType: 'disclosure', dueAt: at, statusUrl: 'https://madoguchi.test/requests/req_1', feeApplies: true },
  'request.withdrawn': { reference: 'R-20261128-ABCDEF', requestType: 'correction', withdrawnAt: at },
  'request.documents_needed': { reference: 'R-20261128-ABCDEF', message: '住所が確認できる書類をもう1点お送りください。', replyDueAt: at },
  'request.fee_required': { reference: 'R-20261128-ABCDEF', totalYen: 1460, baseYen: 1000, extraYen: 460, replyDueAt: at, bankTransfer: { bankName: { ja: 'あおば銀行', en: 'Aoba Bank' }, branchName: { ja: '本店', en: 'Head Office' }, accountType: 'ordinary', accountNumber: '1234567', accountHolder: { ja: 'カ）アオバセイカツシャ', en: 'Aoba Seikatsusha Co., Ltd.' } } },
  'request.payment_received': { reference: 'R-20261128-ABCDEF', outcome: 'paid', amountYen: 1000 },
  'request.closed': { reference: 'R-20261128-ABCDEF', reason: 'fee_unpaid' },
  'request.message': { reference: 'R-20261128-ABCDEF', message: 'ご請求の対象となるサービス名をお知らせください。' },
  'request.my_number_destroyed': { reference: 'R-20261128-ABCDEF' },
  'request.staff_due_soon': { displayName: '山田 花子', reference: 'R-20261128-ABCDEF', requestType: 'disclosure', dueAt: at, requestUrl: 'https://madoguchi.test/admin/requests/req_1' },
  'request.staff_escalated': { displayName: '山田 花子', reference: 'R-20261128-ABCDEF', requestType: 'disclosure', dueAt: at, escalationAt: at, requestUrl: 'https://madoguchi.test/admin/requests/req_1' },
  'request.download_ready': { reference: 'R-20261128-ABCDEF', downloadUrl: 'https://madoguchi.test/requests/req_1/download?d=x', expiresAt: at, maxDownloads: 3 },
  'request.download_expiring': { reference: 'R-20261128-ABCDEF', expiresAt: at, sentAt: at },
  'request.completed': { reference: 'R-20261128-ABCDEF', delivery: 'paper', postedAt: at },
  'request.decision': { reference: 'R-20261128-ABCDEF', requestType: 'disclosure', outcome: 'partial', reasons: ['business_impediment', 'not_held'], followUp: 'download_link' },
};

describe('email templates', () => {
  test('every template renders in Japanese and English, with a one-line subject and both bodies', () => {
    const sampled = EMAIL_TEMPLATE_NAMES.filter((name) => SAMPLE_VARIABLES[name] !== undefined);
    assert.ok(sampled.includes('staff.password_setup') && sampled.includes('staff.mfa_reset') && sampled.includes('dev.test'));
    for (const name of sampled) {
      const variables = SAMPLE_VARIABLES[name];
      for (const language of ['ja', 'en'] as const) {
        const mail = EMAIL_TEMPLATES[name].render(language, variables, defaults);
        assert.ok(mail.subject.length > 0 && !/[\r\n]/.test(mail.subject), `${name}/${language} subject`);
        assert.ok(mail.subject.includes(defaults.organizationName), `${name}/${language} names the organisation`);
        assert.match(mail.text, /\n-- \n/, `${name}/${language} text has a signature`);
        assert.match(mail.html, new RegExp(`^<!doctype html><html lang="${language}">`));
        if (language === 'ja') assert.match(mail.text, /(です|ます|ください)。/, `${name} is written politely`);
      }
    }
  });

  test('variables are escaped in the HTML body and kept as typed in the text body', () => {
    const mail = renderEmail(
      'staff.password_setup',
      'en',
      {
        displayName: '<img src=x onerror="alert(1)">',
        setupUrl: 'https://madoguchi.test/setup?token=a&next="x"',
        expiresAt: at,
        organizationName: 'Tom & Jerry <Ltd>',
      },
      defaults,
    );
    assert.equal(mail.subject, '[Tom & Jerry <Ltd>] Set your password');
    assert.match(mail.text, /^Dear <img src=x onerror="alert\(1\)">,/);
    assert.doesNotMatch(mail.html, /<img/);
    assert.match(mail.html, /Dear &lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;,/);
    assert.match(mail.html, /<title>\[Tom &amp; Jerry &lt;Ltd&gt;\] Set your password<\/title>/);
    assert.match(mail.html, /href="https:\/\/madoguchi\.test\/setup\?token=a&amp;next=%22x%22"/);
  });

  test('a new-password mail and a reset mail say different things', () => {
    const base = { displayName: 'Jane', setupUrl: 'https://madoguchi.test/s', expiresAt: at };
    assert.equal(renderEmail('staff.password_setup', 'ja', base, defaults).subject, '【株式会社あおば生活舎】パスワード設定のお願い');
    assert.equal(
      renderEmail('staff.password_setup', 'ja', { ...base, purpose: 'reset' }, defaults).subject,
      '【株式会社あおば生活舎】パスワード再設定のご案内',
    );
  });

  test('links must be web links, names must be one line, and unknown variables are refused', () => {
    const render = (variables: unknown) => EMAIL_TEMPLATES['staff.mfa_reset'].render('ja', variables, defaults);
    const ok = { displayName: 'A', resetAt: at, signInUrl: 'https://madoguchi.test/' };
    assert.doesNotThrow(() => render(ok));
    assert.throws(() => render({ ...ok, signInUrl: 'javascript:alert(1)' }), /signInUrl/);
    assert.throws(() => render({ ...ok, displayName: 'A\r\nBcc: victim@example.test' }), /displayName/);
    assert.throws(() => render({ ...ok, organizationName: 'X\nY' }), /one line/);
    assert.throws(() => render({ ...ok, extra: 1 }), /extra/);
    assert.throws(() => render({ displayName: 'A' }), /resetAt/);
  });

  test('dates are shown in Japan time whatever the server time zone', () => {
    assert.equal(formatDateTime(new Date('2026-12-31T15:30:00Z'), 'ja'), '2027年1月1日 00:30（日本時間）');
    assert.equal(formatDateTime(new Date('2026-12-31T15:30:00Z'), 'en'), '1 January 2027 at 00:30 (Japan time)');
  });

  test('escapeHtml covers the five characters that matter', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('SMTP failures', () => {
  test('5xx answers are permanent, 4xx answers and connection trouble are retried, and no address leaks into the summary', () => {
    const refused = Object.assign(new Error('550 5.1.1 <someone@example.test>: Recipient address rejected'), {
      code: 'EENVELOPE',
      responseCode: 550,
    });
    assert.deepEqual(classifySmtpError(refused), { permanent: true, summary: 'EENVELOPE SMTP 550' });
    const busy = Object.assign(new Error('451 try later'), { code: 'EENVELOPE', responseCode: 451 });
    assert.equal(classifySmtpError(busy).permanent, false);
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2525'), { code: 'ESOCKET' });
    assert.deepEqual(classifySmtpError(down), { permanent: false, summary: 'ESOCKET' });
  });
});
