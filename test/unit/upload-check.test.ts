import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import PDFDocument from 'pdfkit';
import { MAX_UPLOAD_BYTES } from '../../src/domains/requests/request.ts';
import { checkUpload, inspectUpload } from '../../src/domains/requests/upload-check.ts';
import { AppError } from '../../src/lib/errors.ts';
import {
  elfExecutable,
  gifImage,
  heicOfSize,
  htmlDocument,
  jpegOfSize,
  jpegWithoutEnd,
  pdfOfSize,
  peExecutable,
  pngOfSize,
  pngWithBadCrc,
  sampleHeic,
  sampleJpeg,
  samplePdf,
  samplePng,
  svgImage,
  truncatedHeic,
  truncatedJpeg,
  truncatedPdf,
  truncatedPng,
  webpImage,
  zipArchive,
} from '../helpers/documents.ts';

function refusal(bytes: Buffer): string {
  const r = inspectUpload(bytes);
  return r.ok ? `accepted as ${r.check.contentType}` : r.code;
}

function pdfkitDocument(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4' });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.text('Identity document scan');
    doc.addPage().text('Page two');
    doc.end();
  });
}

function box(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(payload.length + 8, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, payload]);
}

describe('upload content check', () => {
  test('the four accepted formats are recognised by their bytes, with their SHA-256', () => {
    const cases = [
      [sampleJpeg(), 'image/jpeg'],
      [samplePng(), 'image/png'],
      [samplePdf(), 'application/pdf'],
      [sampleHeic(), 'image/heic'],
    ] as const;
    for (const [bytes, type] of cases) {
      const check = checkUpload(bytes);
      assert.equal(check.contentType, type);
      assert.equal(check.byteSize, bytes.length);
      assert.equal(check.sha256, createHash('sha256').update(bytes).digest('hex'));
    }
  });

  test('a PDF written by another library (pdfkit, two pages) is accepted', async () => {
    assert.equal(checkUpload(await pdfkitDocument()).contentType, 'application/pdf');
  });

  test('padded files stay valid at any size up to the limit, exactly 10 MB included', () => {
    for (const size of [2_000, 70_000, 1_048_576]) {
      assert.equal(checkUpload(jpegOfSize(size)).byteSize, size);
      assert.equal(checkUpload(pngOfSize(size)).contentType, 'image/png');
      assert.equal(checkUpload(pdfOfSize(size)).contentType, 'application/pdf');
      assert.equal(checkUpload(heicOfSize(size)).contentType, 'image/heic');
    }
    assert.equal(checkUpload(jpegOfSize(MAX_UPLOAD_BYTES)).byteSize, MAX_UPLOAD_BYTES);
  });

  test('one byte over 10 MB is upload_too_large (413), whatever the format', () => {
    for (const big of [jpegOfSize(MAX_UPLOAD_BYTES + 1), pdfOfSize(MAX_UPLOAD_BYTES + 1), Buffer.alloc(MAX_UPLOAD_BYTES + 1)]) {
      assert.throws(
        () => checkUpload(big, 'documents.3'),
        (err: unknown) =>
          err instanceof AppError && err.code === 'upload_too_large' && err.status === 413 && err.details[0]?.path === 'documents.3',
      );
    }
  });

  test('executables, archives, markup and other image formats are upload_type_not_allowed (415)', () => {
    const foreign = {
      elf: elfExecutable(),
      pe: peExecutable(),
      zip: zipArchive(),
      gif: gifImage(),
      webp: webpImage(),
      html: htmlDocument(),
      svg: svgImage(),
      text: Buffer.from('Hello, this is my licence number 1234\n'),
      mp4: box('ftyp', Buffer.from('isom\0\0\0\0isomiso2mp41', 'latin1')),
      avif: Buffer.concat([box('ftyp', Buffer.from('avif\0\0\0\0mif1miaf', 'latin1')), box('meta', Buffer.alloc(4))]),
    };
    for (const [name, bytes] of Object.entries(foreign)) {
      assert.equal(refusal(bytes), 'upload_type_not_allowed', name);
    }
    assert.throws(() => checkUpload(elfExecutable()), (err: unknown) => err instanceof AppError && err.status === 415);
  });

  test('truncated or broken files of an accepted format are upload_corrupt (422)', () => {
    const jpeg = sampleJpeg();
    const png = samplePng();
    const pdf = samplePdf().toString('latin1');
    const broken = {
      'JPEG cut in half': truncatedJpeg(),
      'JPEG without its end marker': jpegWithoutEnd(),
      'JPEG with junk after the end marker': Buffer.concat([jpeg, Buffer.from('PK\x03\x04 hidden archive', 'latin1')]),
      'JPEG whose scan comes before the frame header': Buffer.concat([
        jpeg.subarray(0, 2),
        Buffer.from([0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x3f, 0xff, 0xd9]),
      ]),
      'JPEG with a segment longer than the file': Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1, 0xff, 0xf0, 0x00])]),
      'PNG with a bad CRC': pngWithBadCrc(),
      'PNG cut short': truncatedPng(),
      'PNG without IHDR first': Buffer.concat([png.subarray(0, 8), png.subarray(8 + 25)]),
      'PNG with data after IEND': Buffer.concat([png, Buffer.from('trailer')]),
      'PDF without its end': truncatedPdf(),
      'PDF whose startxref points nowhere': Buffer.from(pdf.replace(/startxref\n\d+/, 'startxref\n17'), 'latin1'),
      'PDF without startxref': Buffer.from(pdf.replace(/startxref\n\d+\n/, ''), 'latin1'),
      'HEIC cut short': truncatedHeic(),
      'HEIC without a meta box': box('ftyp', Buffer.from('heic\0\0\0\0mif1heic', 'latin1')),
      'HEIC box smaller than its header': Buffer.concat([sampleHeic(), Buffer.from([0, 0, 0, 4, 0x66, 0x72, 0x65, 0x65])]),
      'an empty file': Buffer.alloc(0),
    };
    for (const [name, bytes] of Object.entries(broken)) {
      assert.equal(refusal(bytes), 'upload_corrupt', name);
    }
    assert.throws(
      () => checkUpload(truncatedJpeg(), 'documents.0'),
      (err: unknown) => err instanceof AppError && err.status === 422 && err.details[0]?.path === 'documents.0' && err.details[0]?.reason === 'jpeg_truncated',
    );
  });

  test('a progressive JPEG (several scans) and a multi-picture JPEG (a second image after the first) are accepted', () => {
    const jpeg = sampleJpeg();
    const eoi = jpeg.length - 2;
    // A second scan of the same frame, then the end: the shape of a progressive file.
    const secondScan = Buffer.from([0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x3f, 0x00, 0x3f]);
    assert.equal(refusal(Buffer.concat([jpeg.subarray(0, eoi), secondScan, jpeg.subarray(eoi)])), 'accepted as image/jpeg');
    assert.equal(refusal(Buffer.concat([jpeg, sampleJpeg()])), 'accepted as image/jpeg');
  });
});
