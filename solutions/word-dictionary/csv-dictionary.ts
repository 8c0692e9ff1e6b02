/**
 * The dictionary as one CSV file: a `word,meaning` header, then one record per word.
 *
 * CSV has no index. Opening reads and parses the whole file; a lookup walks the rows until it
 * meets the word (a scan, O(n)); a change rewrites the whole file. That is the baseline the log
 * dictionary is measured against.
 */
import { nodeFs, type StoreFs } from '../../katas/store-fs.ts';
import { formatCsv, parseRecords } from './csv.ts';
import { CsvSyntaxError, DictionaryClosedError } from './errors.ts';
import { Serial, checkEntry, replaceFile } from './fsutil.ts';

export interface DictionaryOptions {
  /** The file system (default: the real disk). Tests pass a simulated one. */
  fs?: StoreFs;
}

/** The header every dictionary CSV file starts with. */
export const CSV_HEADER = ['word', 'meaning'] as const;

export class CsvDictionary {
  /** Words and meanings in file order; words are unique. No hash index: lookups scan. */
  private words_: string[] = [];
  private meanings: string[] = [];
  private readonly serial = new Serial();
  private closed: string | undefined;

  private constructor(
    private readonly fs: StoreFs,
    /** The CSV file. */
    readonly path: string,
  ) {}

  /**
   * Opens the dictionary in the CSV file at `path`. A missing or empty file is an empty
   * dictionary (the file is written on the first change). Throws CsvSyntaxError for a file that
   * is not CSV, lacks the `word,meaning` header, or has a record without exactly two fields or
   * with an empty word. A word listed twice takes its last meaning.
   */
  static async open(path: string, opts: DictionaryOptions = {}): Promise<CsvDictionary> {
    const fs = opts.fs ?? nodeFs;
    const dict = new CsvDictionary(fs, path);
    if (await fs.exists(path)) dict.load(new TextDecoder('utf-8', { fatal: false }).decode(await fs.readFile(path)));
    return dict;
  }

  private load(text: string): void {
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte order mark some editors add
    const lines: number[] = [];
    const rows = parseRecords(text, lines);
    if (rows.length === 0) return;
    const header = rows[0]!;
    if (header.length !== 2 || header[0] !== CSV_HEADER[0] || header[1] !== CSV_HEADER[1]) {
      throw new CsvSyntaxError(1, 1, `the header must be "word,meaning", not ${JSON.stringify(header.join(','))}`);
    }
    // Only while loading: where each word already is, so a repeated word replaces its row.
    const seen = new Map<string, number>();
    for (let r = 1; r < rows.length; r++) {
      const row = rows[r]!;
      if (row.length !== 2) throw new CsvSyntaxError(lines[r]!, 1, `a dictionary record has 2 fields (word, meaning), this one has ${row.length}`);
      const [word, meaning] = row as [string, string];
      if (word === '') throw new CsvSyntaxError(lines[r]!, 1, 'the word is empty');
      const at = seen.get(word);
      if (at === undefined) {
        seen.set(word, this.words_.length);
        this.words_.push(word);
        this.meanings.push(meaning);
      } else {
        this.meanings[at] = meaning;
      }
    }
  }

  /** Number of words. */
  get size(): number {
    return this.words_.length;
  }

  /** The row of `word`, by scanning: -1 when absent. */
  private indexOf(word: string): number {
    const words = this.words_;
    for (let i = 0; i < words.length; i++) if (words[i] === word) return i;
    return -1;
  }

  /** The meaning of `word`, or undefined. A linear scan of the rows. */
  get(word: string): Promise<string | undefined> {
    checkEntry('CsvDictionary.get', word);
    return this.lookup(word);
  }

  private async lookup(word: string): Promise<string | undefined> {
    this.checkOpen();
    const i = this.indexOf(word);
    return i < 0 ? undefined : this.meanings[i];
  }

  /** Sets the meaning of `word` (adding it or replacing the old meaning) and rewrites the file. */
  put(word: string, meaning: string): Promise<void> {
    checkEntry('CsvDictionary.put', word, meaning ?? null);
    return this.change(() => {
      const i = this.indexOf(word);
      if (i < 0) {
        this.words_.push(word);
        this.meanings.push(meaning);
      } else {
        this.meanings[i] = meaning;
      }
    });
  }

  /** Removes `word`; resolves to whether it was there. Rewrites the file when it was. */
  delete(word: string): Promise<boolean> {
    checkEntry('CsvDictionary.delete', word);
    let found = false;
    return this.change(() => {
      const i = this.indexOf(word);
      found = i >= 0;
      if (!found) return false;
      this.words_.splice(i, 1);
      this.meanings.splice(i, 1);
      return true;
    }).then(() => found);
  }

  /** Every word, sorted by UTF-16 code unit (JavaScript's default sort). */
  async words(): Promise<string[]> {
    this.checkOpen();
    return [...this.words_].sort();
  }

  /** Every (word, meaning) pair in file order. */
  entries(): Array<[string, string]> {
    this.checkOpen();
    return this.words_.map((w, i) => [w, this.meanings[i]!]);
  }

  /** Closes the dictionary: later calls throw DictionaryClosedError. */
  async close(): Promise<void> {
    await this.serial.run(async () => {
      this.closed ??= 'close() was called';
    });
  }

  /**
   * Applies `edit` to the rows and rewrites the file atomically. When the rewrite fails, the
   * rows go back to what the file holds (the old content: the replace is atomic) and the
   * dictionary refuses further changes, since a failed fsync cannot be trusted either way.
   */
  private change(edit: () => boolean | void): Promise<void> {
    return this.serial.run(async () => {
      this.checkOpen();
      const words = [...this.words_];
      const meanings = [...this.meanings];
      if (edit() === false) return;
      try {
        const rows = [[...CSV_HEADER], ...this.words_.map((w, i) => [w, this.meanings[i]!])];
        await replaceFile(this.fs, this.path, Buffer.from(formatCsv(rows), 'utf8'));
      } catch (err) {
        this.words_ = words;
        this.meanings = meanings;
        this.closed = `a write failed: ${err instanceof Error ? err.message : String(err)}`;
        throw err;
      }
    });
  }

  private checkOpen(): void {
    if (this.closed !== undefined) throw new DictionaryClosedError(this.closed);
  }
}
