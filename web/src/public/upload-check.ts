// Checks a chosen file in the browser before anything is sent, with the server's own limits:
// JPEG, PNG, PDF or HEIC recognised by the first bytes (a renamed program is caught here, not
// after a long upload), at most the size limit. The server checks again, fully.

export type UploadKind = 'jpeg' | 'png' | 'pdf' | 'heic';

export type UploadProblem = { reason: 'too_large'; maxBytes: number } | { reason: 'type_not_allowed' } | { reason: 'empty' };

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);

function ascii(bytes: Uint8Array, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to && i < bytes.length; i++) out += String.fromCharCode(bytes[i] ?? 0);
  return out;
}

/** The kind the first bytes announce, or null for anything else. */
export function sniffKind(head: Uint8Array): UploadKind | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 8 && ascii(head, 0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(head, 0, 5) === '%PDF-') return 'pdf';
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp') {
    const major = ascii(head, 8, 12);
    if (HEIC_BRANDS.has(major)) return 'heic';
    // Compatible brands follow the minor version; AVIF (avif/avis) is a different format.
    const size = ((head[0] ?? 0) << 24) | ((head[1] ?? 0) << 16) | ((head[2] ?? 0) << 8) | (head[3] ?? 0);
    const brands: string[] = [];
    for (let p = 16; p + 4 <= Math.min(size, head.length); p += 4) brands.push(ascii(head, p, p + 4));
    if (!brands.includes('avif') && !brands.includes('avis') && brands.some((b) => HEIC_BRANDS.has(b))) return 'heic';
  }
  return null;
}

export async function checkUpload(file: File, maxBytes: number): Promise<{ kind: UploadKind } | { problem: UploadProblem }> {
  if (file.size === 0) return { problem: { reason: 'empty' } };
  if (file.size > maxBytes) return { problem: { reason: 'too_large', maxBytes } };
  const head = new Uint8Array(await file.slice(0, 64).arrayBuffer());
  const kind = sniffKind(head);
  return kind ? { kind } : { problem: { reason: 'type_not_allowed' } };
}

/** The file picker's filter; the content check above is what decides. */
export const ACCEPT_ATTRIBUTE = '.jpg,.jpeg,.png,.pdf,.heic,.heif,image/jpeg,image/png,application/pdf,image/heic,image/heif';
