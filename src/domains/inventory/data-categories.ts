// The data-category taxonomy of the data map: every key of the fideslang default taxonomy
// (so Fides datasets import as they are), with Japanese and English labels, plus what Japanese
// law needs on top: the special-care-required categories of APPI Art. 2(3) and Cabinet Order
// Art. 2, the Individual Number (My Number), and the wider "especially sensitive" list of
// JIS Q 15001 (PrivacyMark). A field in a special-care category is special-care whatever it
// says itself; the flags are inherited by child categories unless a child says otherwise.

export interface DataCategory {
  key: string;
  parent: string | null;
  ja: string;
  en: string;
  /** 要配慮個人情報 (APPI Art. 2(3)): prior consent to acquire, never by opt-out. */
  specialCare: boolean;
  /** 特定の機微な個人情報 under JIS Q 15001 / PrivacyMark (wider than APPI). */
  pmarkSensitive: boolean;
  /** Financial data: property damage if leaked (Rules Art. 7(3)). */
  financial: boolean;
  /** 個人番号 (My Number): specific personal information under the My Number Act. */
  individualNumber: boolean;
  /** A fideslang key replaced in fideslang 3.2; still accepted so older datasets import. */
  replacedBy?: string;
  /** Not in fideslang: added for Japanese law. */
  japan?: true;
}

interface Def {
  key: string;
  ja: string;
  en: string;
  specialCare?: boolean;
  pmarkSensitive?: boolean;
  financial?: boolean;
  individualNumber?: boolean;
  replacedBy?: string;
  japan?: true;
}

// Keys follow fideslang; labels are ours. Order: parents before children.
const DEFS: readonly Def[] = [
  { key: 'system', ja: 'システムデータ', en: 'System data' },
  { key: 'system.authentication', ja: '認証データ', en: 'Authentication data' },
  { key: 'system.operations', ja: '運用データ', en: 'Operations data' },

  { key: 'user', ja: '利用者に関するデータ', en: 'User data' },
  { key: 'user.account', ja: 'アカウント情報', en: 'Account information' },
  { key: 'user.account.settings', ja: 'アカウント設定', en: 'Account settings', replacedBy: 'user.settings' },
  { key: 'user.account.username', ja: 'ユーザー名', en: 'Username' },
  { key: 'user.authorization', ja: '認可情報', en: 'Authorisation information' },
  { key: 'user.authorization.credentials', ja: '認証資格情報', en: 'Credentials' },
  { key: 'user.authorization.biometric', ja: '生体認証情報', en: 'Biometric credentials', replacedBy: 'user.authorization.biometrics' },
  { key: 'user.authorization.biometrics', ja: '生体認証', en: 'Biometric authentication' },
  { key: 'user.authorization.password', ja: 'パスワード', en: 'Password' },
  { key: 'user.behavior', ja: '行動履歴', en: 'Observed behaviour' },
  { key: 'user.behavior.browsing_history', ja: '閲覧履歴', en: 'Browsing history' },
  { key: 'user.behavior.media_consumption', ja: 'コンテンツ視聴履歴', en: 'Media consumption' },
  { key: 'user.behavior.purchase_history', ja: '購買履歴', en: 'Purchase history' },
  { key: 'user.behavior.search_history', ja: '検索履歴', en: 'Search history' },
  { key: 'user.biometric', ja: '生体データ', en: 'Biometric data', replacedBy: 'user.biometrics' },
  { key: 'user.biometric.fingerprint', ja: '指紋', en: 'Fingerprint', replacedBy: 'user.biometrics.fingerprint' },
  { key: 'user.biometric.retinal', ja: '網膜', en: 'Retina scan', replacedBy: 'user.biometrics.retinal' },
  { key: 'user.biometric.voice', ja: '声紋', en: 'Voice recording', replacedBy: 'user.biometrics.voice' },
  // Encoded health characteristics reveal a medical condition: special care.
  { key: 'user.biometric.health', ja: '生体の健康データ', en: 'Biometric health data', specialCare: true, replacedBy: 'user.biometrics' },
  { key: 'user.biometrics', ja: '生体情報', en: 'Biometrics' },
  { key: 'user.biometrics.fingerprint', ja: '指紋データ', en: 'Fingerprint data' },
  { key: 'user.biometrics.retinal', ja: '網膜データ', en: 'Retinal data' },
  { key: 'user.biometrics.voice', ja: '声紋データ', en: 'Voice data' },
  { key: 'user.childrens', ja: '子どもに関するデータ', en: "Children's data", replacedBy: 'user.children' },
  { key: 'user.children', ja: '子どもに関するデータ', en: 'Children' },
  { key: 'user.children.children_under_thirteen', ja: '13歳未満の子どもに関するデータ', en: 'Children under thirteen' },
  { key: 'user.children.thirteen_to_sixteen', ja: '13歳から16歳の子どもに関するデータ', en: 'Children thirteen to sixteen' },
  { key: 'user.contact', ja: '連絡先', en: 'Contact data' },
  { key: 'user.contact.address', ja: '住所', en: 'Address' },
  { key: 'user.contact.address.city', ja: '市区町村', en: 'City' },
  { key: 'user.contact.address.country', ja: '国', en: 'Country' },
  { key: 'user.contact.address.postal_code', ja: '郵便番号', en: 'Postal code' },
  { key: 'user.contact.address.state', ja: '都道府県・州', en: 'Prefecture or state' },
  { key: 'user.contact.address.street', ja: '番地・建物名', en: 'Street address' },
  { key: 'user.contact.address.mailing_address', ja: '郵送先住所', en: 'Mailing address' },
  { key: 'user.contact.email', ja: 'メールアドレス', en: 'Email address' },
  { key: 'user.contact.phone_number', ja: '電話番号', en: 'Phone number' },
  { key: 'user.contact.fax_number', ja: 'FAX番号', en: 'Fax number' },
  { key: 'user.contact.url', ja: 'ウェブサイト', en: 'Website', replacedBy: 'user.contact.social_url' },
  { key: 'user.contact.social_url', ja: 'SNSのURL', en: 'Social media URL' },
  { key: 'user.contact.organization', ja: '所属組織', en: 'Organisation', replacedBy: 'user.contact' },
  { key: 'user.content', ja: '利用者が作成したコンテンツ', en: 'User content' },
  { key: 'user.content.private', ja: '非公開コンテンツ', en: 'Private content' },
  { key: 'user.content.public', ja: '公開コンテンツ', en: 'Public content' },
  { key: 'user.content.self_image', ja: '本人の画像', en: 'Image of the person' },
  { key: 'user.demographic', ja: '属性情報', en: 'Demographic data' },
  { key: 'user.demographic.age_range', ja: '年齢層', en: 'Age range' },
  { key: 'user.demographic.date_of_birth', ja: '生年月日', en: 'Date of birth' },
  { key: 'user.demographic.gender', ja: '性別', en: 'Gender' },
  { key: 'user.demographic.language', ja: '使用言語', en: 'Language' },
  { key: 'user.demographic.marital_status', ja: '婚姻状況', en: 'Marital status' },
  // Creed (信条) covers political, religious and philosophical belief.
  { key: 'user.demographic.political_opinion', ja: '政治的意見', en: 'Political opinion', specialCare: true, pmarkSensitive: true },
  { key: 'user.demographic.profile', ja: 'プロフィール・嗜好', en: 'Profile data' },
  { key: 'user.demographic.race_ethnicity', ja: '人種・民族', en: 'Race or ethnicity', specialCare: true, pmarkSensitive: true },
  { key: 'user.demographic.religious_belief', ja: '宗教', en: 'Religious belief', specialCare: true, pmarkSensitive: true },
  { key: 'user.demographic.sexual_orientation', ja: '性的指向', en: 'Sexual orientation', pmarkSensitive: true },
  { key: 'user.demographic.citizenship_or_immigration_status', ja: '国籍・在留資格', en: 'Citizenship or immigration status' },
  { key: 'user.demographic.philosophical_belief', ja: '思想・信条', en: 'Philosophical belief', specialCare: true, pmarkSensitive: true },
  { key: 'user.demographic.protected_classifications', ja: '保護される属性', en: 'Protected classifications', pmarkSensitive: true },
  { key: 'user.demographic.union_membership', ja: '労働組合への加盟', en: 'Union membership', pmarkSensitive: true },
  { key: 'user.demographic.family_origin', ja: '門地', en: 'Family lineage', pmarkSensitive: true, japan: true },
  { key: 'user.demographic.registered_domicile', ja: '本籍地', en: 'Registered domicile (honseki)', pmarkSensitive: true, japan: true },
  { key: 'user.location', ja: '位置情報', en: 'Location data' },
  { key: 'user.location.imprecise', ja: '大まかな位置情報', en: 'Imprecise location', replacedBy: 'user.location.coarse' },
  { key: 'user.location.coarse', ja: '大まかな位置情報', en: 'Coarse location' },
  { key: 'user.location.precise', ja: '詳細な位置情報', en: 'Precise location' },
  { key: 'user.device', ja: '端末情報', en: 'Device data' },
  { key: 'user.device.cookie', ja: 'Cookie', en: 'Device cookie' },
  { key: 'user.device.cookie_id', ja: 'Cookie ID', en: 'Cookie ID' },
  { key: 'user.device.device_id', ja: '端末ID', en: 'Device ID' },
  { key: 'user.device.ip_address', ja: 'IPアドレス', en: 'IP address' },
  { key: 'user.device.sensor', ja: '端末のセンサーデータ', en: 'Device sensor data' },
  { key: 'user.device.telemetry', ja: '端末のテレメトリ', en: 'Device telemetry' },
  { key: 'user.payment', ja: '決済情報', en: 'Payment data', financial: true },
  { key: 'user.social', ja: 'ソーシャル活動', en: 'Social data', replacedBy: 'user.social_activity' },
  { key: 'user.social_activity', ja: 'ソーシャル活動', en: 'Social activity data' },
  { key: 'user.settings', ja: '利用者の設定', en: 'User settings' },
  { key: 'user.unique_id', ja: '利用者ID', en: 'Unique ID' },
  { key: 'user.unique_id.pseudonymous', ja: '仮名ID', en: 'Pseudonymous ID', replacedBy: 'user.unique_id' },
  { key: 'user.unique_id.deterministic', ja: '決定的ID', en: 'Deterministic ID' },
  { key: 'user.unique_id.probablistic', ja: '確率的ID', en: 'Probabilistic ID' },
  { key: 'user.telemetry', ja: 'テレメトリ', en: 'Telemetry data', replacedBy: 'user.device.telemetry' },
  { key: 'user.user_sensor', ja: '利用者のセンサーデータ', en: 'User sensor data', replacedBy: 'user.device.sensor' },
  { key: 'user.sensor', ja: 'センサーデータ', en: 'Sensor data', replacedBy: 'user.device.sensor' },
  { key: 'user.financial', ja: '金融情報', en: 'Financial data', financial: true },
  { key: 'user.financial.bank_account', ja: '銀行口座情報', en: 'Bank account' },
  { key: 'user.financial.credit_card', ja: 'クレジットカード情報', en: 'Credit card' },
  { key: 'user.government_id', ja: '公的な識別番号', en: 'Government ID' },
  { key: 'user.government_id.birth_certificate', ja: '出生証明', en: 'Birth certificate' },
  { key: 'user.government_id.drivers_license_number', ja: '運転免許証番号', en: "Driver's licence number" },
  { key: 'user.government_id.immigration', ja: '在留・出入国に関する番号', en: 'Immigration ID' },
  { key: 'user.government_id.national_identification_number', ja: '国民識別番号', en: 'National identification number' },
  { key: 'user.government_id.passport_number', ja: '旅券番号', en: 'Passport number' },
  { key: 'user.government_id.vehicle_registration', ja: '自動車登録番号', en: 'Vehicle registration' },
  { key: 'user.government_id.individual_number', ja: '個人番号（マイナンバー）', en: 'Individual Number (My Number)', individualNumber: true, japan: true },
  { key: 'user.government_id.basic_pension_number', ja: '基礎年金番号', en: 'Basic pension number', japan: true },
  { key: 'user.government_id.residence_card_number', ja: '在留カード番号', en: 'Residence card number', japan: true },
  // Health records and medical information are medical history (病歴) under APPI.
  { key: 'user.health_and_medical', ja: '健康・医療情報', en: 'Health and medical data', specialCare: true, pmarkSensitive: true, replacedBy: 'user.health' },
  { key: 'user.health_and_medical.genetic', ja: '遺伝情報', en: 'Genetic data', replacedBy: 'user.health.genetic' },
  // An insurance number identifies a person but says nothing about their health.
  { key: 'user.health_and_medical.insurance_beneficiary_id', ja: '健康保険の被保険者番号', en: 'Health insurance beneficiary ID', specialCare: false, replacedBy: 'user.health.insurance_beneficiary_id' },
  { key: 'user.health_and_medical.record_id', ja: '診療記録ID', en: 'Medical record ID', replacedBy: 'user.health.record_id' },
  { key: 'user.health', ja: '健康情報', en: 'Health data', specialCare: true, pmarkSensitive: true },
  { key: 'user.health.genetic', ja: '遺伝情報', en: 'Genetic data' },
  { key: 'user.health.insurance_beneficiary_id', ja: '健康保険の被保険者番号', en: 'Health insurance ID', specialCare: false },
  { key: 'user.health.record_id', ja: '診療記録ID', en: 'Health record ID' },
  // Buying baby formula or maternity clothes is purchase data, not a health record.
  { key: 'user.health.baby_formula', ja: '粉ミルクの購入・利用', en: 'Baby formula information', specialCare: false, pmarkSensitive: false },
  { key: 'user.health.condition', ja: '健康状態', en: 'Health condition' },
  { key: 'user.health.maternity_clothing', ja: 'マタニティ衣料の購入', en: 'Maternity clothing', specialCare: false, pmarkSensitive: false },
  { key: 'user.health.medical_diagnosis', ja: '診断', en: 'Medical diagnosis' },
  { key: 'user.health.medications', ja: '服薬', en: 'Medications' },
  { key: 'user.health.prescriptions', ja: '処方', en: 'Prescriptions' },
  { key: 'user.health.reproductive_or_sexual', ja: '生殖・性に関する健康', en: 'Reproductive or sexual health' },
  { key: 'user.health.social_psychological_behavioral', ja: '心理・行動面の健康', en: 'Social, psychological or behavioural health' },
  { key: 'user.health.symptons', ja: '症状', en: 'Symptoms' },
  { key: 'user.health.treatment', ja: '治療', en: 'Medical treatment' },
  { key: 'user.name', ja: '氏名', en: 'Name' },
  { key: 'user.name.first', ja: '名', en: 'First name' },
  { key: 'user.name.last', ja: '姓', en: 'Last name' },
  { key: 'user.name.kana', ja: '氏名のフリガナ', en: 'Name in kana (reading)', japan: true },
  { key: 'user.criminal_history', ja: '犯罪の経歴', en: 'Criminal history', specialCare: true },
  { key: 'user.privacy_preferences', ja: 'プライバシー設定', en: 'Privacy preferences' },
  { key: 'user.job_title', ja: '役職', en: 'Job title', replacedBy: 'user.professional_information.job_title' },
  { key: 'user.workplace', ja: '勤務先', en: 'Workplace', replacedBy: 'user.professional_information.workplace' },
  { key: 'user.professional_information', ja: '職業に関する情報', en: 'Professional information' },
  { key: 'user.professional_information.job_title', ja: '役職', en: 'Job title' },
  { key: 'user.professional_information.workplace', ja: '勤務先', en: 'Workplace' },

  // APPI Art. 2(3) and Cabinet Order Art. 2: special-care-required personal information.
  { key: 'user.special_care', ja: '要配慮個人情報', en: 'Special-care-required information', specialCare: true, pmarkSensitive: true, japan: true },
  { key: 'user.special_care.race', ja: '人種', en: 'Race', japan: true },
  { key: 'user.special_care.creed', ja: '信条', en: 'Creed', japan: true },
  { key: 'user.special_care.social_status', ja: '社会的身分', en: 'Social status', japan: true },
  { key: 'user.special_care.medical_history', ja: '病歴', en: 'Medical history', japan: true },
  { key: 'user.special_care.criminal_record', ja: '犯罪の経歴', en: 'Criminal record', japan: true },
  { key: 'user.special_care.crime_victim', ja: '犯罪により害を被った事実', en: 'Having been a victim of crime', japan: true },
  { key: 'user.special_care.disability', ja: '心身の機能の障害', en: 'Physical, intellectual or mental disability', japan: true },
  { key: 'user.special_care.health_check_results', ja: '健康診断等の結果', en: 'Health check and other test results', japan: true },
  { key: 'user.special_care.medical_guidance', ja: '医師等による指導・診療・調剤', en: 'Guidance, medical care or dispensing by a doctor or pharmacist', japan: true },
  { key: 'user.special_care.criminal_procedure', ja: '刑事事件に関する手続', en: 'Criminal procedure as a suspect or defendant', japan: true },
  { key: 'user.special_care.juvenile_protection', ja: '少年の保護事件に関する手続', en: 'Juvenile protection proceedings', japan: true },
];

function parentOf(key: string): string | null {
  const i = key.lastIndexOf('.');
  return i < 0 ? null : key.slice(0, i);
}

function buildTaxonomy(defs: readonly Def[]): ReadonlyMap<string, DataCategory> {
  const map = new Map<string, DataCategory>();
  for (const d of defs) {
    const parentKey = parentOf(d.key);
    const parent = parentKey === null ? undefined : map.get(parentKey);
    if (parentKey !== null && !parent) throw new TypeError(`data category ${d.key} is declared before its parent`);
    if (map.has(d.key)) throw new TypeError(`data category ${d.key} is declared twice`);
    map.set(d.key, {
      key: d.key,
      parent: parentKey,
      ja: d.ja,
      en: d.en,
      specialCare: d.specialCare ?? parent?.specialCare ?? false,
      pmarkSensitive: d.pmarkSensitive ?? parent?.pmarkSensitive ?? false,
      financial: d.financial ?? parent?.financial ?? false,
      individualNumber: d.individualNumber ?? parent?.individualNumber ?? false,
      ...(d.replacedBy === undefined ? {} : { replacedBy: d.replacedBy }),
      ...(d.japan ? { japan: true as const } : {}),
    });
  }
  return map;
}

export const DATA_CATEGORIES: ReadonlyMap<string, DataCategory> = buildTaxonomy(DEFS);

export function findDataCategory(key: string): DataCategory | undefined {
  return DATA_CATEGORIES.get(key);
}

export function isPersonalCategory(key: string): boolean {
  return key === 'user' || key.startsWith('user.');
}

/** A known key close to an unknown one (same last segment, or one edit away), for messages. */
export function suggestDataCategory(key: string): string | undefined {
  const last = key.slice(key.lastIndexOf('.') + 1);
  let best: { key: string; distance: number } | undefined;
  for (const known of DATA_CATEGORIES.keys()) {
    const distance = editDistance(key, known, 3);
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: known, distance };
  }
  if (best) return best.key;
  for (const known of DATA_CATEGORIES.keys()) {
    if (known.endsWith(`.${last}`)) return known;
  }
  return undefined;
}

function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? cap + 1;
}
