// The published policies of the fictional sample shop (株式会社あおば生活舎), written for it in
// Japanese and English: the company policy (12 articles), the procedures for requests, the
// website privacy policy and the APPI Art. 32 notice, each with a short revision history.
// Facts that the system knows (names, contacts, fees, documents, retention, purposes, security
// measures) are generated blocks, not text, so they always match the settings.
import type { Db } from '../../db/database.ts';
import { newId } from '../../lib/ids.ts';
import { SYSTEM_ACTOR } from '../audit/audit.actions.ts';
import { appendAudit } from '../audit/audit.service.ts';
import type { NoticeInput } from './notice-input.ts';
import { ZPolicyContent, type Article, type Block, type GeneratedBlockKey, type PolicyContent, type PolicyKind } from './policy.ts';
import * as repo from './policy.repository.ts';

function p(ja: string, en: string): Block {
  return { type: 'paragraph', text: { ja, en } };
}

function numbered(...items: [string, string][]): Block {
  return { type: 'list', style: 'numbered', items: items.map(([ja, en]) => ({ text: { ja, en }, subItems: [] })) };
}

function bullets(...items: [string, string][]): Block {
  return { type: 'list', style: 'bullet', items: items.map(([ja, en]) => ({ text: { ja, en }, subItems: [] })) };
}

function gen(key: GeneratedBlockKey): Block {
  return { type: 'generated', key };
}

function article(key: string, ja: string, en: string, ...blocks: Block[]): Article {
  return { key, heading: { ja, en }, blocks };
}

// ---------------------------------------------------------------------------------------------
// 個人情報保護方針 / Personal Information Protection Policy

const COMPANY_PREAMBLE = p(
  '株式会社あおば生活舎（以下「当社」といいます。）は、暮らしの道具をお届けする通信販売を通じて、お客さまやお取引先から多くの個人情報をお預かりしています。当社は、これらの情報が一人ひとりにとって大切なものであることを心に留め、個人情報の保護に関する法律その他の法令に従って、適正かつ慎重に取り扱います。そのための取り組みを次のとおり定め、責任をもって実行します。',
  'Aoba Seikatsusha Co., Ltd. ("we") sells everyday household goods by mail order, and in doing so is entrusted with a great deal of personal information by customers and business partners. We keep in mind that this information matters to each person it concerns, and we handle it properly and with care under the Act on the Protection of Personal Information and other laws. We set out our commitments below and take responsibility for carrying them out.',
);

const COMPANY_ARTICLES_COMMON_HEAD: Article[] = [
  article(
    'compliance',
    '法令等の遵守',
    'Compliance with laws and regulations',
    p(
      '当社は、個人情報の保護に関する法律、これに基づく政令・規則、個人情報保護委員会のガイドラインその他の規範を守ります。',
      'We comply with the Act on the Protection of Personal Information, the orders and rules made under it, the guidelines of the Personal Information Protection Commission and other applicable norms.',
    ),
  ),
  article(
    'structure',
    '社内体制の整備',
    'Internal structure',
    p(
      '当社は、個人情報の取扱いについて社内規程を定め、必要に応じて業務ごとの手順を設けます。また、個人情報保護管理者を任命するなど、個人情報の保護を確実にするための組織体制を整えます。',
      'We lay down internal rules for handling personal information and, where needed, procedures for particular operations. We also organise ourselves to make sure personal information is protected, including by appointing a Personal Information Handling Officer.',
    ),
  ),
  article(
    'acquisition',
    '個人情報の取得',
    'Acquiring personal information',
    p(
      '当社は、個人情報を取得するときは、利用目的をあらかじめ公表し、またはご本人に通知したうえで、その目的の達成に必要な範囲で、適法かつ公正な手段により取得します。',
      'When we acquire personal information, we first publish the purpose of use or tell you what it is, and we acquire only what that purpose needs, by lawful and fair means.',
    ),
  ),
  article(
    'use',
    '個人情報の利用',
    'Using personal information',
    p(
      '当社は、取得した個人情報を利用目的の範囲内でのみ利用します。利用目的を超えて利用する必要が生じたときは、法令で認められている場合を除き、あらかじめご本人の同意をいただきます。',
      'We use personal information only within its purposes of use. If we ever need to use it beyond them, we first ask for your consent, except where the law allows otherwise.',
    ),
  ),
  article(
    'accuracy',
    '正確性の確保',
    'Keeping information accurate',
    p(
      '当社は、個人情報を正確かつ最新の内容に保つため、適切な措置を講じます。',
      'We take appropriate steps to keep personal information accurate and up to date.',
    ),
  ),
  article(
    'security',
    '安全管理措置',
    'Security measures',
    p(
      '当社は、個人情報への不正アクセスや、個人情報の紛失、破壊、改ざんおよび漏えい等を防ぐため、必要かつ適切な安全管理措置を講じ、個人情報を厳重に管理します。',
      'We manage personal information strictly and take the necessary and appropriate security measures to prevent unauthorised access to it and its loss, destruction, alteration, leakage and the like.',
    ),
  ),
  article(
    'training',
    '従業者の教育',
    'Training of staff',
    p(
      '当社は、個人情報を取り扱う従業者に対して個人情報の保護に関する教育を行い、その内容を社内に周知徹底します。',
      'We train the staff who handle personal information in how to protect it, and make sure what they learn is known and followed throughout the company.',
    ),
  ),
  article(
    'provision',
    '第三者への提供',
    'Provision to third parties',
    p('当社は、次のいずれかに該当する場合を除き、お預かりした個人データを第三者に提供しません。', 'We do not provide the personal data entrusted to us to any third party except in the following cases.'),
    numbered(
      ['あらかじめご本人の同意をいただいている場合', 'You have consented to it in advance.'],
      ['法令に基づく場合', 'The law requires it.'],
      [
        '人の生命、身体または財産の保護のために必要がある場合であって、ご本人の同意を得ることが困難であるとき',
        "It is needed to protect a person's life, body or property, and your consent is difficult to obtain.",
      ],
      [
        '公衆衛生の向上または児童の健全な育成の推進のために特に必要がある場合であって、ご本人の同意を得ることが困難であるとき',
        'It is especially needed to improve public health or to promote the healthy growth of children, and your consent is difficult to obtain.',
      ],
      [
        '国の機関もしくは地方公共団体またはその委託を受けた者が法令の定める事務を遂行することに協力する必要がある場合であって、ご本人の同意を得ることによりその事務の遂行に支障を及ぼすおそれがあるとき',
        'We need to cooperate with a national agency, a local government or someone acting for them in duties set by law, and asking for your consent would be likely to get in the way of those duties.',
      ],
    ),
  ),
];

const REQUESTS_ARTICLE_2022 = article(
  'requests',
  '開示等のご請求',
  'Requests for disclosure and other measures',
  p(
    'ご本人から、当社が保有する個人データについて、利用目的の通知、開示（第三者提供記録の開示を含みます。）、内容の訂正・追加・削除、利用の停止・消去または第三者への提供の停止（以下「開示等」といいます。）のご請求があったときは、当社が別に定める「開示等の請求手続き」に従い、合理的に必要な範囲で速やかに対応します。',
    'If you ask us, about personal data we hold on you, to notify you of its purposes of use, to disclose it (including the records of its provision to third parties), to correct, add to or delete it, to stop using or erase it, or to stop providing it to third parties (together, "disclosure and other measures"), we respond promptly, as far as is reasonably necessary, under our separate Procedures for Requests about Personal Data.',
  ),
);

const REQUESTS_ARTICLE_2019 = article(
  'requests',
  '開示等のご請求',
  'Requests for disclosure and other measures',
  p(
    'ご本人から、当社が保有する個人データについて、利用目的の通知、開示、内容の訂正・追加・削除、利用の停止・消去または第三者への提供の停止（以下「開示等」といいます。）のご請求があったときは、当社が別に定める手続きに従い、合理的に必要な範囲で速やかに対応します。',
    'If you ask us, about personal data we hold on you, to notify you of its purposes of use, to disclose it, to correct, add to or delete it, to stop using or erase it, or to stop providing it to third parties (together, "disclosure and other measures"), we respond promptly, as far as is reasonably necessary, under our separate procedures.',
  ),
);

const COMPANY_ARTICLES_COMMON_TAIL: Article[] = [
  article(
    'review',
    '継続的な見直し',
    'Continuous review',
    p(
      '当社は、個人情報の取扱いに関する社内規程とその運用体制が有効かつ適切に機能し続けるよう、継続的に見直し、改善します。',
      'We keep our internal rules for handling personal information, and the way we run them, under continuous review and improve them so that they keep working effectively and appropriately.',
    ),
  ),
  article(
    'revision',
    '本方針の改定',
    'Changes to this policy',
    p(
      '当社は、法令の改正その他の事情により、本方針を改定することがあります。改定したときは、当社ウェブサイトへの掲載など適切な方法でお知らせします。',
      'We may change this policy when laws change or for other reasons. When we do, we let customers and business partners know by appropriate means, such as publishing it on our website.',
    ),
  ),
];

const COMPANY_POLICY_V1: PolicyContent = {
  title: { ja: '個人情報保護方針', en: 'Personal Information Protection Policy' },
  numbering: 'articles',
  preamble: [COMPANY_PREAMBLE],
  articles: [...COMPANY_ARTICLES_COMMON_HEAD, REQUESTS_ARTICLE_2019, ...COMPANY_ARTICLES_COMMON_TAIL],
  closing: [],
};

const COMPANY_POLICY_V2: PolicyContent = {
  ...COMPANY_POLICY_V1,
  articles: [
    ...COMPANY_ARTICLES_COMMON_HEAD,
    REQUESTS_ARTICLE_2022,
    ...COMPANY_ARTICLES_COMMON_TAIL,
    article('company', '事業者の名称・住所・代表者', 'Our name, address and representative', gen('organization.identity')),
  ],
};

// ---------------------------------------------------------------------------------------------
// 開示等の請求手続き / Procedures for Requests about Personal Data

const REQUEST_PROCEDURES: PolicyContent = {
  title: { ja: '開示等の請求手続き', en: 'Procedures for Requests about Personal Data' },
  numbering: 'sections',
  preamble: [
    p(
      '株式会社あおば生活舎（以下「当社」といいます。）は、当社が保有する個人データについて、ご本人またはその代理人から、利用目的の通知、開示（第三者提供記録の開示を含みます。）、内容の訂正・追加・削除、利用の停止・消去または第三者への提供の停止（以下「開示等」といいます。）のご請求を受けたときは、社内規程に従い、次の手続きにより遅滞なく対応します。',
      'When Aoba Seikatsusha Co., Ltd. ("we") receives a request from you or your agent, about personal data we hold, for notification of its purposes of use, disclosure (including disclosure of the records of its provision to third parties), correction, addition or deletion, suspension of use or erasure, or stopping its provision to third parties (together, "disclosure and other measures"), we deal with it without delay under our internal rules and by the procedure below.',
    ),
  ],
  articles: [
    article(
      'how',
      'ご請求の方法',
      'How to make a request',
      gen('requests.procedures'),
      p(
        '請求書の様式は、当社ウェブサイトからダウンロードしていただくか、下記のお問い合わせ先にご連絡いただければお送りします。',
        'You can download the request form from our website, or ask the contact point below to send it to you.',
      ),
    ),
    article(
      'identity',
      '本人確認のための書類',
      'Documents to confirm identity',
      gen('requests.identity_documents'),
      p(
        'ご請求は、原則としてご本人からお願いしています。代理人によるご請求の場合は、ご請求の際に必要な書類を個別にご案内します。',
        'We ask that requests come from the person concerned where possible. If an agent makes the request, we tell them at the time which documents they need.',
      ),
    ),
    article('fees', '手数料', 'Fees', gen('requests.fees')),
    article(
      'answer',
      '回答の方法',
      'How we answer',
      gen('requests.response_time'),
      gen('requests.delivery'),
      p(
        '所定の方法で本人確認を行ったうえで開示した個人情報について、開示の後に生じた事態（ご本人の意図によるものかどうかを問いません。）については、当社は責任を負いかねます。',
        'Once we have confirmed identity in the way set out here and have disclosed the information, we are not responsible for anything that happens as a result, whether or not the person concerned intended it.',
      ),
    ),
    article(
      'request-data',
      'ご請求に伴い取得した個人情報の取扱い',
      'Personal information received with a request',
      p(
        '開示等のご請求に伴い取得した個人情報は、ご請求への対応に必要な範囲でのみ取り扱います。',
        'We use personal information received with a request only as far as handling the request requires.',
      ),
      gen('requests.retention'),
    ),
    article(
      'refusal',
      '開示しない場合',
      'When we do not disclose',
      p(
        '次のいずれかに該当する場合は、開示いたしません。開示しないことを決定したときは、その旨と理由をご本人にお知らせします。',
        'We do not disclose in any of the following cases. If we decide not to disclose, we tell you so and why.',
      ),
      numbered(
        [
          '請求書に記載された内容と本人確認書類の内容が一致しないなど、ご本人であることを確認できない場合',
          'We cannot confirm that the request comes from the person concerned, for example because the request form and the identity documents do not match.',
        ],
        ['代理人によるご請求で、代理権を確認できない場合', 'An agent makes the request and we cannot confirm their authority.'],
        ['所定の請求書類に不備がある場合', 'The required documents are incomplete.'],
        ['手数料が必要な場合に、そのお支払いがない場合', 'A fee is due and has not been paid.'],
        [
          'ご請求の対象となる情報を当社が保有していない場合（保存期間が過ぎたために消去したものや、匿名加工情報または仮名加工情報に加工して個人データとしては保有していないものを含みます。）',
          'We do not hold the information requested, including information deleted when its retention period ended and information turned into anonymously or pseudonymously processed information that we no longer hold as personal data.',
        ],
        ['ご請求の対象が、個人情報の保護に関する法律上の「保有個人データ」に当たらない場合', 'What is requested is not "retained personal data" within the meaning of the Act on the Protection of Personal Information.'],
        [
          '開示することにより、ご本人または第三者の生命、身体、財産その他の権利利益を害するおそれがある場合、違法または不当な行為を助長し、または誘発するおそれがある場合、その他法令により開示しないことが認められる場合',
          'Disclosure would be likely to harm the life, body, property or other rights and interests of you or another person, or to encourage or induce unlawful or improper acts, or the law otherwise allows us not to disclose.',
        ],
        ['開示することにより、当社の業務の適正な実施に著しい支障を及ぼすおそれがある場合', 'Disclosure would be likely to seriously hinder the proper conduct of our business.'],
        ['開示することが他の法令に違反することとなる場合', 'Disclosure would breach another law.'],
      ),
    ),
    article(
      'contact',
      'お問い合わせ先',
      'Contact',
      p('開示等の手続きについてのお問い合わせは、次の窓口までご連絡ください。', 'For questions about these procedures, contact:'),
      gen('organization.request_contact'),
    ),
  ],
  closing: [],
};

// ---------------------------------------------------------------------------------------------
// ウェブサイトのプライバシーポリシー / Website Privacy Policy

const WEBSITE_PRIVACY: PolicyContent = {
  title: { ja: 'ウェブサイトのプライバシーポリシー', en: 'Website Privacy Policy' },
  numbering: 'sections',
  preamble: [
    p(
      '株式会社あおば生活舎（以下「当社」といいます。）は、当社が運営するウェブサイト（以下「本サイト」といいます。）における利用者の情報の取扱いについて、次のとおり定めます。お客さまの個人情報全般の取扱いについては、「個人情報保護方針」および「保有個人データに関する事項の公表」をご覧ください。',
      'This policy explains how Aoba Seikatsusha Co., Ltd. ("we") handles information about visitors to the websites we run (the "Site"). For how we handle customers\' personal information in general, see our Personal Information Protection Policy and our Public Notice on Retained Personal Data.',
    ),
  ],
  articles: [
    article(
      'collected',
      '本サイトで取得する情報',
      'Information the Site collects',
      p('本サイトでは、次の情報を取得します。', 'The Site collects the following information.'),
      numbered(['クッキー（Cookie）', 'Cookies'], ['利用者のIPアドレス', 'Your IP address']),
    ),
    article(
      'purpose',
      '利用目的',
      'Purpose of use',
      p('前項の情報は、次の目的で利用します。', 'We use the information in section 1 for the following purpose.'),
      numbered(['本サイトの利用状況を把握し、本サイトの改善に役立てるため', 'To understand how the Site is used and to improve it.']),
    ),
    article(
      'cookies',
      'クッキーについて',
      'About cookies',
      p(
        'クッキーとは、ウェブサイトのサーバーから利用者のブラウザに送られ、保存される小さな情報です。本サイトでは前項の目的のためにクッキーを利用しますが、クッキーだけで特定の個人を識別することはできません。ブラウザの設定でクッキーを無効にすることもできますが、その場合は本サイトの一部の機能をご利用いただけないことがあります。',
        "A cookie is a small piece of information that a website's server sends to your browser, which stores it. The Site uses cookies for the purpose above; a cookie alone does not identify any particular person. You can turn cookies off in your browser settings, though parts of the Site may then not work.",
      ),
    ),
    article(
      'analytics-a',
      'アクセス解析サービスAの利用について',
      'Use of analytics service A',
      p(
        '本サイトでは、サンプル・アナリティクス社（米国）が提供するアクセス解析サービスA（以下「サービスA」といいます。）を利用しています。サービスAは、クッキーを利用して、次の情報を同社に送信します。',
        'The Site uses analytics service A ("Service A"), provided by Sample Analytics, Inc. (United States). Using cookies, Service A sends the following information to that company.',
      ),
      bullets(
        ['クッキーに保存された識別子', 'The identifier stored in a cookie'],
        ['閲覧したページのURLと閲覧日時', 'The addresses of the pages you view, and when you view them'],
        ['参照元のURL', 'The address of the page you came from'],
        ['IPアドレス、ブラウザおよび端末の種類', 'Your IP address and the type of your browser and device'],
      ),
      p(
        '送信された情報は、当社が本サイトの利用状況を把握するために、また同社がサービスAを提供・改善するために利用されます。同社による情報の取扱いと、送信を停止する方法（オプトアウト）については、同社のプライバシーポリシー（https://analytics-a.example/privacy）をご覧ください。',
        'We use the information to understand how the Site is used; the company uses it to provide and improve Service A. For how the company handles the information and how to stop it being sent (opt out), see its privacy policy at https://analytics-a.example/privacy.',
      ),
    ),
    article(
      'analytics-b',
      '行動分析サービスBの利用について',
      'Use of behaviour analysis service B',
      p(
        '本サイトでは、株式会社サンプルインサイト（日本）が提供する行動分析サービスB（以下「サービスB」といいます。）を利用しています。サービスBは、クッキーを利用して、閲覧したページ、ページ内でスクロールやクリックをした位置、IPアドレスから推定されるおおよその地域、ブラウザおよび端末の種類を同社に送信します。',
        'The Site uses behaviour analysis service B ("Service B"), provided by Sample Insight K.K. (Japan). Using cookies, Service B sends that company the pages you view, where on them you scroll and click, your approximate area as estimated from your IP address, and the type of your browser and device.',
      ),
      p(
        '送信された情報は、当社がページの使いやすさを改善するために、また同社がサービスBを提供するために利用されます。詳しくは、同社の情報収集に関する方針（https://insight-b.example/data-policy）をご覧ください。',
        "We use the information to make our pages easier to use; the company uses it to provide Service B. For details, see the company's data collection policy at https://insight-b.example/data-policy.",
      ),
    ),
    article(
      'revision',
      '本ポリシーの改定',
      'Changes to this policy',
      p(
        '当社は、利用するツールの変更、法令の改正その他の事情により、本ポリシーを改定することがあります。改定したときは、本サイトへの掲載など適切な方法でお知らせします。',
        'We may change this policy when the tools we use change, when laws change, or for other reasons. When we do, we let you know by appropriate means, such as publishing the new policy on the Site.',
      ),
    ),
  ],
  closing: [],
};

// ---------------------------------------------------------------------------------------------
// 保有個人データに関する事項の公表 / Public Notice on Retained Personal Data (APPI Art. 32)

const APPI_NOTICE: PolicyContent = {
  title: { ja: '保有個人データに関する事項の公表', en: 'Public Notice on Retained Personal Data' },
  numbering: 'sections',
  preamble: [
    p(
      '個人情報の保護に関する法律第32条に基づき、当社が保有する個人データ（保有個人データ）に関して、次の事項を公表します。',
      'Under Article 32 of the Act on the Protection of Personal Information, we publish the following about the personal data we hold (retained personal data).',
    ),
  ],
  articles: [
    article('business', '事業者の名称・住所・代表者の氏名', 'Name and address of the business and name of its representative', gen('organization.identity')),
    article(
      'purposes',
      'すべての保有個人データの利用目的',
      'Purposes of use of all retained personal data',
      p('当社は、保有個人データを次の目的で利用します。', 'We use retained personal data for the following purposes.'),
      gen('purposes.list'),
    ),
    article(
      'procedures',
      '開示等のご請求の手続き',
      'Procedures for requests',
      gen('requests.procedures'),
      gen('requests.fees'),
      p('本人確認の書類など、詳しい手続きは「開示等の請求手続き」をご覧ください。', 'For identity documents and the other details, see our Procedures for Requests about Personal Data.'),
    ),
    article(
      'security',
      '保有個人データの安全管理のために講じた措置',
      'Security control measures taken for retained personal data',
      p('当社は、保有個人データを適切に管理するため、次の措置を講じています。', 'We take the following measures to keep retained personal data secure.'),
      gen('security.measures'),
    ),
    article(
      'complaints',
      '苦情の申出先',
      'Where to send complaints',
      p('保有個人データの取扱いに関する苦情は、次の窓口までお寄せください。', 'Send complaints about how we handle retained personal data to:'),
      gen('organization.complaint_contact'),
    ),
    article('accredited', '認定個人情報保護団体', 'Accredited personal information protection organisation', gen('organization.accredited')),
  ],
  closing: [],
};

export interface SamplePolicyDocument {
  kind: PolicyKind;
  /** Revisions made before the document came into Madoguchi (effective dates). */
  historyBefore: string[];
  versions: { effectiveDate: string; summary: { ja: string; en: string }; content: PolicyContent }[];
}

export const SAMPLE_POLICY_DOCUMENTS: SamplePolicyDocument[] = [
  {
    kind: 'company-policy',
    historyBefore: ['2016-04-01'],
    versions: [
      { effectiveDate: '2019-04-01', summary: { ja: '全面的に見直しました。', en: 'Revised throughout.' }, content: COMPANY_POLICY_V1 },
      {
        effectiveDate: '2022-04-01',
        summary: {
          ja: '改正個人情報保護法の施行に合わせ、第三者提供記録の開示を加え、事業者の名称・住所・代表者の条を新設しました。',
          en: 'For the amended Act: added disclosure of the records of provision to third parties, and a new article giving our name, address and representative.',
        },
        content: COMPANY_POLICY_V2,
      },
    ],
  },
  {
    kind: 'request-procedures',
    historyBefore: ['2019-04-01'],
    versions: [
      {
        effectiveDate: '2024-10-01',
        summary: { ja: '電子的な方法による開示を原則としました。', en: 'Disclosure is now electronic as a rule.' },
        content: REQUEST_PROCEDURES,
      },
    ],
  },
  {
    kind: 'website-privacy',
    historyBefore: ['2020-07-01'],
    versions: [
      {
        effectiveDate: '2023-06-16',
        summary: { ja: '外部送信される情報と送信先を具体的に記載しました。', en: 'Described in detail what is sent to outside services and to whom.' },
        content: WEBSITE_PRIVACY,
      },
    ],
  },
  {
    kind: 'appi-notice',
    historyBefore: [],
    versions: [{ effectiveDate: '2022-04-01', summary: { ja: '', en: '' }, content: APPI_NOTICE }],
  },
];

/**
 * Writes the sample's documents as published versions, inside the seeding transaction. The
 * snapshot is the sample's own data, which is what these versions showed.
 */
export async function seedSamplePolicies(trx: Db, now: Date, snapshot: NoticeInput): Promise<void> {
  for (const doc of SAMPLE_POLICY_DOCUMENTS) {
    await repo.insertDocument(trx, { kind: doc.kind, historyBefore: doc.historyBefore, now });
    let number = 0;
    for (const v of doc.versions) {
      number += 1;
      const id = newId('pv');
      await repo.insertVersion(trx, {
        id,
        kind: doc.kind,
        number,
        status: 'published',
        effectiveDate: v.effectiveDate,
        summary: v.summary,
        content: ZPolicyContent.parse(v.content),
        generatedSnapshot: snapshot,
        actorId: null,
        now,
      });
      await appendAudit(trx, {
        action: 'policy.published',
        actor: SYSTEM_ACTOR,
        target: { type: 'policy_version', id },
        details: { kind: doc.kind, number, effectiveDate: v.effectiveDate, seeded: true },
        at: now,
      });
    }
  }
}
