/**
 * importCsv and the lookup command line: `lookup <dir|file.csv> <word>`.
 */
import { nodeFs, type StoreFs } from '../../katas/store-fs.ts';
import { CsvDictionary, type DictionaryOptions } from './csv-dictionary.ts';
import { LogDictionary } from './log-dictionary.ts';
import { LOG_FILE } from './log-dictionary.ts';

/**
 * Copies every word of the CSV dictionary at `csvPath` into the log dictionary in `logDir`
 * (created if needed), with one write and one sync. Resolves to the number of words copied.
 */
export async function importCsv(csvPath: string, logDir: string, opts: DictionaryOptions = {}): Promise<number> {
  const csv = await CsvDictionary.open(csvPath, opts);
  const entries = csv.entries();
  await csv.close();
  const log = await LogDictionary.open(logDir, opts);
  try {
    await log.putMany(entries);
  } finally {
    await log.close();
  }
  return entries.length;
}

export interface LookupIo {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** The file system (default: the real disk). */
  fs?: StoreFs;
}

export const LOOKUP_USAGE = 'usage: lookup <dictionary-dir | file.csv> <word>';

/**
 * The lookup command. `argv` is the arguments after the script name. Prints the meaning and a
 * newline on stdout and resolves to 0 when the word is there; prints "<word>: not found" on
 * stderr and resolves to 1 when it is not; resolves to 2 after a message on stderr for a usage
 * error or a dictionary that cannot be read (missing, not CSV, corrupt).
 */
export async function lookupMain(argv: readonly string[], io: LookupIo = {}): Promise<number> {
  const out = io.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = io.stderr ?? ((s: string) => void process.stderr.write(s));
  const fs = io.fs ?? nodeFs;
  if (argv.length !== 2 || argv[1] === '') {
    err(`${LOOKUP_USAGE}\n`);
    return 2;
  }
  const [target, word] = argv as [string, string];
  try {
    let meaning: string | undefined;
    if (target.toLowerCase().endsWith('.csv')) {
      if (!(await fs.exists(target)) || !(await fs.stat(target)).isFile()) {
        err(`lookup: ${target}: no such CSV file\n${LOOKUP_USAGE}\n`);
        return 2;
      }
      const dict = await CsvDictionary.open(target, { fs });
      meaning = await dict.get(word);
      await dict.close();
    } else {
      // A lookup must not create a dictionary: the directory and its log must exist.
      const log = `${target.replace(/\/+$/, '')}/${LOG_FILE}`;
      if (!(await fs.exists(log))) {
        err(`lookup: ${target}: not a dictionary directory (no ${LOG_FILE})\n${LOOKUP_USAGE}\n`);
        return 2;
      }
      const dict = await LogDictionary.open(target, { fs });
      try {
        meaning = await dict.get(word);
      } finally {
        await dict.close();
      }
    }
    if (meaning === undefined) {
      err(`${word}: not found\n`);
      return 1;
    }
    out(`${meaning}\n`);
    return 0;
  } catch (e) {
    err(`lookup: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}
