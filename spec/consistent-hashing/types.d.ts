/** `hashring` (3.x) ships no types; only what the benchmark uses is declared. */
declare module 'hashring' {
  type Servers = string | string[] | Record<string, number | { weight?: number; vnodes?: number }>;

  interface HashRingOptions {
    /** Hashes per server (default 40); each yields `replicas` points. */
    'vnode count'?: number;
    /** Points per hash (default 4, libketama's layout: 160 points per server). */
    replicas?: number;
    /** Size of the LRU cache of key → server answers (default 5000). */
    'max cache size'?: number;
    compatibility?: 'hash_ring' | 'ketama';
    'default port'?: number;
  }

  class HashRing {
    constructor(servers?: Servers, algorithm?: string | ((key: string) => Uint8Array | string), options?: HashRingOptions);
    get(key: string): string | undefined;
    add(servers: Servers): this;
    remove(server: string): this;
    has(server: string): boolean;
    range(key: string, size?: number, unique?: boolean): string[];
    reset(): this;
    end(): this;
  }

  export = HashRing;
}
