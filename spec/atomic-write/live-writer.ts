/**
 * Child for the stage 5 test "a live writer's temp file is left alone": replaces <file> with the
 * bytes of <source> with writeFileAtomic, but stops after its first write piece, prints `paused`
 * and waits for a line on stdin before it goes on. Prints `done` once the write resolved.
 *
 *   argv: <file> <source>
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { writeFileAtomic } from '#kata/atomic-write';
import { diskFs, pieces } from './disk.ts';

const [file, source] = process.argv.slice(2);
if (!file || !source) throw new Error('usage: live-writer.ts <file> <source>');
const data = await readFile(source);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
let paused = false;
const fs = pieces(diskFs, 4096, async (op) => {
  if (op !== 'write' || paused) return;
  paused = true;
  process.stdout.write('paused\n');
  await lines.next();
});
await writeFileAtomic(file, data, { fs });
process.stdout.write('done\n');
process.exit(0);
