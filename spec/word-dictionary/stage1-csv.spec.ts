/** Stage 1: RFC 4180 CSV. Parsing the tricky cases, errors with positions, the round trip. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, formatCsv, parseCsv } from '#kata/word-dictionary';
import { checkProperty, fc } from '#support/property';
import { FIXTURE_CSV, FIXTURE_WORDS } from './helpers.ts';

function syntaxError(text: string): CsvSyntaxError {
  try {
    parseCsv(text);
  } catch (err) {
    expect(err).toBeInstanceOf(CsvSyntaxError);
    return err as CsvSyntaxError;
  }
  throw new Error(`parseCsv(${JSON.stringify(text)}) should have thrown CsvSyntaxError`);
}

describe('stage 1: CSV', () => {
  it('parses plain records, CRLF or LF, with or without a final line break', () => {
    expect(parseCsv('a,b\r\nc,d\r\n')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(parseCsv('a,b\nc,d')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('one')).toEqual([['one']]);
    expect(parseCsv('a,,\r\n,b\r\n')).toEqual([['a', '', ''], ['', 'b']]);
    expect(parseCsv('x\r\n\r\ny\r\n')).toEqual([['x'], [''], ['y']]);
  });

  it('keeps commas, doubled quotes, line breaks and UTF-8 inside quoted fields', () => {
    expect(parseCsv('"a,b","say ""hi"""\r\n')).toEqual([['a,b', 'say "hi"']]);
    expect(parseCsv('w,"line 1\nline 2\r\nline 3"\nnext,row\n')).toEqual([['w', 'line 1\nline 2\r\nline 3'], ['next', 'row']]);
    expect(parseCsv('"",""\r\n""\r\n')).toEqual([['', ''], ['']]);
    expect(parseCsv('café,中文 🙂\r\n')).toEqual([['café', '中文 🙂']]);
    expect(parseCsv(' spaced , kept \r\n')).toEqual([[' spaced ', ' kept ']]);
  });

  it('reads the shipped word list exactly as its JSON twin says', () => {
    const rows = parseCsv(readFileSync(FIXTURE_CSV, 'utf8'));
    expect(rows[0]).toEqual(['word', 'meaning']);
    expect(rows.slice(1)).toEqual(FIXTURE_WORDS);
  });

  it('formats with minimal quoting and CRLF', () => {
    expect(formatCsv([['word', 'meaning'], ['a,b', 'say "hi"'], ['multi', 'x\ny'], ['e', '']])).toBe('word,meaning\r\n"a,b","say ""hi"""\r\nmulti,"x\ny"\r\ne,\r\n');
    expect(formatCsv([['']])).toBe('""\r\n');
    expect(formatCsv([])).toBe('');
    expect(() => formatCsv([[]])).toThrow(RangeError);
    expect(() => formatCsv([['a', 1 as unknown as string]])).toThrow(TypeError);
  });

  it('rejects malformed CSV with CsvSyntaxError at the right line and column', () => {
    let e = syntaxError('ok,fine\r\nbad"quote,x\r\n');
    expect([e.line, e.column]).toEqual([2, 4]);
    e = syntaxError('a,"closed"junk\n');
    expect([e.line, e.column]).toEqual([1, 11]);
    e = syntaxError('a,b\n"multi\nline" ,x\n');
    expect([e.line, e.column]).toEqual([3, 6]);
    e = syntaxError('a,b\nc,"never closed\nmore\n');
    expect([e.line, e.column]).toEqual([2, 3]);
    e = syntaxError('a\rb\n');
    expect([e.line, e.column]).toEqual([1, 2]);
    expect(() => parseCsv(42 as unknown as string)).toThrow(TypeError);
  });

  it('round-trips: parseCsv(formatCsv(rows)) equals rows for arbitrary strings', async () => {
    const field = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: fc.constantFrom('a', ',', '"', '\r', '\n', ' ', 'é', '🙂') }));
    await checkProperty(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { maxLength: 8 }), (rows) => {
        expect(parseCsv(formatCsv(rows))).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });
});
