// What an uploaded document really is, decided from its bytes alone (never from the file name
// or the content type the client claims): a JPEG, PNG, PDF or HEIC whose structure holds
// together from the first byte to the last. Anything else is refused before it is stored, so
// a renamed executable, an archive, HTML or SVG never reaches the vault or a staff browser,
// and a truncated photo is caught while the person can still send it again.
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { AppError, type ErrorCode } from '../../lib/errors.ts';
import { MAX_UPLOAD_BYTES, type UploadContentType } from './request.ts';

export interface UploadCheck {
  contentType: UploadContentType;
  sha256: string;
  byteSize: number;
}

type Refusal = Extract<ErrorCode, 'upload_type_not_allowed' | 'upload_corrupt' | 'upload_too_large'>;

class UploadRefused extends Error {
  constructor(
    readonly code: Refusal,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const corrupt = (reason: string) => new UploadRefused('upload_corrupt', reason);

const MESSAGES: Record<Refusal, string> = {
  upload_type_not_allowed: 'the file is not a JPEG, PNG, PDF or HEIC file',
  upload_corrupt: 'the file is damaged or incomplete',
  upload_too_large: `the file is larger than ${MAX_UPLOAD_BYTES / (1024 * 1024)} MB`,
};

// ---------------------------------------------------------------------------------------
// JPEG: markers from SOI through every segment to the start of scan, the entropy-coded data
// to the next marker, more segments and scans (progressive files) until EOI.

function isFrameMarker(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
}

function checkJpeg(b: Buffer): void {
  let pos = 2;
  let frame = false;
  let scans = 0;
  for (;;) {
    if (pos >= b.length) throw corrupt('jpeg_truncated');
    if (b[pos] !== 0xff) throw corrupt('jpeg_bad_marker');
    // 0xFF may repeat as fill before a marker.
    while (pos < b.length && b[pos] === 0xff) pos += 1;
    const marker = b[pos];
    if (marker === undefined) throw corrupt('jpeg_truncated');
    pos += 1;
    if (marker === 0xd9) {
      if (scans === 0) throw corrupt('jpeg_no_image_data');
      break;
    }
    if (marker === 0xd8 || marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7)) throw corrupt('jpeg_bad_marker');
    if (marker === 0x01) continue; // TEM has no length
    if (pos + 2 > b.length) throw corrupt('jpeg_truncated');
    const length = b.readUInt16BE(pos);
    if (length < 2) throw corrupt('jpeg_bad_segment');
    if (pos + length > b.length) throw corrupt('jpeg_truncated');
    if (isFrameMarker(marker)) {
      if (length < 8) throw corrupt('jpeg_bad_frame');
      // The height may be 0 (a DNL marker gives it later); the width must be known.
      const width = b.readUInt16BE(pos + 5);
      const components = b.readUInt8(pos + 7);
      if (width === 0 || components === 0 || length !== 8 + components * 3) throw corrupt('jpeg_bad_frame');
      frame = true;
    }
    pos += length;
    if (marker !== 0xda) continue;
    if (!frame) throw corrupt('jpeg_scan_before_frame');
    scans += 1;
    // Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte) or a restart marker
    // inside a scan; any other marker ends the scan.
    for (;;) {
      const at = b.indexOf(0xff, pos);
      if (at < 0 || at + 1 >= b.length) throw corrupt('jpeg_truncated');
      const next = b[at + 1];
      if (next === 0x00 || (next !== undefined && next >= 0xd0 && next <= 0xd7)) {
        pos = at + 2;
        continue;
      }
      if (next === 0xff) {
        pos = at + 1;
        continue;
      }
      pos = at;
      break;
    }
  }
  // The first image ends here. Cameras append further images (multi-picture format) after
  // it, and those end with their own EOI; any other trailing bytes mean a damaged file or
  // something smuggled behind the picture.
  if (pos !== b.length && !(b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9)) throw corrupt('jpeg_trailing_data');
}

// ---------------------------------------------------------------------------------------
// PNG: the signature, IHDR first, every chunk's length and CRC, IDAT present, IEND last.

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function checkPng(b: Buffer): void {
  let pos = PNG_SIGNATURE.length;
  let index = 0;
  let sawData = false;
  for (;;) {
    if (pos + 12 > b.length) throw corrupt('png_truncated');
    const length = b.readUInt32BE(pos);
    if (length > 0x7fffffff) throw corrupt('png_bad_chunk');
    const type = b.toString('latin1', pos + 4, pos + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw corrupt('png_bad_chunk');
    const end = pos + 12 + length;
    if (end > b.length) throw corrupt('png_truncated');
    const stored = b.readUInt32BE(pos + 8 + length);
    if ((crc32(b.subarray(pos + 4, pos + 8 + length)) >>> 0) !== stored) throw corrupt('png_bad_crc');
    if (index === 0) {
      if (type !== 'IHDR' || length !== 13) throw corrupt('png_ihdr_not_first');
      const width = b.readUInt32BE(pos + 8);
      const height = b.readUInt32BE(pos + 12);
      if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) throw corrupt('png_bad_header');
    } else if (type === 'IHDR') {
      throw corrupt('png_bad_chunk');
    }
    if (type === 'IDAT') sawData = true;
    index += 1;
    pos = end;
    if (type === 'IEND') {
      if (length !== 0 || !sawData) throw corrupt('png_bad_end');
      if (pos !== b.length) throw corrupt('png_trailing_data');
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------
// PDF: the version header, an end-of-file marker near the end, and a startxref whose offset
// lands on a cross-reference table or a cross-reference stream object.

const PDF_HEADER = /^%PDF-(?:1\.[0-7]|2\.0)[\r\n \t%]/;
const PDF_TAIL_BYTES = 2048;

function checkPdf(b: Buffer): void {
  const tailStart = Math.max(0, b.length - PDF_TAIL_BYTES);
  const tail = b.toString('latin1', tailStart);
  const eof = tail.lastIndexOf('%%EOF');
  if (eof < 0 || tail.slice(eof + 5).trim().length > 0) throw corrupt('pdf_no_eof');
  const match = /startxref\s+(\d{1,12})\s+$/.exec(tail.slice(0, eof));
  if (!match?.[1]) throw corrupt('pdf_no_startxref');
  const offset = Number(match[1]);
  if (offset <= 0 || offset >= b.length) throw corrupt('pdf_bad_startxref');
  const target = b.toString('latin1', offset, Math.min(b.length, offset + 64)).replace(/^\s+/, '');
  if (target.startsWith('xref')) {
    if (!b.includes('trailer', offset, 'latin1')) throw corrupt('pdf_no_trailer');
    return;
  }
  if (!/^\d+\s+\d+\s+obj\b/.test(target)) throw corrupt('pdf_bad_startxref');
}

// ---------------------------------------------------------------------------------------
// HEIC: ISO base media boxes that add up to the file, `ftyp` first with a HEIF brand, and
// the `meta` box (images) or `moov` box (sequences) that holds the picture's description.

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);
// AVIF shares the HEIF container and its mif1 brand but is another format.
const NOT_HEIC_BRANDS = new Set(['avif', 'avis']);

function ftypBrands(b: Buffer): { major: string; compatible: string[] } | null {
  if (b.length < 16 || b.toString('latin1', 4, 8) !== 'ftyp') return null;
  const size = b.readUInt32BE(0);
  if (size < 16 || size > b.length || (size - 16) % 4 !== 0) return null;
  const compatible: string[] = [];
  for (let p = 16; p + 4 <= size; p += 4) compatible.push(b.toString('latin1', p, p + 4));
  return { major: b.toString('latin1', 8, 12), compatible };
}

function isHeicBrand(brands: { major: string; compatible: string[] }): boolean {
  if (NOT_HEIC_BRANDS.has(brands.major)) return false;
  return HEIC_BRANDS.has(brands.major) || brands.compatible.some((c) => HEIC_BRANDS.has(c));
}

function checkHeic(b: Buffer): void {
  let pos = 0;
  let description = false;
  while (pos < b.length) {
    if (pos + 8 > b.length) throw corrupt('heic_truncated');
    let size = b.readUInt32BE(pos);
    const type = b.toString('latin1', pos + 4, pos + 8);
    if (!/^[\x20-\x7e]{4}$/.test(type)) throw corrupt('heic_bad_box');
    let header = 8;
    if (size === 1) {
      if (pos + 16 > b.length) throw corrupt('heic_truncated');
      const large = b.readBigUInt64BE(pos + 8);
      if (large > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt('heic_bad_box');
      size = Number(large);
      header = 16;
    } else if (size === 0) {
      size = b.length - pos; // the last box runs to the end of the file
    }
    if (size < header) throw corrupt('heic_bad_box');
    if (pos + size > b.length) throw corrupt('heic_truncated');
    if (type === 'meta' || type === 'moov') description = true;
    pos += size;
  }
  if (!description) throw corrupt('heic_no_meta');
}

// ---------------------------------------------------------------------------------------

function inspect(b: Buffer): UploadContentType {
  if (b.length > MAX_UPLOAD_BYTES) throw new UploadRefused('upload_too_large', 'too_large');
  if (b.length === 0) throw corrupt('empty');
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) {
    checkJpeg(b);
    return 'image/jpeg';
  }
  if (b.length >= PNG_SIGNATURE.length && b.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    checkPng(b);
    return 'image/png';
  }
  if (b.length >= 8 && b.toString('latin1', 0, 5) === '%PDF-') {
    if (!PDF_HEADER.test(b.toString('latin1', 0, 16))) throw new UploadRefused('upload_type_not_allowed', 'pdf_version_unknown');
    checkPdf(b);
    return 'application/pdf';
  }
  if (b.length >= 8 && b.toString('latin1', 4, 8) === 'ftyp') {
    const brands = ftypBrands(b);
    if (!brands) throw corrupt('heic_bad_ftyp');
    if (!isHeicBrand(brands)) throw new UploadRefused('upload_type_not_allowed', 'not_heic');
    checkHeic(b);
    return 'image/heic';
  }
  throw new UploadRefused('upload_type_not_allowed', 'unrecognised');
}

/** The outcome without throwing: for callers that check many files and report the first. */
export function inspectUpload(bytes: Buffer): { ok: true; check: UploadCheck } | { ok: false; code: Refusal; reason: string } {
  try {
    const contentType = inspect(bytes);
    return { ok: true, check: { contentType, sha256: createHash('sha256').update(bytes).digest('hex'), byteSize: bytes.length } };
  } catch (err) {
    if (err instanceof UploadRefused) return { ok: false, code: err.code, reason: err.reason };
    // A malformed structure can make a read run past the buffer: that is a damaged file.
    if (err instanceof RangeError) return { ok: false, code: 'upload_corrupt', reason: 'unreadable' };
    throw err;
  }
}

/**
 * The content type and SHA-256 of an acceptable upload, or `upload_too_large` (413),
 * `upload_type_not_allowed` (415) or `upload_corrupt` (422). `path` names the file in the
 * error details (e.g. `documents.2`).
 */
export function checkUpload(bytes: Buffer, path?: string): UploadCheck {
  const result = inspectUpload(bytes);
  if (result.ok) return result.check;
  throw new AppError(result.code, {
    details: [{ ...(path === undefined ? {} : { path }), reason: result.reason, message: MESSAGES[result.code] }],
  });
}
