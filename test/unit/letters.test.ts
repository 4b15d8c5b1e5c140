import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { composeDecisionLetter, letterText, type DecisionLetter, type DecisionLetterInput } from '../../src/domains/delivery/letter.content.ts';
import { renderLetterPdf } from '../../src/domains/delivery/letter.pdf.ts';
import { minimalProfile } from '../../src/domains/organization/organization.ts';
import { SAMPLE_PROFILE } from '../../src/domains/organization/sample-organization.ts';
import { decisionReason, type DecisionReasonCode } from '../../src/domains/requests/decision.rules.ts';
import type { DecisionOutcome, RequestType } from '../../src/domains/requests/request.ts';

const EXPLAIN = {
  business: '採用選考の評価の過程を記録したもので、開示すると今後の選考業務に著しい支障を及ぼすおそれがあるためです。',
  notHeld: '通話録音は保存期間（1年）の経過により削除しており、現在は保有していません。',
  accurate: '登録の住所を住民票の写しと照合し、正しいことを確認しました。',
  grounds: 'ご指摘の利用は、公表している利用目的（商品の発送）の範囲内です。',
  difficult: 'バックアップからの個別の消去には多額の費用を要するためです。',
};

interface Case {
  type: RequestType;
  outcome: DecisionOutcome;
  withheld?: { part: string; reason: DecisionReasonCode; explanation: string }[];
  reason?: DecisionReasonCode;
  explanation?: string;
  details?: string;
}

const CASES: Case[] = [
  { type: 'disclosure', outcome: 'full' },
  {
    type: 'disclosure',
    outcome: 'partial',
    withheld: [
      { part: '社内評価メモ', reason: 'business_impediment', explanation: EXPLAIN.business },
      { part: '通話録音（2025年3月分）', reason: 'not_held', explanation: EXPLAIN.notHeld },
    ],
  },
  { type: 'disclosure', outcome: 'none', reason: 'not_held', explanation: EXPLAIN.notHeld },
  { type: 'purpose_notification', outcome: 'full', details: '商品の発送、お問い合わせへの回答' },
  { type: 'provision_record_disclosure', outcome: 'none', reason: 'harm_to_interests', explanation: '第三者の権利利益を害するおそれがあるためです。' },
  { type: 'correction', outcome: 'done', details: '会員情報の住所を「東京都港区海岸1-2-3」に訂正しました。' },
  { type: 'correction', outcome: 'not_done', reason: 'content_accurate', explanation: EXPLAIN.accurate },
  { type: 'suspension', outcome: 'not_done', reason: 'grounds_not_met', explanation: EXPLAIN.grounds },
  { type: 'suspension', outcome: 'alternative', reason: 'measure_difficult', explanation: EXPLAIN.difficult, details: 'お客様のデータの利用を停止し、アクセスできる者を限定しました。' },
  { type: 'stop_provision', outcome: 'done', details: '提携先A社への提供を2026年11月28日に停止しました。' },
];

function input(c: Case, language: 'ja' | 'en', over: Partial<DecisionLetterInput> = {}): DecisionLetterInput {
  return {
    language,
    organization: SAMPLE_PROFILE,
    request: { reference: 'R-20261120-ABCDEF', type: c.type, receivedAt: new Date('2026-11-20T01:00:00Z'), deliveryMethod: 'electronic' },
    addressee: { name: '山田 花子' },
    decision: { outcome: c.outcome, withheld: c.withheld ?? [], reason: c.reason ?? null, explanation: c.explanation ?? null, details: c.details ?? null },
    fee: null,
    date: new Date('2026-11-28T01:00:00Z'),
    ...over,
  };
}

function allText(letter: DecisionLetter): string {
  return letterText(letter).join('\n');
}

describe('decision letters', () => {
  for (const language of ['ja', 'en'] as const) {
    for (const c of CASES) {
      test(`${c.type} answered ${c.outcome} (${language}): names every reason and ground, misses nothing`, () => {
        const letter = composeDecisionLetter(input(c, language));
        const text = allText(letter);
        for (const piece of letterText(letter)) {
          assert.ok(piece.trim().length > 0, 'no empty text');
          assert.doesNotMatch(piece, /undefined|null|NaN|\[object/, `no missing value in: ${piece}`);
        }
        assert.equal(letter.language, language);
        assert.ok(text.includes('R-20261120-ABCDEF'), 'the reference');
        assert.ok(letter.sender.some((l) => l.includes(language === 'ja' ? '株式会社あおば生活舎' : 'Aoba Seikatsusha Co., Ltd.')), 'the business');
        assert.ok(letter.sender.some((l) => l.includes(language === 'ja' ? '取締役 管理本部長' : 'Director and Head of Administration')), 'the officer');
        assert.ok(text.includes('privacy@aoba-seikatsu.example'), 'where to ask questions');
        if (language === 'ja') {
          assert.deepEqual(letter.addressee, ['山田 花子 様']);
          assert.equal(letter.date, '2026年11月28日');
          assert.ok(text.includes('2026年11月20日に受け付けました'), 'when it was received');
          assert.equal(letter.closing, '以上');
          assert.match(text, /(です|ます)。/);
        } else {
          assert.equal(letter.salutation, 'Dear 山田 花子,');
          assert.equal(letter.date, '28 November 2026');
          assert.ok(text.includes('20 November 2026'));
        }
        const codes = [...(c.reason ? [c.reason] : []), ...(c.withheld ?? []).map((p) => p.reason)];
        for (const code of codes) {
          const r = decisionReason(code);
          assert.ok(text.includes(r.label[language]), `names reason ${code}`);
          assert.ok(text.includes(r.legalGround[language]), `names the ground of ${code}`);
        }
        for (const explanation of [c.explanation, ...(c.withheld ?? []).map((p) => p.explanation)]) {
          if (explanation) assert.ok(text.includes(explanation), 'carries the explanation');
        }
        if (c.details) assert.ok(text.includes(c.details), 'says what was done');
        if (!c.reason && !c.withheld) assert.ok(!text.includes(language === 'ja' ? '根拠となる規定' : 'Legal ground'), 'a grant cites no ground');
      });
    }
  }

  test('a partial disclosure tabulates each withheld part with its reason, ground and explanation', () => {
    const partial = CASES[1];
    assert.ok(partial);
    const letter = composeDecisionLetter(input(partial, 'ja'));
    const table = letter.blocks.find((b) => b.kind === 'table');
    assert.ok(table && table.kind === 'table');
    assert.deepEqual(table.table.columns, ['開示しない部分', '理由', '根拠となる規定', 'ご説明']);
    assert.deepEqual(table.table.rows[0], ['社内評価メモ', decisionReason('business_impediment').label.ja, '個人情報保護法第33条第2項第2号', EXPLAIN.business]);
    assert.deepEqual(table.table.rows[1], ['通話録音（2025年3月分）', decisionReason('not_held').label.ja, '個人情報保護法第33条第3項', EXPLAIN.notHeld]);
  });

  test('the letter says how the answer reaches the person, and about the fee', () => {
    const full = CASES[0];
    assert.ok(full);
    const electronic = allText(composeDecisionLetter(input(full, 'ja')));
    assert.match(electronic, /ダウンロード用のリンク/);
    const paper = allText(composeDecisionLetter(input(full, 'ja', { request: { reference: 'R-1', type: 'disclosure', receivedAt: new Date('2026-11-20T01:00:00Z'), deliveryMethod: 'paper' }, fee: { status: 'paid', amountYen: 1460 } })));
    assert.match(paper, /別紙/);
    assert.match(paper, /手数料1,460円を受領いたしました。/);
    const waived = allText(composeDecisionLetter(input(full, 'en', { fee: { status: 'waived', amountYen: 1000 } })));
    assert.match(waived, /The fee for this request was waived\./);
  });

  test('an agent receives the letter on behalf of the person', () => {
    const full = CASES[0];
    assert.ok(full);
    const ja = composeDecisionLetter(input(full, 'ja', { addressee: { name: '山田 太郎', agentName: '山田 花子' } }));
    assert.deepEqual(ja.addressee, ['山田 花子 様', '（山田 太郎 様の代理人）']);
    const en = composeDecisionLetter(input(full, 'en', { addressee: { name: 'Taro Yamada', agentName: 'Hanako Yamada' } }));
    assert.deepEqual(en.addressee, ['Hanako Yamada', 'Agent for Taro Yamada']);
    assert.equal(en.salutation, 'Dear Hanako Yamada,');
  });

  test('a business that has filled in only its name still gets a complete letter', () => {
    const none = CASES[2];
    assert.ok(none);
    for (const language of ['ja', 'en'] as const) {
      const letter = composeDecisionLetter(input(none, language, { organization: minimalProfile({ ja: '株式会社みほん', en: '' }) }));
      for (const piece of letterText(letter)) assert.doesNotMatch(piece, /undefined|null|NaN|^\s*$/);
      // No English name: the Japanese one is used rather than nothing.
      assert.equal(letter.sender[0], '株式会社みほん');
      assert.equal(letter.sender[1], language === 'ja' ? '個人情報保護管理者' : 'Personal Information Handling Officer');
    }
  });
});

// ---------------------------------------------------------------------------------------
// Reading the PDF back: a small reader of what PDFKit writes (uncompressed object table,
// Flate streams, Type0 fonts with a ToUnicode CMap, hex-string TJ operators). The text comes
// out only through the embedded font's CMap, so a letter set in a font without Japanese
// glyphs, or without the CMap, fails these checks.

interface PdfObject {
  dict: string;
  stream: Buffer | null;
}

function pdfObjects(pdf: Buffer): Map<number, PdfObject> {
  const objects = new Map<number, PdfObject>();
  const latin = pdf.toString('latin1');
  const re = /(\d+) 0 obj\s*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(latin))) {
    const start = m.index + m[0].length;
    const end = latin.indexOf('endobj', start);
    const body = latin.slice(start, end);
    const streamAt = body.indexOf('stream\n');
    if (streamAt >= 0) {
      const length = Number(/\/Length (\d+)/.exec(body)?.[1] ?? '0');
      const from = start + streamAt + 'stream\n'.length;
      const raw = pdf.subarray(from, from + length);
      const dict = body.slice(0, streamAt);
      objects.set(Number(m[1]), { dict, stream: dict.includes('/FlateDecode') ? inflateSync(raw) : raw });
    } else {
      objects.set(Number(m[1]), { dict: body, stream: null });
    }
    re.lastIndex = end;
  }
  return objects;
}

function hexUnits(hex: string): number[] {
  const units: number[] = [];
  for (let i = 0; i + 4 <= hex.length; i += 4) units.push(parseInt(hex.slice(i, i + 4), 16));
  return units;
}

/** glyph id → text, from a ToUnicode CMap (bfrange with arrays or offsets, and bfchar). */
function parseCMap(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  const text = (hex: string) => String.fromCharCode(...hexUnits(hex.replace(/\s+/g, '')));
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const line of (block[1] ?? '').matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F\s]+>)/g)) {
      const lo = parseInt(line[1] ?? '0', 16);
      const hi = parseInt(line[2] ?? '0', 16);
      const dst = line[3] ?? '';
      if (dst.startsWith('[')) {
        [...dst.matchAll(/<([0-9a-fA-F\s]+)>/g)].forEach((d, i) => map.set(lo + i, text(d[1] ?? '')));
      } else {
        const base = hexUnits(dst.slice(1, -1).replace(/\s+/g, ''));
        for (let g = lo; g <= hi; g++) {
          const units = [...base];
          units[units.length - 1] = (units[units.length - 1] ?? 0) + (g - lo);
          map.set(g, String.fromCharCode(...units));
        }
      }
    }
  }
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const line of (block[1] ?? '').matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F\s]+)>/g)) map.set(parseInt(line[1] ?? '0', 16), text(line[2] ?? ''));
  }
  return map;
}

interface PdfReading {
  pages: string[];
  fonts: string[];
}

/** The text of each page, decoded through the fonts' ToUnicode maps. */
function readPdf(pdf: Buffer): PdfReading {
  const objects = pdfObjects(pdf);
  const ref = (dict: string, key: string) => Number(new RegExp(`/${key} (\\d+) 0 R`).exec(dict)?.[1] ?? NaN);
  const fonts: string[] = [];
  const cmaps = new Map<number, Map<number, string>>();
  for (const [id, o] of objects) {
    if (!/\/Type \/Font/.test(o.dict) || !/\/Subtype \/Type0/.test(o.dict)) continue;
    fonts.push(/\/BaseFont \/(\S+)/.exec(o.dict)?.[1] ?? '');
    const cmap = objects.get(ref(o.dict, 'ToUnicode'))?.stream;
    if (cmap) cmaps.set(id, parseCMap(cmap.toString('latin1')));
  }
  const pages: string[] = [];
  for (const o of objects.values()) {
    if (!/\/Type \/Page\b/.test(o.dict)) continue;
    const resources = objects.get(ref(o.dict, 'Resources'))?.dict ?? o.dict;
    const fontNames = new Map<string, number>();
    for (const f of resources.matchAll(/\/(F\d+) (\d+) 0 R/g)) fontNames.set(f[1] ?? '', Number(f[2]));
    const content = objects.get(ref(o.dict, 'Contents'))?.stream?.toString('latin1') ?? '';
    let cmap: Map<number, string> | undefined;
    let out = '';
    for (const op of content.matchAll(/\/(F\d+) [\d.]+ Tf|\[((?:<[0-9a-f]*>|[-\d.\s])*)\] TJ|<([0-9a-f]*)> Tj/g)) {
      if (op[1]) cmap = cmaps.get(fontNames.get(op[1]) ?? -1);
      const hexes = op[2] !== undefined ? [...op[2].matchAll(/<([0-9a-f]*)>/g)].map((h) => h[1] ?? '') : op[3] !== undefined ? [op[3]] : [];
      for (const hex of hexes) for (const g of hexUnits(hex)) out += cmap?.get(g) ?? '\uFFFD';
    }
    pages.push(out);
  }
  return { pages, fonts };
}

const squash = (s: string) => s.replace(/\s+/g, '');

describe('the letter as a PDF', () => {
  const partialCase = CASES[1];
  assert.ok(partialCase);

  test('is an A4 PDF set in the embedded Noto Sans JP, whose text reads back as written', async () => {
    const letter = composeDecisionLetter(input(partialCase, 'ja'));
    const pdf = await renderLetterPdf(letter);
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.match(pdf.subarray(-8).toString('latin1'), /%%EOF\s*$/);
    assert.match(pdf.toString('latin1'), /\/MediaBox \[0 0 595\.28 841\.89\]/);
    const { pages, fonts } = readPdf(pdf);
    assert.ok(fonts.some((f) => /^[A-Z]{6}\+NotoSansJP-Regular$/.test(f)), `fonts: ${fonts.join(', ')}`);
    assert.ok(fonts.some((f) => /^[A-Z]{6}\+NotoSansJP-Bold$/.test(f)));
    assert.match(pdf.toString('latin1'), /\/FontFile2 \d+ 0 R/, 'the font program is embedded');
    const text = squash(pages.join(''));
    assert.ok(!text.includes('\uFFFD'), 'every glyph maps back to text');
    for (const piece of ['開示のご請求に対するご回答', '山田花子様', 'R-20261120-ABCDEF', '社内評価メモ', EXPLAIN.business, decisionReason('not_held').label.ja, '個人情報保護法第33条第3項', '以上']) {
      assert.ok(text.includes(squash(piece)), `the PDF shows ${piece}`);
    }
    assert.ok(pages.every((p, i) => p.includes(`${i + 1} / ${pages.length}`)), 'every page is numbered');
  });

  test('an English letter reads back in English', async () => {
    const pdf = await renderLetterPdf(composeDecisionLetter(input(partialCase, 'en')));
    const text = squash(readPdf(pdf).pages.join(''));
    for (const piece of ['Our answer to your request for disclosure', 'Dear 山田 花子,', 'What is withheld, and why', 'APPI Art. 33(2)(ii)']) {
      assert.ok(text.includes(squash(piece)), `the PDF shows ${piece}`);
    }
  });

  test('a long appendix flows onto further pages, each with the table header and a page number', async () => {
    const letter = composeDecisionLetter(input(partialCase, 'ja'));
    const alone = readPdf(await renderLetterPdf(letter)).pages.length;
    const short = readPdf(await renderLetterPdf(letter, { appendixTables: [{ title: '注文履歴', columns: ['注文番号', '日付', '金額'], rows: [['A-1', '2026-01-10', '1,000']] }] }));
    assert.equal(short.pages.length, alone + 1, 'an appendix starts on a page of its own');
    const rows = Array.from({ length: 300 }, (_, i) => [`A-${i + 1}`, '2026-01-10', `${(i + 1) * 100}`]);
    const long = readPdf(await renderLetterPdf(letter, { appendixTables: [{ title: '注文履歴', columns: ['注文番号', '日付', '金額'], rows }] }));
    // A one-line row is 9 pt type with its line gap and padding, about 23.5 pt; under the
    // margins and the repeated header an A4 page holds 29 of them (27 under the appendix
    // title), so 300 rows take 11 pages.
    assert.equal(long.pages.length, alone + 11);
    const appendix = long.pages.slice(alone);
    const perPage = appendix.map((p) => (p.match(/A-\d+/g) ?? []).length);
    assert.deepEqual(perPage, [27, 29, 29, 29, 29, 29, 29, 29, 29, 29, 12], 'pages are filled in turn, every row once');
    for (const [i, page] of appendix.entries()) {
      assert.ok(page.includes('注文番号'), `appendix page ${i + 1} repeats the header`);
      assert.ok(page.includes(`${alone + i + 1} / ${long.pages.length}`), `appendix page ${i + 1} is numbered`);
    }
    const all = appendix.join('');
    assert.ok(all.includes('A-1') && all.includes('A-300') && all.includes('30000'), 'first and last rows are there');
  });

  test('a cell longer than a page is carried over whole: no glyph split, none lost', async () => {
    const letter = composeDecisionLetter(input(partialCase, 'ja'));
    const unit = '住所は𠮷野町、葛󠄀飾区。';
    const long = unit.repeat(500);
    const reading = readPdf(await renderLetterPdf(letter, { appendixTables: [{ title: '備考', columns: ['項目', '内容'], rows: [['備考', long]] }] }));
    const text = reading.pages.join('');
    assert.ok(reading.pages.length >= 3, 'the row spans pages');
    assert.ok(!text.includes('\uFFFD'));
    assert.doesNotMatch(text, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/, 'no half of a surrogate pair');
    assert.equal(text.split('𠮷').length - 1, 500, 'every 𠮷 is printed once');
    assert.ok(squash(text).includes(squash(unit.repeat(20))), 'the text runs on in order');
  });

  test('a draft carries its mark on every page', async () => {
    const pdf = await renderLetterPdf(composeDecisionLetter(input(partialCase, 'ja')), { watermark: '案（未承認）' });
    const { pages } = readPdf(pdf);
    assert.ok(pages.every((p) => p.includes('案（未承認）')));
  });
});
