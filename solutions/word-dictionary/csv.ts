/**
 * CSV as RFC 4180 defines it, the reference parser and formatter.
 *
 *   file    = record *(line-break record) [line-break]
 *   record  = field *("," field)
 *   field   = quoted / bare
 *   quoted  = DQUOTE *(any char but DQUOTE, or DQUOTE DQUOTE) DQUOTE
 *   bare    = *(any char but "," DQUOTE CR LF)
 *
 * Line breaks are CRLF on output; on input CRLF and bare LF are both accepted (files edited on
 * Unix use LF). Inside a quoted field every character, line breaks included, is kept verbatim, so
 * a quoted "\r\n" stays "\r\n". A blank line in the middle of a file is a record with one empty
 * field; the line break after the last record is optional and adds no record.
 */
import { CsvSyntaxError } from './errors.ts';

const QUOTE = 34; // "
const COMMA = 44; // ,
const CR = 13;
const LF = 10;

/** Parses CSV text into records of fields. Throws CsvSyntaxError (line, column) on malformed input. */
export function parseCsv(text: string): string[][] {
  return parseRecords(text);
}

/** parseCsv, also filling `lines` with the line each record starts on (for error messages). */
export function parseRecords(text: string, lines: number[] = []): string[][] {
  if (typeof text !== 'string') throw new TypeError(`parseCsv: expected a string, got ${typeof text}`);
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0; // index of the first character of the current line
  const n = text.length;
  const fail = (at: number, message: string): never => {
    throw new CsvSyntaxError(line, at - lineStart + 1, message);
  };

  if (n === 0) return rows;
  lines.push(1);
  for (;;) {
    // At the start of a field.
    let field: string;
    if (text.charCodeAt(i) === QUOTE) {
      const openLine = line;
      const openColumn = i - lineStart + 1;
      i++;
      let value = '';
      let chunk = i;
      for (;;) {
        if (i >= n) throw new CsvSyntaxError(openLine, openColumn, `the quoted field opened here is never closed`);
        const c = text.charCodeAt(i);
        if (c === QUOTE) {
          if (text.charCodeAt(i + 1) === QUOTE) {
            // An escaped quote: keep one of the two.
            value += text.slice(chunk, i + 1);
            i += 2;
            chunk = i;
            continue;
          }
          value += text.slice(chunk, i);
          i++;
          break;
        }
        if (c === LF) {
          // A line break inside the field belongs to the field; only the position counts it.
          line++;
          lineStart = i + 1;
        }
        i++;
      }
      field = value;
      // After the closing quote: a separator, a line break or the end, nothing else.
      if (i < n) {
        const c = text.charCodeAt(i);
        if (c !== COMMA && c !== LF && !(c === CR && text.charCodeAt(i + 1) === LF)) {
          fail(i, `unexpected ${describe(text, i)} after the closing quote of a field (a quote inside a field is written "")`);
        }
      }
    } else {
      const start = i;
      while (i < n) {
        const c = text.charCodeAt(i);
        if (c === COMMA || c === LF) break;
        if (c === CR) {
          if (text.charCodeAt(i + 1) === LF) break;
          fail(i, 'a carriage return outside quotes must be followed by a line feed (quote the field to keep it)');
        }
        if (c === QUOTE) fail(i, 'a quote inside an unquoted field (quote the whole field and double the quote: "")');
        i++;
      }
      field = text.slice(start, i);
    }
    row.push(field);

    // After a field: separator, line break or end of input.
    if (i >= n) {
      rows.push(row);
      return rows;
    }
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i++;
      continue; // the next field (possibly empty, also at the end of the line)
    }
    // A line break ends the record.
    i += c === CR ? 2 : 1;
    rows.push(row);
    row = [];
    line++;
    lineStart = i;
    if (i >= n) return rows; // the optional final line break
    lines.push(line);
  }
}

function describe(text: string, i: number): string {
  const ch = text.codePointAt(i)!;
  return ch < 32 || ch === 127 ? `control character U+${ch.toString(16).padStart(4, '0').toUpperCase()}` : `character ${JSON.stringify(String.fromCodePoint(ch))}`;
}

/** True when the field must be quoted to survive a round trip. */
function needsQuotes(field: string): boolean {
  for (let i = 0; i < field.length; i++) {
    const c = field.charCodeAt(i);
    if (c === QUOTE || c === COMMA || c === CR || c === LF) return true;
  }
  return false;
}

/** One field as it appears in the file. */
export function formatField(field: string): string {
  return needsQuotes(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/**
 * Formats records as CSV: fields quoted only when they must be, CRLF after every record.
 * A record needs at least one field (an empty record has no text of its own); a record of one
 * empty field is written `""`, which reads back the same as a blank line but is visible.
 */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  let out = '';
  for (const [r, row] of rows.entries()) {
    if (!Array.isArray(row) || row.length === 0) throw new RangeError(`formatCsv: record ${r} has no fields (a CSV record holds at least one)`);
    for (const [f, field] of row.entries()) {
      if (typeof field !== 'string') throw new TypeError(`formatCsv: field ${f} of record ${r} is a ${typeof field}, not a string`);
    }
    out += row.length === 1 && row[0] === '' ? '""' : row.map(formatField).join(',');
    out += '\r\n';
  }
  return out;
}
