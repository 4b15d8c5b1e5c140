// Reading what staff upload as a finding when it is data rather than a picture: a CSV export
// (UTF-8, RFC 4180, a header row) or a JSON array of records. Both become rows of flat values,
// so the package writes them like any other collection. Pure; the service stores the result.
// Excel's "CSV" in Japan is often Shift_JIS: that is refused with a reason staff can act on
// (save as "CSV UTF-8") rather than guessed, because a wrong guess garbles names silently.

export type FileRefusal = { reason: string; message: string; notText?: boolean };
export type ParsedRows = { ok: true; rows: Record<string, string>[] } | { ok: false; refusal: FileRefusal };

const refuse = (reason: string, message: string): ParsedRows => ({ ok: false, refusal: { reason, message } });

function notText(reason: 'binary' | 'not_utf8', kind: 'csv' | 'json'): { ok: false; refusal: FileRefusal } {
  return reason === 'binary'
    ? { ok: false, refusal: { reason: 'not_text', message: `the file is named .${kind} but is not a text file`, notText: true } }
    : { ok: false, refusal: { reason: `${kind}_not_utf8`, message: `the ${kind.toUpperCase()} file is not UTF-8 text; save it as UTF-8 (in Excel: "CSV UTF-8") and send it again` } };
}

export type DecodedText = { ok: true; text: string } | { ok: false; reason: 'binary' | 'not_utf8' };

/**
 * UTF-8 text without its BOM. Bytes no text export holds (NUL, escape codes) mean the file is
 * not text at all; text in another encoding (Shift_JIS, say) has none of those but is not
 * valid UTF-8.
 */
export function decodeUtf8Text(bytes: Buffer): DecodedText {
  for (const b of bytes) {
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) return { ok: false, reason: 'binary' };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, reason: 'not_utf8' };
  }
  return { ok: true, text: text.startsWith('\ufeff') ? text.slice(1) : text };
}

/** RFC 4180 fields; quoted fields may hold commas, quotes ("") and line breaks. */
function splitCsv(text: string): string[][] | null {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 1;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
      continue;
    }
    if (c === '"') {
      // A quote may only open a field.
      if (field !== '' || wasQuoted) return null;
      quoted = true;
      wasQuoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
      wasQuoted = false;
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      wasQuoted = false;
    } else {
      if (wasQuoted) return null; // text after a closing quote
      field += c;
    }
  }
  if (quoted) return null;
  if (field !== '' || wasQuoted || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  // Blank lines (a trailing one especially) carry nothing.
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

export function parseCsvRows(bytes: Buffer, limits: { maxRows: number; maxColumns: number }): ParsedRows {
  const decoded = decodeUtf8Text(bytes);
  if (!decoded.ok) return notText(decoded.reason, 'csv');
  const table = splitCsv(decoded.text);
  if (table === null) return refuse('csv_malformed', 'the CSV file has a quote out of place');
  const [header, ...body] = table;
  if (!header) return refuse('csv_empty', 'the CSV file is empty; it needs a header row and at least one row');
  const names = header.map((h) => h.trim());
  if (names.length > limits.maxColumns) return refuse('csv_too_many_columns', `the CSV file has more than ${limits.maxColumns} columns`);
  if (names.some((n) => n === '' || n.length > 200 || n === '__proto__')) return refuse('csv_bad_header', 'every column of the header row needs a name of at most 200 characters');
  if (new Set(names).size !== names.length) return refuse('csv_duplicate_header', 'two columns of the header row have the same name');
  if (body.length > limits.maxRows) return refuse('csv_too_many_rows', `the CSV file has more than ${limits.maxRows} rows`);
  const rows: Record<string, string>[] = [];
  for (const [index, fields] of body.entries()) {
    if (fields.length !== names.length) {
      return refuse('csv_ragged', `row ${index + 2} has ${fields.length} fields where the header has ${names.length}`);
    }
    const record: Record<string, string> = {};
    names.forEach((name, i) => {
      record[name] = fields[i] ?? '';
    });
    rows.push(record);
  }
  return { ok: true, rows };
}

/** A JSON array of objects; the caller validates the values with the records schema. */
export function parseJsonRows(bytes: Buffer): { ok: true; value: unknown } | { ok: false; refusal: FileRefusal } {
  const decoded = decodeUtf8Text(bytes);
  if (!decoded.ok) return notText(decoded.reason, 'json');
  try {
    return { ok: true, value: JSON.parse(decoded.text) as unknown };
  } catch {
    return { ok: false, refusal: { reason: 'json_malformed', message: 'the JSON file cannot be read as JSON' } };
  }
}

export type TextFileKind = 'csv' | 'json';

/** Which text format a file claims by its name; its content then has to agree. */
export function textFileKind(fileName: string): TextFileKind | null {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.json')) return 'json';
  return null;
}
