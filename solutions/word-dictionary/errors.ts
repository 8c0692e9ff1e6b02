/** The errors of the word dictionary kata. */

/** Malformed CSV: where (1-based line and column, counted in UTF-16 code units) and what. */
export class CsvSyntaxError extends Error {
  readonly code = 'CSV_SYNTAX';
  constructor(
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`CSV syntax error at line ${line}, column ${column}: ${detail}`);
    this.name = 'CsvSyntaxError';
  }
}

/** A dictionary file holds bytes that are not what was written (bit rot, a misdirected write). */
export class DictionaryCorruptionError extends Error {
  readonly code = 'DICTIONARY_CORRUPT';
  constructor(
    /** The damaged file. */
    readonly file: string,
    /** Byte offset of the damaged record. */
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${file}: corrupt record at offset ${offset}: ${detail}`);
    this.name = 'DictionaryCorruptionError';
  }
}

/** The dictionary was closed, or an earlier write failed and left it unusable. */
export class DictionaryClosedError extends Error {
  readonly code = 'DICTIONARY_CLOSED';
  constructor(readonly reason: string) {
    super(`the dictionary is closed: ${reason}`);
    this.name = 'DictionaryClosedError';
  }
}
