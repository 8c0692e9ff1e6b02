/**
 * Word dictionary: one word → meaning dictionary stored two ways.
 *
 *   - as a CSV file (RFC 4180): readable anywhere, but no index, so a lookup scans the rows and a
 *     change rewrites the file;
 *   - as a Bitcask-style log: append-only checksummed records plus an in-memory keydir (word →
 *     where its newest record is), so a lookup is one hash lookup and one read.
 *
 * Read README.md first: it defines the CSV dialect and the log's byte format the spec checks.
 * This kata uses your framed records from the checksum kata (encodeRecord / crc32c, imported
 * below); the log's records are exactly those frames.
 */
import { todo } from '../not-implemented.ts';
import { nodeFs, type StoreFs } from '../store-fs.ts';
import { crc32c, encodeRecord } from '../checksum/index.ts';

// Yours to use (delete these lines once you do).
void nodeFs;
void crc32c;
void encodeRecord;

// ---------------------------------------------------------------------------------------------
// Errors (throw these)
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Stage 1: CSV
// ---------------------------------------------------------------------------------------------

/**
 * Parses RFC 4180 CSV into records of fields. Line breaks: CRLF or LF between records (both
 * accepted), the one after the last record optional. A quoted field keeps everything verbatim,
 * commas and line breaks included; `""` inside it is one quote. A blank line is a record with
 * one empty field. Empty text → [].
 *
 * Throws CsvSyntaxError (line and column of the offending character, 1-based; line breaks inside
 * quoted fields count) for a quote inside an unquoted field, anything but `,` or a line break
 * after a closing quote, a bare CR, or a quoted field that never closes (reported where it opens).
 * Throws TypeError when `text` is not a string.
 */
export function parseCsv(text: string): string[][] {
  return todo('word-dictionary', 'parseCsv');
}

/**
 * Formats records as CSV: CRLF after every record, a field quoted only when it holds `,` `"`
 * CR or LF (quotes doubled inside), and a record of one empty field written `""`.
 * parseCsv(formatCsv(rows)) equals rows. Throws RangeError for a record with no fields and
 * TypeError for a field that is not a string.
 */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  return todo('word-dictionary', 'formatCsv');
}

// ---------------------------------------------------------------------------------------------
// Stage 2: the CSV dictionary
// ---------------------------------------------------------------------------------------------

export interface DictionaryOptions {
  /** The file system (default: the real disk). Tests pass a simulated one. */
  fs?: StoreFs;
}

/**
 * A dictionary kept in one CSV file: the header `word,meaning`, then one record per word.
 * Words are non-empty strings, meanings any strings (empty too); both must be well-formed UTF-16
 * (no lone surrogates), else RangeError; a non-string is a TypeError. get, put and delete throw
 * these synchronously, before returning a promise (so they are not `async` functions).
 */
export class CsvDictionary {
  /** The CSV file. */
  readonly path: string = '';

  /**
   * Opens the dictionary in the CSV file at `path`. A missing or empty file is an empty
   * dictionary (the file is written on the first change). Throws CsvSyntaxError for a file that
   * is not CSV, lacks the `word,meaning` header, or has a record without exactly two fields or
   * with an empty word. A word listed twice takes its last meaning.
   */
  static async open(path: string, opts: DictionaryOptions = {}): Promise<CsvDictionary> {
    return todo('word-dictionary', 'CsvDictionary.open');
  }

  /** Number of words. */
  get size(): number {
    return todo('word-dictionary', 'CsvDictionary.size');
  }

  /** The meaning of `word`, or undefined. CSV has no index: scan the rows. */
  get(word: string): Promise<string | undefined> {
    return todo('word-dictionary', 'CsvDictionary.get');
  }

  /**
   * Sets the meaning of `word` and rewrites the file atomically (temporary file, fsync, rename,
   * fsync of the directory): after a crash the file holds the old content or the new, whole.
   */
  put(word: string, meaning: string): Promise<void> {
    return todo('word-dictionary', 'CsvDictionary.put');
  }

  /** Removes `word`; resolves to whether it was there. Rewrites the file (atomically) when it was. */
  delete(word: string): Promise<boolean> {
    return todo('word-dictionary', 'CsvDictionary.delete');
  }

  /** Every word, sorted by UTF-16 code unit (JavaScript's default sort). */
  async words(): Promise<string[]> {
    return todo('word-dictionary', 'CsvDictionary.words');
  }

  /** Every (word, meaning) pair in file order. */
  entries(): Array<[string, string]> {
    return todo('word-dictionary', 'CsvDictionary.entries');
  }

  /** Closes the dictionary: later calls throw DictionaryClosedError. */
  async close(): Promise<void> {
    return todo('word-dictionary', 'CsvDictionary.close');
  }
}

// ---------------------------------------------------------------------------------------------
// Stages 3-5: the log dictionary
// ---------------------------------------------------------------------------------------------

/** The log file in a log dictionary's directory. */
export const LOG_FILE = 'words.log';
/** Where compact() writes the new log before switching to it. */
export const COMPACT_FILE = 'words.log.compact';

/**
 * A dictionary kept as an append-only log of checksummed records in `dir/words.log` (format in
 * README.md) with an in-memory keydir: word → offset and size of its newest record. Same word and
 * meaning rules as CsvDictionary.
 */
export class LogDictionary {
  /** The dictionary's directory. */
  readonly dir: string = '';

  /**
   * Opens (creating the directory and log if needed, durably) the dictionary in `dir`: scans the
   * log into the keydir. A torn last record (a crash mid-append) is cut off, durably. Damage
   * followed by whole records is not a crash: DictionaryCorruptionError. A leftover COMPACT_FILE
   * (a compaction that never switched) is removed.
   */
  static async open(dir: string, opts: DictionaryOptions = {}): Promise<LogDictionary> {
    return todo('word-dictionary', 'LogDictionary.open');
  }

  /** Number of words. */
  get size(): number {
    return todo('word-dictionary', 'LogDictionary.size');
  }

  /** The log's size in bytes. */
  get fileSize(): number {
    return todo('word-dictionary', 'LogDictionary.fileSize');
  }

  /**
   * The meaning of `word`, or undefined: one keydir lookup, one positioned read of the record,
   * its checksum checked again (DictionaryCorruptionError when it fails).
   */
  get(word: string): Promise<string | undefined> {
    return todo('word-dictionary', 'LogDictionary.get');
  }

  /** Appends a put record and fdatasyncs it; only then does the keydir point at it. */
  put(word: string, meaning: string): Promise<void> {
    return todo('word-dictionary', 'LogDictionary.put');
  }

  /** Many puts with one write and one fdatasync (later pairs win). */
  putMany(entries: Iterable<readonly [string, string]>): Promise<void> {
    return todo('word-dictionary', 'LogDictionary.putMany');
  }

  /** Appends a tombstone (synced) when `word` is there; resolves to whether it was. */
  delete(word: string): Promise<boolean> {
    return todo('word-dictionary', 'LogDictionary.delete');
  }

  /** Every word, sorted by UTF-16 code unit. */
  async words(): Promise<string[]> {
    return todo('word-dictionary', 'LogDictionary.words');
  }

  /**
   * Rewrites the log with only the newest record of each live word. Crash-safe: write and fsync
   * COMPACT_FILE, rename it over LOG_FILE, fsync the directory; a crash anywhere leaves a log
   * with every word.
   */
  async compact(): Promise<void> {
    return todo('word-dictionary', 'LogDictionary.compact');
  }

  /** Closes the log: later calls throw DictionaryClosedError. */
  async close(): Promise<void> {
    return todo('word-dictionary', 'LogDictionary.close');
  }
}

// ---------------------------------------------------------------------------------------------
// Stage 6: import and the lookup command
// ---------------------------------------------------------------------------------------------

/**
 * Copies every word of the CSV dictionary at `csvPath` into the log dictionary in `logDir`
 * (created if needed). Resolves to the number of words copied.
 */
export async function importCsv(csvPath: string, logDir: string, opts: DictionaryOptions = {}): Promise<number> {
  return todo('word-dictionary', 'importCsv');
}

export interface LookupIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** The file system (default: the real disk). */
  fs?: StoreFs;
}

/**
 * `lookup <dictionary-dir | file.csv> <word>`; `argv` is the arguments after the script name.
 * A target ending in `.csv` is a CsvDictionary file, anything else a LogDictionary directory;
 * neither is ever created by a lookup. Resolves to the exit code:
 *   0  the meaning and a newline on stdout
 *   1  "<word>: not found" on stderr
 *   2  a usage message on stderr: wrong arguments, a missing dictionary, or one that cannot be
 *      read (bad CSV, corruption)
 */
export async function lookupMain(argv: readonly string[], io: LookupIo = {}): Promise<number> {
  return todo('word-dictionary', 'lookupMain');
}
