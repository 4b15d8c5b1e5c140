// The fictional sample organisation that `madoguchi start` seeds on first start, so a new
// installation shows a complete privacy centre at once. Every name, address and person here
// is invented.
export const SAMPLE_ORGANIZATION = {
  id: 'org_sample',
  nameJa: '株式会社あおば生活舎',
  nameEn: 'Aoba Seikatsusha Co., Ltd.',
} as const;
