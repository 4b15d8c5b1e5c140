import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SAMPLE_PROFILE, SAMPLE_REQUEST_SETTINGS, SAMPLE_SECURITY } from '../../src/domains/organization/sample-organization.ts';
import type { NoticeInput } from '../../src/domains/policies/notice-input.ts';
import { ZPolicyContent, type PolicyContent } from '../../src/domains/policies/policy.ts';
import {
  effectiveDateProblem,
  revisionDates,
  revisionHistoryLines,
  translationGaps,
} from '../../src/domains/policies/policy-content.rules.ts';
import { diffPolicies, diffText, diffToText, tokenize } from '../../src/domains/policies/policy-diff.rules.ts';
import { dateInJapan, formatDate } from '../../src/domains/policies/policy-format.ts';
import { renderPolicy } from '../../src/domains/policies/policy-render.ts';
import { SAMPLE_POLICY_DOCUMENTS } from '../../src/domains/policies/sample-policies.ts';

const INPUT: NoticeInput = {
  organization: SAMPLE_PROFILE,
  settings: SAMPLE_REQUEST_SETTINGS,
  purposes: [],
  securityMeasures: SAMPLE_SECURITY.measures,
  foreignCountries: SAMPLE_SECURITY.foreignCountries,
};

function companyPolicy(version: number): PolicyContent {
  const doc = SAMPLE_POLICY_DOCUMENTS.find((d) => d.kind === 'company-policy');
  const content = doc?.versions[version - 1]?.content;
  assert.ok(content);
  return structuredClone(content);
}

describe('sample policies', () => {
  test('every sample document is valid and fully translated', () => {
    for (const doc of SAMPLE_POLICY_DOCUMENTS) {
      for (const v of doc.versions) {
        assert.ok(ZPolicyContent.safeParse(v.content).success, `${doc.kind} parses`);
        assert.deepEqual(translationGaps(v.content, v.summary), [], `${doc.kind} has no missing translation`);
      }
    }
  });

  test('the company policy in force has the twelve articles, the five exceptions and the company block', () => {
    const content = companyPolicy(2);
    assert.equal(content.articles.length, 12);
    const provision = content.articles.find((a) => a.key === 'provision');
    const list = provision?.blocks.find((b) => b.type === 'list');
    assert.equal(list?.type === 'list' ? list.items.length : 0, 5);
    const rendered = renderPolicy(content, INPUT, 'ja', []);
    assert.equal(rendered.articles[0]?.label, '第1条');
    assert.equal(rendered.articles[11]?.label, '第12条');
    assert.match(rendered.text, /第8条（第三者への提供）\n.*\n {2}\(1\) あらかじめご本人の同意/);
    assert.match(rendered.text, /第12条（事業者の名称・住所・代表者）\n {2}名称：株式会社あおば生活舎/);
    const en = renderPolicy(content, INPUT, 'en', []);
    assert.match(en.text, /Article 12 \(Our name, address and representative\)\n {2}Name: Aoba Seikatsusha Co., Ltd./);
  });

  test('the procedures list the nine reasons for not disclosing and follow the settings', () => {
    const doc = SAMPLE_POLICY_DOCUMENTS.find((d) => d.kind === 'request-procedures');
    const content = doc?.versions[0]?.content;
    assert.ok(content);
    const refusal = content.articles.find((a) => a.key === 'refusal')?.blocks.find((b) => b.type === 'list');
    assert.equal(refusal?.type === 'list' ? refusal.items.length : 0, 9);
    const settings = structuredClone(SAMPLE_REQUEST_SETTINGS);
    settings.documentRetentionMonths = 18;
    settings.fees.perRequest.disclosure = 500;
    const text = renderPolicy(content, { ...INPUT, settings }, 'ja', []).text;
    assert.match(text, /18か月間保管した後、廃棄します/);
    assert.match(text, /開示：1回のご請求につき500円/);
    assert.match(text, /利用目的の通知および第三者提供記録の開示：1回のご請求につき1,000円/);
    const en = renderPolicy(content, { ...INPUT, settings }, 'en', []).text;
    assert.match(en, /for 18 months after we have finished handling the request/);
    assert.match(en, /Disclosure: ¥500 per request/);
  });
});

describe('translations', () => {
  test('a text missing in one language is reported with its place and language', () => {
    const content = companyPolicy(2);
    const provision = content.articles.find((a) => a.key === 'provision');
    const list = provision?.blocks[1];
    assert.ok(list?.type === 'list');
    const item = list.items[2];
    assert.ok(item);
    item.text.en = '';
    const heading = content.articles[0];
    assert.ok(heading);
    heading.heading.ja = ' ';
    assert.deepEqual(translationGaps(content), [
      { path: 'articles.compliance.heading', language: 'ja' },
      { path: 'articles.provision.blocks.1.items.2.text', language: 'en' },
    ]);
  });

  test('a revision summary may be empty, but not written in one language only', () => {
    const content = companyPolicy(2);
    assert.deepEqual(translationGaps(content, { ja: '', en: '' }), []);
    assert.deepEqual(translationGaps(content, { ja: '改定しました。', en: '' }), [{ path: 'summary', language: 'en' }]);
  });
});

describe('revision history and effective dates', () => {
  test('the first date is the establishment, later ones are revisions, in both languages', () => {
    const dates = revisionDates(['2019-04-01'], ['2024-10-01', '2022-04-01', '2026-01-01'], '2024-10-01');
    assert.deepEqual(dates, ['2019-04-01', '2022-04-01', '2024-10-01']);
    assert.deepEqual(revisionHistoryLines(dates, 'ja'), ['2019年4月1日 制定', '2022年4月1日 改定', '2024年10月1日 改定']);
    assert.deepEqual(revisionHistoryLines(dates, 'en'), ['Established: April 1, 2019', 'Revised: April 1, 2022', 'Revised: October 1, 2024']);
    assert.equal(formatDate('2023-06-16', 'en'), 'June 16, 2023');
  });

  test('the day in Japan turns at 15:00 UTC', () => {
    assert.equal(dateInJapan(new Date('2025-03-31T14:59:59Z')), '2025-03-31');
    assert.equal(dateInJapan(new Date('2025-03-31T15:00:00Z')), '2025-04-01');
  });

  test('a new version takes effect today or later, and after the latest published one', () => {
    assert.equal(effectiveDateProblem(null, '2025-05-01', null), 'effective_date_required');
    assert.equal(effectiveDateProblem('2025-04-30', '2025-05-01', null), 'effective_date_in_past');
    assert.equal(effectiveDateProblem('2025-05-01', '2025-05-01', '2025-05-01'), 'effective_date_not_after_latest');
    assert.equal(effectiveDateProblem('2025-05-01', '2025-05-01', '2022-04-01'), null);
    assert.equal(effectiveDateProblem('2026-01-01', '2025-05-01', '2025-12-01'), null);
  });
});

describe('diff between two versions', () => {
  test('the sample revision shows the changed article and the new one, not the others', () => {
    const diff = diffPolicies(companyPolicy(1), companyPolicy(2));
    assert.equal(diff.identical, false);
    const changed = diff.articles.filter((a) => a.status !== 'unchanged');
    assert.deepEqual(
      changed.map((a) => [a.key, a.status]),
      [
        ['requests', 'changed'],
        ['company', 'added'],
      ],
    );
    const unit = changed[0]?.units[0];
    assert.ok(unit);
    assert.equal(unit.status, 'changed');
    assert.equal(unit.label.ja, '第9条 本文1');
    assert.ok(unit.ja.segments.some((s) => s.op === 'insert' && s.text.includes('第三者提供記録の開示を含みます')));
    assert.ok(unit.en.segments.some((s) => s.op === 'insert' && s.text.includes('including the records of its provision to third parties')));
    const ja = diffToText(diff, 'ja');
    assert.match(ja, /第9条 開示等のご請求: 変更/);
    assert.match(ja, /\{\+（第三者提供記録の開示を含みます。）\+\}/);
    assert.match(ja, /第12条 事業者の名称・住所・代表者: 追加/);
    assert.match(diffToText(diff, 'en'), /Article 12 Our name, address and representative: added/);
  });

  test('inserting an article renumbers the later ones without marking their text changed', () => {
    const before = companyPolicy(2);
    const after = structuredClone(before);
    after.articles.splice(2, 0, { key: 'cookies', heading: { ja: 'クッキー', en: 'Cookies' }, blocks: [{ type: 'paragraph', text: { ja: '新しい条です。', en: 'A new article.' } }] });
    const diff = diffPolicies(before, after);
    const acquisition = diff.articles.find((a) => a.key === 'acquisition');
    assert.equal(acquisition?.status, 'unchanged');
    assert.equal(acquisition?.numberBefore, 3);
    assert.equal(acquisition?.numberAfter, 4);
    assert.deepEqual(
      diff.articles.filter((a) => a.status !== 'unchanged').map((a) => a.key),
      ['cookies'],
    );
    assert.match(diffToText(diff, 'ja'), /第4条 個人情報の取得（旧3）: 変更なし/);
  });

  test('a removed item and a removed article are reported as removed', () => {
    const before = companyPolicy(2);
    const after = structuredClone(before);
    after.articles = after.articles.filter((a) => a.key !== 'training');
    const provision = after.articles.find((a) => a.key === 'provision');
    const list = provision?.blocks[1];
    assert.ok(list?.type === 'list');
    list.items.pop();
    const diff = diffPolicies(before, after);
    assert.equal(diff.articles.find((a) => a.key === 'training')?.status, 'removed');
    const units = diff.articles.find((a) => a.key === 'provision')?.units ?? [];
    assert.deepEqual(
      units.map((u) => [u.status, u.label.en]),
      [['removed', 'Article 8 (5)']],
    );
  });

  test('English compares word by word, Japanese by runs of one script', () => {
    assert.deepEqual(diffText('We may change this policy.', 'We may revise this policy.', 'en'), [
      { op: 'equal', text: 'We may ' },
      { op: 'delete', text: 'change' },
      { op: 'insert', text: 'revise' },
      { op: 'equal', text: ' this policy.' },
    ]);
    assert.deepEqual(tokenize('当社は、個人データを保存します。', 'ja'), ['当社', 'は', '、', '個人', 'データ', 'を', '保存', 'します', '。']);
    const segments = diffText('個人データを保存します。', '個人データを適切に保存します。', 'ja');
    assert.deepEqual(segments, [
      { op: 'equal', text: '個人データを' },
      { op: 'insert', text: '適切に' },
      { op: 'equal', text: '保存します。' },
    ]);
  });

  test('identical versions compare as identical', () => {
    assert.equal(diffPolicies(companyPolicy(2), companyPolicy(2)).identical, true);
    assert.equal(diffToText(diffPolicies(companyPolicy(2), companyPolicy(2)), 'en'), '');
  });
});
