/**
 * The lookup command as a process, for the stage 6 spec: `lookup-cli.ts <dir|file.csv> <word>`.
 * Exits with lookupMain's code; 70 when lookupMain itself throws (it should not).
 */
import { lookupMain } from '#kata/word-dictionary';

let code: number;
try {
  code = await lookupMain(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`lookupMain threw: ${err instanceof Error ? err.stack : String(err)}\n`);
  code = 70;
}
process.exitCode = code;
