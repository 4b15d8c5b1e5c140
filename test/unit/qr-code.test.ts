// The console's QR encoder (authenticator enrolment), checked against the structure the
// standard fixes: size per version, the three finder patterns, the timing lines, the dark
// module, and the format information — both copies equal, a valid BCH code word, level M.
// (During development its output was also read back by an independent decoder.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeQr } from '../../web/src/admin/qr-code.ts';

const at = (m: boolean[][], x: number, y: number): boolean => m[y]?.[x] ?? false;

function finderAt(m: boolean[][], left: number, top: number): boolean {
  for (let dy = 0; dy < 7; dy++) {
    for (let dx = 0; dx < 7; dx++) {
      const ring = Math.max(Math.abs(dx - 3), Math.abs(dy - 3));
      if (at(m, left + dx, top + dy) !== (ring !== 2)) return false;
    }
  }
  return true;
}

/** The 15 format bits, read from around the top-left finder (most significant first). */
function formatTopLeft(m: boolean[][]): number {
  const cells: Array<[number, number]> = [];
  for (let x = 0; x <= 5; x++) cells.push([x, 8]);
  cells.push([7, 8], [8, 8], [8, 7]);
  for (let y = 5; y >= 0; y--) cells.push([8, y]);
  return cells.reduce((bits, [x, y]) => (bits << 1) | (at(m, x, y) ? 1 : 0), 0);
}

/** The same 15 bits from the copy split between the other two finders. */
function formatOther(m: boolean[][]): number {
  const n = m.length;
  const cells: Array<[number, number]> = [];
  for (let y = n - 1; y >= n - 7; y--) cells.push([8, y]);
  for (let x = n - 8; x < n; x++) cells.push([x, 8]);
  return cells.reduce((bits, [x, y]) => (bits << 1) | (at(m, x, y) ? 1 : 0), 0);
}

function isFormatCodeword(bits: number): boolean {
  let rem = (bits ^ 0x5412) >>> 10;
  const data = rem;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  return (((data << 10) | (rem & 0x3ff)) ^ 0x5412) === bits;
}

describe('QR codes for the authenticator enrolment', () => {
  const otpauth = 'otpauth://totp/Madoguchi:handler%40example.test?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Madoguchi&algorithm=SHA1&digits=6&period=30';

  test('picks the smallest version that holds the text at level M', () => {
    assert.equal(encodeQr('HELLO').length, 21, 'five bytes fit version 1');
    assert.equal(encodeQr(otpauth).length, 8 * 4 + 17, 'an otpauth link of ~140 bytes needs version 8');
    assert.throws(() => encodeQr('x'.repeat(3000)), RangeError);
  });

  for (const text of ['HELLO', otpauth, '日本語'.repeat(40)]) {
    test(`has the function patterns and a valid, level-M format (${text.length} characters)`, () => {
      const m = encodeQr(text);
      const n = m.length;
      assert.ok(m.every((row) => row.length === n), 'square');
      assert.ok(finderAt(m, 0, 0) && finderAt(m, n - 7, 0) && finderAt(m, 0, n - 7), 'three finder patterns');
      for (let i = 8; i < n - 8; i++) {
        assert.equal(at(m, i, 6), i % 2 === 0, `horizontal timing at ${i}`);
        assert.equal(at(m, 6, i), i % 2 === 0, `vertical timing at ${i}`);
      }
      assert.equal(at(m, 8, n - 8), true, 'the dark module');
      const format = formatTopLeft(m);
      assert.equal(formatOther(m), format, 'both copies of the format information agree');
      assert.ok(isFormatCodeword(format), 'the format information is a BCH code word');
      assert.equal(((format ^ 0x5412) >>> 13) & 0b11, 0b00, 'error correction level M');
    });
  }
});
