import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SAMPLE_PROFILE, SAMPLE_REQUEST_SETTINGS, SAMPLE_SECURITY } from '../../src/domains/organization/sample-organization.ts';
import type { NoticeInput, NoticeItem } from '../../src/domains/policies/notice-input.ts';
import { describeCountries } from '../../src/domains/policies/notice-sources.ts';
import { checkNoticeCompleteness } from '../../src/domains/policies/notice.rules.ts';
import type { PolicyContent } from '../../src/domains/policies/policy.ts';
import { renderPolicy } from '../../src/domains/policies/policy-render.ts';
import { SAMPLE_POLICY_DOCUMENTS } from '../../src/domains/policies/sample-policies.ts';
import { SAMPLE_PURPOSES } from '../../src/domains/purposes/sample-purposes.ts';

function sampleInput(): NoticeInput {
  return structuredClone({
    organization: SAMPLE_PROFILE,
    settings: SAMPLE_REQUEST_SETTINGS,
    purposes: SAMPLE_PURPOSES.map((p) => ({ code: p.code, title: p.title, description: p.description, basis: p.basis })),
    securityMeasures: SAMPLE_SECURITY.measures,
    foreignCountries: SAMPLE_SECURITY.foreignCountries,
  });
}

function noticeContent(): PolicyContent {
  const doc = SAMPLE_POLICY_DOCUMENTS.find((d) => d.kind === 'appi-notice');
  const content = doc?.versions[doc.versions.length - 1]?.content;
  assert.ok(content);
  return structuredClone(content);
}

describe('APPI Art. 32 notice of the sample organisation', () => {
  test('states every required item, in Japanese and in English', () => {
    const input = sampleInput();
    const result = checkNoticeCompleteness(input, noticeContent());
    assert.deepEqual(result, { complete: true, missingItems: [], gaps: [] });

    const ja = renderPolicy(noticeContent(), input, 'ja', []).text;
    // (i) name, address, representative
    assert.match(ja, /株式会社あおば生活舎/);
    assert.match(ja, /〒980-0014 宮城県仙台市青葉区本町九丁目8番7号/);
    assert.match(ja, /代表取締役 森川 遥/);
    // (ii) purposes of use of all retained data
    for (const p of SAMPLE_PURPOSES) assert.ok(ja.includes(p.title.ja), `purpose ${p.code} is listed`);
    assert.match(ja, /メールマガジン）（ご本人の同意をいただいた場合に限ります）/);
    // (iii) procedures and the fee
    assert.match(ja, /第三者提供記録の開示/);
    assert.match(ja, /1回のご請求につき1,000円/);
    assert.match(ja, /手数料はいただきません/);
    // (iv) security measures with the foreign country, complaints, accredited organisation
    assert.match(ja, /技術的安全管理措置/);
    assert.match(ja, /アメリカ合衆国：/);
    assert.match(ja, /苦情・ご相談/);
    assert.match(ja, /認定個人情報保護団体はありません/);

    const en = renderPolicy(noticeContent(), input, 'en', []).text;
    assert.match(en, /Name: Aoba Seikatsusha Co., Ltd./);
    assert.match(en, /Address: .*Sendai, Miyagi 980-0014, Japan/);
    assert.match(en, /Representative: Haruka Morikawa, Representative Director/);
    for (const p of SAMPLE_PURPOSES) assert.ok(en.includes(p.title.en), `purpose ${p.code} is listed in English`);
    assert.match(en, /¥1,000 per request/);
    assert.match(en, /United States of America: /);
    assert.match(en, /not a member of any accredited personal information protection organisation/);
    assert.doesNotMatch(`${ja}${en}`, /未設定|not set/);
  });

  const removals: { item: NoticeItem; what: string; remove: (input: NoticeInput) => void }[] = [
    { item: 'business_identity', what: 'the representative', remove: (i) => i.organization && (i.organization.representative = null) },
    { item: 'business_identity', what: 'the head office address', remove: (i) => i.organization && (i.organization.headOffice = null) },
    { item: 'purposes_of_use', what: 'every purpose', remove: (i) => (i.purposes = []) },
    { item: 'request_procedures', what: 'the request contact', remove: (i) => i.organization && (i.organization.requestContact = null) },
    { item: 'security_measures', what: 'the security measures', remove: (i) => (i.securityMeasures = []) },
    { item: 'security_measures', what: 'where data is handled abroad', remove: (i) => (i.foreignCountries = null) },
    { item: 'complaint_contact', what: 'the complaint contact', remove: (i) => i.organization && (i.organization.complaintContact = null) },
    { item: 'accredited_organization', what: 'the accredited-organisation answer', remove: (i) => i.organization && (i.organization.accreditedOrganization = null) },
  ];

  for (const r of removals) {
    test(`is incomplete in ${r.item} alone when ${r.what} is removed`, () => {
      const input = sampleInput();
      r.remove(input);
      const result = checkNoticeCompleteness(input, noticeContent());
      assert.equal(result.complete, false);
      assert.deepEqual(result.missingItems, [r.item]);
      assert.ok(result.gaps.every((g) => g.item === r.item));
      // The rendered text shows the hole rather than hiding it.
      assert.match(renderPolicy(noticeContent(), input, 'ja', []).text, /［未設定］/);
    });
  }

  test('is incomplete when the notice document lacks the block that states an item', () => {
    const content = noticeContent();
    content.articles = content.articles.filter((a) => a.key !== 'complaints');
    const result = checkNoticeCompleteness(sampleInput(), content);
    assert.deepEqual(result.missingItems, ['complaint_contact']);
    assert.deepEqual(result.gaps, [{ item: 'complaint_contact', field: 'block:organization.complaint_contact' }]);
  });

  test('membership of no accredited organisation is a statement; a membership without a name is a gap', () => {
    const member = sampleInput();
    assert.ok(member.organization);
    member.organization.accreditedOrganization = { status: 'member', name: { ja: '', en: '' }, complaintContact: { ja: '東京都…', en: 'Tokyo…' } };
    const result = checkNoticeCompleteness(member, noticeContent());
    assert.deepEqual(result.missingItems, ['accredited_organization']);
    assert.deepEqual(result.gaps, [
      { item: 'accredited_organization', field: 'accredited_organization.name', language: 'ja' },
      { item: 'accredited_organization', field: 'accredited_organization.name', language: 'en' },
    ]);
  });

  test('a value missing in English only is a gap in English only', () => {
    const input = sampleInput();
    assert.ok(input.organization?.headOffice);
    input.organization.headOffice.address.en = '';
    const result = checkNoticeCompleteness(input, noticeContent());
    assert.deepEqual(result.gaps, [{ item: 'business_identity', field: 'head_office.address', language: 'en' }]);
  });

  test('a country the data map names without a description is a gap; Japan is not a foreign country', () => {
    const input = sampleInput();
    input.foreignCountries = describeCountries(['JP', 'US', 'SG'], SAMPLE_SECURITY.foreignCountries);
    const result = checkNoticeCompleteness(input, noticeContent());
    assert.deepEqual(result.missingItems, ['security_measures']);
    assert.deepEqual(
      result.gaps.map((g) => g.field),
      ['foreign_countries.SG.name', 'foreign_countries.SG.measures'],
    );
    const onlyJapan = sampleInput();
    onlyJapan.foreignCountries = describeCountries(['JP'], []);
    assert.equal(checkNoticeCompleteness(onlyJapan, noticeContent()).complete, true);
    assert.match(renderPolicy(noticeContent(), onlyJapan, 'en', []).text, /We do not handle retained personal data in any foreign country/);
  });
});
