/**
 * `npm run bench checksum`: the kata's CRCs beside `crc-32` (SheetJS: pure JS, slicing-by-16),
 * node:zlib's native crc32 and a byte-at-a-time table loop, on the same buffers; then the framed
 * record's encode and decode.
 *
 * The goal for the reference: slicing-by-8 at least 2× the byte-at-a-time loop and within reach of
 * `crc-32` (pure JS). zlib's crc32 is native code and is shown as the ceiling, not as a target.
 */
import zlib from 'node:zlib';
import CRC32 from 'crc-32';
import CRC32C from 'crc-32/crc32c';
import { crc32, crc32c, decodeRecord, encodeRecord } from '#kata/checksum';
import { compare, type BenchRow } from '#support/bench';

function byteTable(poly: number): Int32Array {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[n] = c;
  }
  return t;
}
const CRC32_TABLE = byteTable(0xedb88320);
const CRC32C_TABLE = byteTable(0x82f63b78);

function byteAtATime(t: Int32Array, data: Uint8Array): number {
  let crc = -1;
  for (let i = 0; i < data.length; i++) crc = (crc >>> 8) ^ t[(crc ^ data[i]!) & 0xff]!;
  return ~crc >>> 0;
}

function bytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.imul(i, 0x9e3779b1) >>> 24;
  return b;
}

/** ops/s of 1-byte "operations" → MB/s. */
function throughput(rows: BenchRow[]): void {
  for (const r of rows) console.log(`  ${r.name.padEnd(34)} ${(r.opsPerSec / 1e6).toFixed(0).padStart(6)} MB/s`);
}

const MIB = bytes(1 << 20);
const SMALL = bytes(64);
const SMALL_BATCH = 1024;

// Same answers first: a benchmark of wrong code measures nothing.
for (const [name, got, want] of [
  ['crc32c', crc32c(MIB), CRC32C.buf(MIB, 0) >>> 0],
  ['crc32', crc32(MIB), zlib.crc32(MIB) >>> 0],
] as const) {
  if (got !== want) throw new Error(`${name} of 1 MiB is 0x${got.toString(16)}, expected 0x${want.toString(16)}: fix it before benchmarking`);
}

const opsPerCall = MIB.length;
throughput(
  compare(
    'CRC-32C of 1 MiB (ops/s = bytes/s)',
    [
      { name: 'kata crc32c (slicing-by-8)', fn: () => crc32c(MIB) },
      { name: 'crc-32/crc32c (slicing-by-16)', fn: () => CRC32C.buf(MIB, 0) },
      { name: 'byte-at-a-time table', fn: () => byteAtATime(CRC32C_TABLE, MIB) },
    ],
    { opsPerCall },
  ),
);

throughput(
  compare(
    'CRC-32 of 1 MiB (ops/s = bytes/s)',
    [
      { name: 'kata crc32 (slicing-by-8)', fn: () => crc32(MIB) },
      { name: 'node:zlib crc32 (native)', fn: () => zlib.crc32(MIB) },
      { name: 'crc-32 (slicing-by-16)', fn: () => CRC32.buf(MIB, 0) },
      { name: 'byte-at-a-time table', fn: () => byteAtATime(CRC32_TABLE, MIB) },
    ],
    { opsPerCall },
  ),
);

compare(
  `CRC-32C of 64-byte buffers (batches of ${SMALL_BATCH})`,
  [
    {
      name: 'kata crc32c',
      fn: () => {
        let x = 0;
        for (let i = 0; i < SMALL_BATCH; i++) x ^= crc32c(SMALL, i);
        return x;
      },
    },
    {
      name: 'crc-32/crc32c',
      fn: () => {
        let x = 0;
        for (let i = 0; i < SMALL_BATCH; i++) x ^= CRC32C.buf(SMALL, i);
        return x;
      },
    },
  ],
  { opsPerCall: SMALL_BATCH },
);

const PAYLOAD = bytes(4096);
const RECORD = encodeRecord(PAYLOAD);
compare('framed records, 4 KiB payload', [
  { name: 'encodeRecord', fn: () => encodeRecord(PAYLOAD) },
  { name: 'decodeRecord', fn: () => decodeRecord(RECORD) },
  { name: 'crc32c of the payload alone', fn: () => crc32c(PAYLOAD) },
]);
