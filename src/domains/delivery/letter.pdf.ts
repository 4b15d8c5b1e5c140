// The letter as a printable PDF: A4 with margins, the Noto Sans JP font from the npm registry
// (embedded as a subset, so Japanese prints the same on every machine), page numbers, and
// tables that flow onto new pages with their header repeated. A paper delivery appends the
// disclosed data as further tables (別紙). Text is wrapped by PDFKit's Unicode line breaker,
// which breaks between ideographs and keeps 。、」 off the start of a line; where a cell has to
// be cut across pages it is cut between graphemes, never inside one.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { DecisionLetter, LetterBlock, LetterTable } from './letter.content.ts';

export interface LetterPdfExtras {
  /** Tables printed after the letter, each starting on a new page (the disclosed data on paper). */
  appendixTables?: LetterTable[];
  /** A mark on every page, e.g. for a draft that is not yet approved. */
  watermark?: string;
}

const require = createRequire(import.meta.url);
const FONT_PATHS = {
  regular: '@expo-google-fonts/noto-sans-jp/400Regular/NotoSansJP_400Regular.ttf',
  bold: '@expo-google-fonts/noto-sans-jp/700Bold/NotoSansJP_700Bold.ttf',
} as const;
const REGULAR = 'NotoSansJP-Regular';
const BOLD = 'NotoSansJP-Bold';

// The font files are 5 MB each and never change while the process runs: read them once.
let fonts: Promise<{ regular: Buffer; bold: Buffer }> | null = null;
function loadFonts(): Promise<{ regular: Buffer; bold: Buffer }> {
  fonts ??= Promise.all([readFile(require.resolve(FONT_PATHS.regular)), readFile(require.resolve(FONT_PATHS.bold))]).then(
    ([regular, bold]) => ({ regular, bold }),
    (err: unknown) => {
      fonts = null;
      throw err;
    },
  );
  return fonts;
}

const MARGINS = { top: 62, bottom: 62, left: 60, right: 60 };
const SIZE = { body: 10.5, small: 9, cell: 9, heading: 11.5, title: 15, footer: 8 };
const LINE_GAP = 2.5;
const CELL_PAD = 4;
const GRID = '#9a9a9a';
const SHADE = '#efefef';
const MUTED = '#666666';

type Doc = PDFKit.PDFDocument;

function contentWidth(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

function bottomY(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Starts a new page unless `height` still fits on this one. */
function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > bottomY(doc)) doc.addPage();
}

function graphemes(text: string): string[] {
  return Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text), (s) => s.segment);
}

/** The longest head of `text` (whole graphemes, at least one) that fits in `maxHeight`, and the rest. */
function splitToFit(doc: Doc, text: string, width: number, maxHeight: number): [string, string] {
  const parts = graphemes(text);
  let lo = 1;
  let hi = parts.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (doc.heightOfString(parts.slice(0, mid).join(''), { width, lineGap: LINE_GAP }) <= maxHeight) lo = mid;
    else hi = mid - 1;
  }
  return [parts.slice(0, lo).join(''), parts.slice(lo).join('').replace(/^\n/, '')];
}

interface TableStyle {
  /** Print the column titles as a shaded first row, repeated on every page. */
  header: boolean;
  /** Shade the first column (the labels of a label/value list). */
  labelColumn: boolean;
}

/** Roughly how many half-width characters the longest line of `text` takes. */
function displayWidth(text: string): number {
  let longest = 0;
  for (const line of text.split('\n')) {
    let w = 0;
    for (const ch of line) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{20000}-\u{3fffd}]/u.test(ch) ? 2 : 1;
    longest = Math.max(longest, w);
  }
  return longest;
}

/** Widths from the content when the table gives none: short codes stay narrow, free text
 * gets the room (a column's share is capped so one long cell does not squeeze the rest). */
function contentWeights(table: LetterTable, n: number): number[] {
  const sample = table.rows.slice(0, 200);
  return Array.from({ length: n }, (_, i) => {
    const widest = Math.max(displayWidth(table.columns[i] ?? ''), ...sample.map((r) => displayWidth(r[i] ?? '')));
    return Math.min(Math.max(widest, 6), 40);
  });
}

function columnWidths(table: LetterTable, total: number): number[] {
  const n = Math.max(1, table.columns.length);
  const given = table.widths && table.widths.length === n && table.widths.every((w) => w > 0) ? table.widths : contentWeights(table, n);
  const sum = given.reduce((a, b) => a + b, 0);
  return given.map((w) => (w / sum) * total);
}

function drawTable(doc: Doc, table: LetterTable, style: TableStyle): void {
  const left = doc.page.margins.left;
  const widths = columnWidths(table, contentWidth(doc));
  const inner = widths.map((w) => w - 2 * CELL_PAD);
  const n = widths.length;

  const heightOf = (cells: string[], font: string) => {
    doc.font(font).fontSize(SIZE.cell);
    return Math.max(...cells.map((c, i) => (c === '' ? 0 : doc.heightOfString(c, { width: inner[i] ?? 0, lineGap: LINE_GAP })))) + 2 * CELL_PAD;
  };

  const drawCells = (cells: string[], height: number, header: boolean) => {
    const y = doc.y;
    let x = left;
    for (let i = 0; i < n; i++) {
      const w = widths[i] ?? 0;
      const shaded = header || (style.labelColumn && i === 0);
      doc.save().lineWidth(0.5).rect(x, y, w, height);
      if (shaded) doc.fillAndStroke(SHADE, GRID);
      else doc.stroke(GRID);
      doc.restore();
      const text = cells[i] ?? '';
      if (text !== '') {
        doc
          .font(header ? BOLD : REGULAR)
          .fontSize(SIZE.cell)
          .fillColor('black')
          // The explicit height keeps PDFKit from starting a page of its own inside a cell.
          .text(text, x + CELL_PAD, y + CELL_PAD, { width: inner[i] ?? 0, lineGap: LINE_GAP, height: height - CELL_PAD + 1 });
      }
      x += w;
    }
    doc.x = left;
    doc.y = y + height;
  };

  const headerCells = table.columns.map((c) => c.trim());
  const drawHeader = () => {
    if (style.header) drawCells(headerCells, heightOf(headerCells, BOLD), true);
  };

  if (table.title.trim() !== '') {
    ensureSpace(doc, 60);
    doc.font(BOLD).fontSize(SIZE.heading).fillColor('black').text(table.title, left, doc.y, { width: contentWidth(doc), lineGap: LINE_GAP });
    doc.moveDown(0.3);
  }
  ensureSpace(doc, 40);
  drawHeader();
  let rowsOnPage = 0;
  for (const row of table.rows) {
    let cells = Array.from({ length: n }, (_, i) => (row[i] ?? '').trim());
    for (;;) {
      const height = heightOf(cells, REGULAR);
      const available = bottomY(doc) - doc.y;
      if (height <= available) {
        drawCells(cells, height, false);
        rowsOnPage++;
        break;
      }
      if (rowsOnPage > 0 || available < 40) {
        doc.addPage();
        drawHeader();
        rowsOnPage = 0;
        continue;
      }
      // A row taller than a whole page: print what fits here and carry the rest over.
      const room = available - 2 * CELL_PAD;
      doc.font(REGULAR).fontSize(SIZE.cell);
      const split = cells.map((c, i): [string, string] => {
        const w = inner[i] ?? 0;
        return doc.heightOfString(c, { width: w, lineGap: LINE_GAP }) <= room ? [c, ''] : splitToFit(doc, c, w, room);
      });
      drawCells(
        split.map(([head]) => head),
        available,
        false,
      );
      cells = split.map(([, rest]) => rest);
      doc.addPage();
      drawHeader();
      rowsOnPage = 0;
    }
  }
  doc.moveDown(0.6);
}

function drawParagraph(doc: Doc, text: string, language: DecisionLetter['language']): void {
  doc
    .font(REGULAR)
    .fontSize(SIZE.body)
    .fillColor('black')
    .text(text, doc.page.margins.left, doc.y, {
      width: contentWidth(doc),
      lineGap: LINE_GAP,
      // A Japanese paragraph opens with a one-character indent.
      indent: language === 'ja' ? SIZE.body : 0,
      paragraphGap: 2,
    });
  doc.moveDown(0.5);
}

function drawBlock(doc: Doc, block: LetterBlock, language: DecisionLetter['language']): void {
  switch (block.kind) {
    case 'heading':
      // Keep a heading with at least the first lines of what follows it.
      ensureSpace(doc, 70);
      doc.moveDown(0.3);
      doc.font(BOLD).fontSize(SIZE.heading).fillColor('black').text(block.text, doc.page.margins.left, doc.y, { width: contentWidth(doc) });
      doc.moveDown(0.3);
      return;
    case 'paragraph':
      drawParagraph(doc, block.text, language);
      return;
    case 'fields':
      drawTable(
        doc,
        { title: '', columns: ['', ''], widths: [26, 74], rows: block.fields.map((f) => [f.label, f.value]) },
        { header: false, labelColumn: true },
      );
      return;
    case 'table':
      drawTable(doc, block.table, { header: true, labelColumn: false });
      return;
  }
}

function drawLetter(doc: Doc, letter: DecisionLetter): void {
  const left = doc.page.margins.left;
  const width = contentWidth(doc);
  doc.font(REGULAR).fontSize(SIZE.body).fillColor('black');
  doc.text(letter.date, left, doc.y, { width, align: 'right' });
  doc.text(letter.reference, { width, align: 'right' });
  doc.moveDown(1);
  doc.fontSize(12);
  for (const line of letter.addressee) doc.text(line, left, doc.y, { width });
  doc.moveDown(1);
  doc.fontSize(SIZE.body);
  for (const line of letter.sender) doc.text(line, left, doc.y, { width, align: 'right' });
  doc.moveDown(1.5);
  doc.font(BOLD).fontSize(SIZE.title).text(letter.title, left, doc.y, { width, align: 'center' });
  doc.moveDown(1);
  if (letter.salutation) {
    doc.font(REGULAR).fontSize(SIZE.body).text(letter.salutation, left, doc.y, { width });
    doc.moveDown(0.5);
  }
  for (const block of letter.blocks) drawBlock(doc, block, letter.language);
  if (letter.closing) {
    doc.moveDown(0.5);
    doc.font(REGULAR).fontSize(SIZE.body).text(letter.closing, left, doc.y, { width, align: 'right' });
  }
}

/** Page numbers, the reference and the watermark on every page, once all pages exist. */
function drawPageMarks(doc: Doc, letter: DecisionLetter, watermark: string | undefined): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const left = doc.page.margins.left;
    const width = contentWidth(doc);
    // Writing into the bottom margin would make PDFKit start yet another page.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - bottom / 2 - SIZE.footer;
    doc.font(REGULAR).fontSize(SIZE.footer).fillColor(MUTED);
    doc.text(letter.reference, left, y, { width, align: 'left', lineBreak: false });
    doc.text(`${i - range.start + 1} / ${range.count}`, left, y, { width, align: 'right', lineBreak: false });
    if (watermark) {
      doc.font(BOLD).fontSize(SIZE.heading).fillColor('#b00020').text(watermark, left, doc.page.margins.top / 2 - SIZE.heading / 2, { width, align: 'left', lineBreak: false });
    }
    doc.page.margins.bottom = bottom;
  }
  doc.fillColor('black');
}

/** The letter (and any appendix tables) as a PDF. */
export async function renderLetterPdf(letter: DecisionLetter, extras: LetterPdfExtras = {}): Promise<Buffer> {
  const font = await loadFonts();
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGINS,
    bufferPages: true,
    lang: letter.language === 'ja' ? 'ja-JP' : 'en-GB',
    info: { Title: letter.title, Creator: 'Madoguchi', CreationDate: letter.issuedAt },
  });
  const chunks: Buffer[] = [];
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont(REGULAR, font.regular);
  doc.registerFont(BOLD, font.bold);

  drawLetter(doc, letter);
  const appendix = extras.appendixTables ?? [];
  appendix.forEach((table, i) => {
    doc.addPage();
    const label = letter.language === 'ja' ? `別紙${appendix.length > 1 ? i + 1 : ''}` : `Appendix${appendix.length > 1 ? ` ${i + 1}` : ''}`;
    doc.font(BOLD).fontSize(SIZE.small).fillColor(MUTED).text(label, doc.page.margins.left, doc.y, { width: contentWidth(doc) });
    doc.fillColor('black').moveDown(0.3);
    drawTable(doc, table, { header: true, labelColumn: false });
  });
  drawPageMarks(doc, letter, extras.watermark);
  doc.end();
  return finished;
}
