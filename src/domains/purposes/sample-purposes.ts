// The purposes of use of the fictional sample shop, seeded with it. Category keys are those of
// the data map's taxonomy.
import type { CreatePurposeInput } from './purpose.ts';

export const SAMPLE_PURPOSES: CreatePurposeInput[] = [
  {
    code: 'order_fulfilment',
    title: { ja: '商品のご注文の受付、発送、代金の請求およびお支払いの確認', en: 'Taking orders, shipping goods, billing and confirming payment' },
    description: {
      ja: 'ご注文いただいた商品をお届けし、代金をご請求してお支払いを確認するために利用します。',
      en: 'To deliver what you order, bill you for it and confirm that it has been paid.',
    },
    dataCategories: ['user.name', 'user.contact.address', 'user.contact.email', 'user.contact.phone_number', 'user.behavior.purchase_history', 'user.payment'],
    basis: 'stated',
    sortOrder: 10,
  },
  {
    code: 'member_account',
    title: { ja: '会員登録、ログインおよび会員向けサービスの提供', en: 'Membership registration, sign-in and member services' },
    description: {
      ja: '会員アカウントの作成と本人の認証、お届け先や購入履歴の表示に利用します。',
      en: 'To create your member account, recognise you when you sign in, and show your delivery addresses and order history.',
    },
    dataCategories: ['user.name', 'user.contact.email', 'user.account.username', 'user.authorization.credentials', 'user.behavior.purchase_history'],
    basis: 'stated',
    sortOrder: 20,
  },
  {
    code: 'customer_support',
    title: { ja: 'お問い合わせ、返品・交換のご依頼への対応', en: 'Answering enquiries and handling returns and exchanges' },
    description: {
      ja: 'お問い合わせへの回答や、返品・交換・不良品の対応のために利用します。',
      en: 'To answer your questions and to deal with returns, exchanges and faulty goods.',
    },
    dataCategories: ['user.name', 'user.contact.email', 'user.contact.phone_number', 'user.behavior.purchase_history', 'user.content.private'],
    basis: 'stated',
    sortOrder: 30,
  },
  {
    code: 'newsletter',
    title: { ja: '新商品、セールおよびキャンペーンのご案内（メールマガジン）', en: 'News of new products, sales and campaigns (newsletter)' },
    description: {
      ja: '配信を希望された方にのみお送りします。配信はいつでも停止できます。',
      en: 'Sent only to people who have asked for it; you can stop it at any time.',
    },
    dataCategories: ['user.name', 'user.contact.email'],
    basis: 'consent',
    sortOrder: 40,
  },
  {
    code: 'site_analytics',
    title: { ja: 'ウェブサイトの利用状況の把握とサービスの改善', en: 'Understanding how our website is used and improving our service' },
    description: {
      ja: 'ページの閲覧状況などを統計的に分析し、サイトの使いやすさや品揃えの改善に役立てます。',
      en: 'We analyse page views and similar information statistically to make the site easier to use and to improve our range.',
    },
    dataCategories: ['user.device.cookie_id', 'user.device.ip_address', 'user.behavior.browsing_history'],
    basis: 'stated',
    sortOrder: 50,
  },
  {
    code: 'fraud_prevention',
    title: { ja: '不正な注文や不正アクセスの防止', en: 'Preventing fraudulent orders and unauthorised access' },
    description: {
      ja: 'なりすましによる注文やアカウントの不正利用を見つけ、防ぐために利用します。',
      en: 'To detect and stop orders placed in someone else’s name and misuse of accounts.',
    },
    dataCategories: ['user.device.ip_address', 'user.contact.email', 'user.behavior.purchase_history', 'user.payment'],
    basis: 'stated',
    sortOrder: 60,
  },
  {
    code: 'statutory_records',
    title: { ja: '法令に基づく帳簿・記録の作成および保存', en: 'Keeping the books and records the law requires' },
    description: {
      ja: '税法などの法令により保存が義務づけられている取引の記録を作成し、保存するために利用します。',
      en: 'To make and keep the records of transactions that tax and other laws require us to keep.',
    },
    dataCategories: ['user.name', 'user.behavior.purchase_history', 'user.payment'],
    basis: 'stated',
    sortOrder: 70,
  },
  {
    code: 'privacy_requests',
    title: { ja: '個人情報の開示等のご請求への対応', en: 'Handling requests about your personal information' },
    description: {
      ja: '開示、訂正、利用停止等のご請求について、ご本人であることを確認し、回答するために利用します。',
      en: 'To confirm the identity of people who ask for disclosure, correction, suspension of use and the like, and to answer them.',
    },
    dataCategories: ['user.name', 'user.contact.email', 'user.contact.address', 'user.government_id'],
    basis: 'stated',
    sortOrder: 80,
  },
];
