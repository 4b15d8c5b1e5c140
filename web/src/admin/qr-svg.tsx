// Draws a QR code as SVG: one path of dark squares with the quiet zone the standard asks for.
import { useMemo } from 'react';
import { encodeQr } from './qr-code.ts';

const QUIET = 4;

export function QrCode({ text, label, size = 220 }: { text: string; label: string; size?: number }) {
  const { path, modules } = useMemo(() => {
    const matrix = encodeQr(text);
    const parts: string[] = [];
    matrix.forEach((row, y) =>
      row.forEach((dark, x) => {
        if (dark) parts.push(`M${x + QUIET} ${y + QUIET}h1v1h-1z`);
      }),
    );
    return { path: parts.join(''), modules: matrix.length + QUIET * 2 };
  }, [text]);
  return (
    <svg className="qr" role="img" aria-label={label} width={size} height={size} viewBox={`0 0 ${modules} ${modules}`} shapeRendering="crispEdges">
      <rect width={modules} height={modules} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
