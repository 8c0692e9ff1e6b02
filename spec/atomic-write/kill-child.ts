/**
 * Child workload for the SIGKILL tests and the benchmark: replaces <file> with the bytes of
 * <source> on the real disk, then exits. It is killed somewhere along the way.
 *
 *   argv: <file> <writer: atomic|naive|writeFile> <source> <piece> <pauseMs>
 *
 * With <piece> > 0 every write is cut to at most <piece> bytes and acknowledged as `write.<n>`
 * (then `fsync`, `rename`, `fsyncDir` for the atomic writer), with <pauseMs> between pieces, so the
 * parent can kill it after a chosen number of steps. `done` is acknowledged once the write
 * resolved. `writeFile` is Node's fs.promises.writeFile, the benchmark's peer.
 *
 * It imports as little as it can: every child is a fresh Node start, and that is what the SIGKILL
 * tests spend their time on.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { writeFileAtomic, writeFileNaive } from '#kata/atomic-write';
import { ack, ready } from '#support/sigkill';
import { diskFs, pieces } from './disk.ts';

const [file, writer = 'atomic', source, pieceRaw = '0', pauseRaw = '0'] = process.argv.slice(2);
if (!file || !source) throw new Error('usage: kill-child.ts <file> <atomic|naive|writeFile> <source> <piece> <pauseMs>');
const data = await readFile(source);
const piece = Number(pieceRaw);
const pauseMs = Number(pauseRaw);
let writes = 0;
const fs =
  piece > 0
    ? pieces(diskFs, piece, async (op) => {
        ack(op === 'write' ? `write.${++writes}` : op);
        if (op === 'write' && pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      })
    : diskFs;

ready(); // a kill delay counts from here
if (writer === 'atomic') await writeFileAtomic(file, data, { fs });
else if (writer === 'naive') await writeFileNaive(file, data, { fs });
else if (writer === 'writeFile') await writeFile(file, data);
else throw new Error(`unknown writer ${writer}`);
ack('done');
