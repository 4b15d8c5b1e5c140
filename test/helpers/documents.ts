// Sample uploads for tests, built byte by byte so each one is exactly what its name says: small
// valid JPEG, PNG, PDF and HEIC files (and variants of an exact size that stay valid), broken
// ones (truncated, a bad checksum), files Madoguchi must refuse (executables, archives, HTML,
// SVG, GIF, WebP), and a multipart/form-data encoder for `app.inject`.
import { randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

// ---------------------------------------------------------------------------------------
// JPEG: an 8×8 grey baseline image. With every sample at mid-grey the level-shifted block is
// all zeros, so one Huffman code for "DC difference 0" and one for "end of block" encode it;
// decoders accept tables of a single one-bit code.

function jpegSegment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt8(0xff, 0);
  head.writeUInt8(marker, 1);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

const JPEG_SOI = Buffer.from([0xff, 0xd8]);
const JPEG_EOI = Buffer.from([0xff, 0xd9]);

function jpegBody(): Buffer {
  const app0 = jpegSegment(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]));
  const dqt = jpegSegment(0xdb, Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 1)]));
  // precision 8, height 8, width 8, one component: id 1, sampling 1×1, quantisation table 0
  const sof0 = jpegSegment(0xc0, Buffer.from([0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00]));
  const oneCode = (tableClassAndId: number) =>
    Buffer.concat([Buffer.from([tableClassAndId, 1]), Buffer.alloc(15, 0), Buffer.from([0x00])]);
  const dht = jpegSegment(0xc4, Buffer.concat([oneCode(0x00), oneCode(0x10)]));
  // one component using DC table 0 / AC table 0, spectral selection 0–63, no approximation
  const sos = jpegSegment(0xda, Buffer.from([0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]));
  // bits "0" (DC diff category 0) and "0" (EOB), padded with ones
  const scan = Buffer.from([0x3f]);
  return Buffer.concat([app0, dqt, sof0, dht, sos, scan]);
}

/** A valid 8×8 grey JPEG (a few hundred bytes). */
export function sampleJpeg(): Buffer {
  return Buffer.concat([JPEG_SOI, jpegBody(), JPEG_EOI]);
}

/** Splits `total` bytes into segments of `overhead` + payload, each payload ≤ `maxPayload`. */
function paddingSizes(total: number, overhead: number, maxPayload: number): number[] {
  if (total === 0) return [];
  const count = Math.ceil(total / (overhead + maxPayload));
  if (total < count * overhead) throw new RangeError(`cannot pad by exactly ${total} bytes`);
  const payloadTotal = total - count * overhead;
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const share = Math.floor(payloadTotal / count) + (i < payloadTotal % count ? 1 : 0);
    sizes.push(share);
  }
  return sizes;
}

/** A valid JPEG of exactly `bytes` bytes, padded with comment (COM) segments. */
export function jpegOfSize(bytes: number): Buffer {
  const base = sampleJpeg().length;
  if (bytes < base) throw new RangeError(`a sample JPEG needs at least ${base} bytes`);
  const comments = paddingSizes(bytes - base, 4, 0xffff - 2).map((n) => jpegSegment(0xfe, Buffer.alloc(n, 0x20)));
  const out = Buffer.concat([JPEG_SOI, ...comments, jpegBody(), JPEG_EOI]);
  if (out.length !== bytes) throw new Error('jpegOfSize: size arithmetic is off');
  return out;
}

/** A JPEG cut off in the middle of its segments (no scan, no end marker). */
export function truncatedJpeg(): Buffer {
  const whole = sampleJpeg();
  return whole.subarray(0, Math.floor(whole.length / 2));
}

/** A JPEG whose entropy-coded data never reaches the end-of-image marker. */
export function jpegWithoutEnd(): Buffer {
  const whole = sampleJpeg();
  return whole.subarray(0, whole.length - 2);
}

// ---------------------------------------------------------------------------------------
// PNG: a 4×4 RGB image, deflated with zlib; chunk CRCs computed over type + data.

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length, 0);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData) >>> 0, 0);
  return Buffer.concat([length, typeAndData, crc]);
}

function pngParts(): { ihdr: Buffer; idat: Buffer; iend: Buffer } {
  const width = 4;
  const height = 4;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: RGB
  // compression, filter and interlace methods stay 0
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set([40 + x * 50, 90 + y * 30, 160], 1 + x * 3);
    rows.push(row);
  }
  return { ihdr: pngChunk('IHDR', header), idat: pngChunk('IDAT', deflateSync(Buffer.concat(rows))), iend: pngChunk('IEND', Buffer.alloc(0)) };
}

/** A valid 4×4 RGB PNG. */
export function samplePng(): Buffer {
  const { ihdr, idat, iend } = pngParts();
  return Buffer.concat([PNG_SIGNATURE, ihdr, idat, iend]);
}

/** A valid PNG of exactly `bytes` bytes, padded with a tEXt chunk. */
export function pngOfSize(bytes: number): Buffer {
  const base = samplePng().length;
  const keyword = Buffer.from('Comment\0', 'latin1');
  const overhead = 12 + keyword.length;
  if (bytes !== base && bytes < base + overhead) throw new RangeError(`a padded PNG needs at least ${base + overhead} bytes`);
  const { ihdr, idat, iend } = pngParts();
  const extra = bytes === base ? [] : [pngChunk('tEXt', Buffer.concat([keyword, Buffer.alloc(bytes - base - overhead, 0x61)]))];
  return Buffer.concat([PNG_SIGNATURE, ihdr, ...extra, idat, iend]);
}

/** A PNG whose image-data chunk carries a wrong CRC. */
export function pngWithBadCrc(): Buffer {
  const png = Buffer.from(samplePng());
  // IEND is the last 12 bytes; IDAT's CRC is the 4 bytes before it.
  const at = png.length - 12 - 4;
  png.writeUInt32BE((png.readUInt32BE(at) ^ 0xdeadbeef) >>> 0, at);
  return png;
}

/** A PNG cut off inside its image data. */
export function truncatedPng(): Buffer {
  const png = samplePng();
  return png.subarray(0, png.length - 20);
}

// ---------------------------------------------------------------------------------------
// PDF: one A4 page with a line of text, a cross-reference table with real offsets.

function buildPdf(padding: number): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    null, // the content stream, below
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const content = 'BT /F1 18 Tf 72 760 Td (Sample identity document) Tj ET';
  objects[3] = `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`;
  let out = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  if (padding > 0) out += `%${'x'.repeat(padding - 2)}\n`;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body ?? ''}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A valid one-page PDF. */
export function samplePdf(): Buffer {
  return buildPdf(0);
}

/** A valid PDF of exactly `bytes` bytes, padded with a comment line after the header. The
 * offsets in the cross-reference table grow with the padding, so the size is searched for. */
export function pdfOfSize(bytes: number): Buffer {
  const base = samplePdf().length;
  if (bytes === base) return samplePdf();
  if (bytes < base + 2) throw new RangeError(`a padded PDF needs at least ${base + 2} bytes`);
  let padding = bytes - base;
  for (let i = 0; i < 4; i++) {
    const pdf = buildPdf(padding);
    if (pdf.length === bytes) return pdf;
    padding += bytes - pdf.length;
  }
  throw new RangeError(`cannot build a PDF of exactly ${bytes} bytes`);
}

/** A PDF whose end (the trailer, startxref and %%EOF) was cut off. */
export function truncatedPdf(): Buffer {
  const pdf = samplePdf();
  return pdf.subarray(0, pdf.indexOf('xref'));
}

// ---------------------------------------------------------------------------------------
// HEIC: ISO base media boxes — `ftyp` (heic, compatible with mif1), a `meta` box with its
// handler, and `mdat`. Not an image a viewer can show, but the container is sound.

function box(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(payload.length + 8, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, payload]);
}

function heicBoxes(): Buffer[] {
  const ftyp = box('ftyp', Buffer.concat([Buffer.from('heic', 'latin1'), Buffer.alloc(4), Buffer.from('mif1heic', 'latin1')]));
  // hdlr: version/flags, pre_defined, handler 'pict', three reserved words, empty name
  const hdlr = box('hdlr', Buffer.concat([Buffer.alloc(8), Buffer.from('pict', 'latin1'), Buffer.alloc(12), Buffer.from([0])]));
  const pitm = box('pitm', Buffer.from([0, 0, 0, 0, 0, 1]));
  const meta = box('meta', Buffer.concat([Buffer.alloc(4), hdlr, pitm]));
  const mdat = box('mdat', Buffer.from([0x00, 0x00, 0x00, 0x08, 0x26, 0x01, 0xaf, 0x13, 0x80, 0x2a, 0x55, 0x10]));
  return [ftyp, meta, mdat];
}

/** A structurally valid HEIC file (brand heic). */
export function sampleHeic(): Buffer {
  return Buffer.concat(heicBoxes());
}

/** A valid HEIC of exactly `bytes` bytes, padded with a `free` box. */
export function heicOfSize(bytes: number): Buffer {
  const base = sampleHeic().length;
  if (bytes !== base && bytes < base + 8) throw new RangeError(`a padded HEIC needs at least ${base + 8} bytes`);
  const extra = bytes === base ? [] : [box('free', Buffer.alloc(bytes - base - 8))];
  return Buffer.concat([...heicBoxes(), ...extra]);
}

/** A HEIC whose last box claims more bytes than the file has. */
export function truncatedHeic(): Buffer {
  const heic = sampleHeic();
  return heic.subarray(0, heic.length - 5);
}

// ---------------------------------------------------------------------------------------
// Things that are not documents.

/** The start of a 64-bit Linux executable (ELF header). */
export function elfExecutable(): Buffer {
  const b = Buffer.alloc(128);
  b.set([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00], 0);
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(0x3e, 18); // x86-64
  return b;
}

/** The start of a Windows executable: an MZ header pointing at a PE signature. */
export function peExecutable(): Buffer {
  const b = Buffer.alloc(256);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(0x8664, 0x84);
  return b;
}

/** A zip archive holding one stored (uncompressed) text file. */
export function zipArchive(): Buffer {
  const name = Buffer.from('licence.jpg', 'latin1');
  const data = Buffer.from('not really a picture\n', 'latin1');
  const crc = crc32(data) >>> 0;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  const centralAt = local.length + name.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(centralAt, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

/** A 1×1 GIF. */
export function gifImage(): Buffer {
  return Buffer.concat([
    Buffer.from('GIF89a', 'latin1'),
    Buffer.from([0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff]),
    Buffer.from([0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b]),
  ]);
}

/** A RIFF/WebP header with a lossless chunk. */
export function webpImage(): Buffer {
  const vp8l = box('VP8L', Buffer.alloc(6));
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), Buffer.from('VP8L', 'latin1'), Buffer.from([5, 0, 0, 0]), vp8l.subarray(8)]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

export function htmlDocument(): Buffer {
  return Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>\n', 'utf8');
}

export function svgImage(): Buffer {
  return Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><script>alert(1)</script></svg>\n', 'utf8');
}

// ---------------------------------------------------------------------------------------
// multipart/form-data for app.inject.

export type MultipartPart =
  | { name: string; value: string }
  | { name: string; filename: string; contentType: string; data: Buffer };

/** Encodes `parts` in order as a multipart/form-data body. */
export function multipartBody(parts: MultipartPart[]): { payload: Buffer; headers: { 'content-type': string } } {
  const boundary = `----mdg-test-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  const quote = (s: string) => s.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quote(part.name)}"`;
    if ('data' in part) {
      head += `; filename="${quote(part.filename)}"\r\nContent-Type: ${part.contentType}\r\n\r\n`;
      chunks.push(Buffer.from(head, 'utf8'), part.data, Buffer.from('\r\n', 'utf8'));
    } else {
      head += '\r\n\r\n';
      chunks.push(Buffer.from(head, 'utf8'), Buffer.from(part.value, 'utf8'), Buffer.from('\r\n', 'utf8'));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
