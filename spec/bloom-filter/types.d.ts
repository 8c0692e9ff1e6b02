// murmurhash3js-revisited ships no types. Only what the spec uses is declared.
declare module 'murmurhash3js-revisited' {
  interface MurmurHash3 {
    x86: {
      /** MurmurHash3_x86_32 of `bytes` (integers 0..255), as an unsigned 32-bit integer. */
      hash32(bytes: ArrayLike<number>, seed?: number): number;
      hash128(bytes: ArrayLike<number>, seed?: number): string;
    };
    x64: {
      hash128(bytes: ArrayLike<number>, seed?: number): string;
    };
    inputValidation: boolean;
  }
  const murmurHash3: MurmurHash3;
  export default murmurHash3;
}

// bloomfilter (Jason Davies) ships no types either: the part the benchmark and experiment use.
declare module 'bloomfilter' {
  export class BloomFilter {
    /** m bits (rounded up to a multiple of 32), k hash functions. */
    constructor(m: number, k: number);
    readonly m: number;
    readonly k: number;
    add(v: string): void;
    test(v: string): boolean;
  }
}
