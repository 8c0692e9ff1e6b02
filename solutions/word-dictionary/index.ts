/**
 * Word dictionary, the reference solution: one word → meaning dictionary stored two ways, as a
 * CSV file (RFC 4180, scanned) and as a Bitcask-style log (checksummed records, keydir), with
 * an import from one to the other and a lookup command line.
 */
export { CsvSyntaxError, DictionaryClosedError, DictionaryCorruptionError } from './errors.ts';
export { formatCsv, parseCsv } from './csv.ts';
export { CsvDictionary, type DictionaryOptions } from './csv-dictionary.ts';
export { COMPACT_FILE, LOG_FILE, LogDictionary } from './log-dictionary.ts';
export { importCsv, lookupMain, type LookupIo } from './cli.ts';
