// The fictional sample organisation that `madoguchi start` seeds on first start, so a new
// installation shows a complete privacy centre at once: an online shop for household goods.
// Every name, address, person, bank and e-mail domain here is invented (the .example domain
// is reserved and never resolves).
import type { OrganizationProfile, SecuritySettings } from './organization.ts';
import { DEFAULT_REQUEST_SETTINGS, type RequestSettings } from './request-settings.ts';

export const SAMPLE_ORGANIZATION = {
  id: 'org_sample',
  nameJa: '株式会社あおば生活舎',
  nameEn: 'Aoba Seikatsusha Co., Ltd.',
} as const;

const HEAD_OFFICE = {
  postalCode: '980-0014',
  address: {
    ja: '宮城県仙台市青葉区本町九丁目8番7号 あおば生活舎ビル3階',
    en: 'Aoba Seikatsusha Bldg. 3F, 9-8-7 Honcho, Aoba-ku, Sendai, Miyagi',
  },
};

const DESK_HOURS = {
  ja: '平日10時〜17時（土日祝日・年末年始を除く）',
  en: 'Weekdays 10:00–17:00 JST (closed at weekends, on public holidays and over the New Year)',
};

export const SAMPLE_PROFILE: OrganizationProfile = {
  name: { ja: SAMPLE_ORGANIZATION.nameJa, en: SAMPLE_ORGANIZATION.nameEn },
  headOffice: HEAD_OFFICE,
  representative: {
    title: { ja: '代表取締役', en: 'Representative Director' },
    name: { ja: '森川 遥', en: 'Haruka Morikawa' },
  },
  officer: {
    title: { ja: '取締役 管理本部長', en: 'Director and Head of Administration' },
    name: { ja: '', en: '' },
  },
  requestContact: {
    desk: { ja: '個人情報お問い合わせ窓口', en: 'Personal Information Desk' },
    email: 'privacy@aoba-seikatsu.example',
    phone: null,
    hours: DESK_HOURS,
    postal: {
      postalCode: HEAD_OFFICE.postalCode,
      address: HEAD_OFFICE.address,
      recipient: { ja: '株式会社あおば生活舎 個人情報お問い合わせ窓口', en: 'Personal Information Desk, Aoba Seikatsusha Co., Ltd.' },
    },
  },
  complaintContact: {
    desk: { ja: '個人情報お問い合わせ窓口（苦情・ご相談）', en: 'Personal Information Desk (complaints and enquiries)' },
    email: 'privacy@aoba-seikatsu.example',
    phone: null,
    hours: DESK_HOURS,
  },
  accreditedOrganization: { status: 'none' },
};

export const SAMPLE_REQUEST_SETTINGS: RequestSettings = {
  ...DEFAULT_REQUEST_SETTINGS,
  fees: {
    ...DEFAULT_REQUEST_SETTINGS.fees,
    bankTransfer: {
      bankName: { ja: 'みずなら銀行', en: 'Mizunara Bank' },
      branchName: { ja: '青葉通支店', en: 'Aobadori Branch' },
      accountType: 'ordinary',
      accountNumber: '1234567',
      accountHolder: { ja: 'カ）アオバセイカツシャ', en: 'Aoba Seikatsusha Co., Ltd.' },
    },
  },
};

export const SAMPLE_SECURITY: SecuritySettings = {
  measures: [
    {
      category: 'basic_policy',
      text: {
        ja: '個人データを適正に取り扱うため、個人情報保護方針を定め、法令等を守ることや、ご質問・苦情を受け付ける窓口を明らかにしています。',
        en: 'We have adopted a Personal Information Protection Policy that commits us to the law and tells you where to send questions and complaints.',
      },
    },
    {
      category: 'rules',
      text: {
        ja: '取得、利用、保存、提供、削除・廃棄の各段階について、取扱いの方法と責任者・担当者の役割を定めた個人情報取扱規程を設けています。',
        en: 'Our handling rules set out, for each stage from collection through use, storage and provision to deletion, how personal data is handled and who is responsible for it.',
      },
    },
    {
      category: 'organizational',
      text: {
        ja: '個人情報保護管理者を置き、個人データを取り扱う従業者とその範囲を定めています。規程に反する取扱いや漏えい等の兆しに気づいたときの報告の流れを整え、取扱いの状況を定期的に点検しています。',
        en: 'We have appointed a Personal Information Handling Officer and decided which staff may handle which personal data. There is a set reporting line for breaches of the rules and signs of leakage, and we check how data is handled at regular intervals.',
      },
    },
    {
      category: 'human',
      text: {
        ja: '従業者には入社時と毎年1回以上、個人情報の取扱いに関する研修を行い、秘密保持に関する誓約書の提出を求めています。',
        en: 'Staff are trained in handling personal information when they join and at least once a year, and sign a confidentiality undertaking.',
      },
    },
    {
      category: 'physical',
      text: {
        ja: '個人データを取り扱う区域への入退室を管理し、権限のない人がのぞき見できないようにしています。機器や書類の盗難・紛失を防ぐ措置をとり、社外へ持ち出すデータは暗号化しています。',
        en: 'We control entry to the areas where personal data is handled so that people without authority cannot see it, protect equipment and papers against theft and loss, and encrypt any data that leaves the office.',
      },
    },
    {
      category: 'technical',
      text: {
        ja: 'アクセス権限を業務に必要な範囲に限り、外部からの不正アクセスや不正なソフトウェアから情報システムを守る仕組みを導入しています。',
        en: 'Access rights are limited to what each job needs, and our systems are protected against unauthorised access from outside and against malicious software.',
      },
    },
    {
      category: 'external_environment',
      text: {
        ja: '外国で個人データを取り扱う場合は、その国の個人情報の保護に関する制度を把握したうえで、安全管理措置を講じています。',
        en: "Where personal data is handled in a foreign country, we take security measures after learning about that country's personal-information rules.",
      },
    },
  ],
  foreignCountries: [
    {
      code: 'US',
      name: { ja: 'アメリカ合衆国', en: 'United States of America' },
      measures: {
        ja: 'メール配信サービスとアクセス解析サービスの提供事業者を通じて、米国で個人データを取り扱っています。米国には連邦レベルの包括的な個人情報保護法はないものの、州法や分野ごとの法令があることを確認したうえで、提供事業者との契約により安全管理措置を義務づけ、その取扱いを定期的に確認しています。',
        en: 'Personal data is handled in the United States by the providers of our e-mail delivery and web analytics services. We have confirmed that the United States has no comprehensive federal privacy law but does have state and sector-specific laws; our contracts require the providers to take security measures, and we check their handling regularly.',
      },
    },
  ],
};
