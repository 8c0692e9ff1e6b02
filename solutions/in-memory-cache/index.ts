/**
 * A Redis-compatible cache: RESP2 over TCP, string keys with expiry, approximated LRU eviction
 * under a memory limit. See katas/in-memory-cache/README.md.
 */
export { RespParser, RespProtocolError, encode, type Reply } from './resp.ts';
export { ENTRY_OVERHEAD } from './keyspace.ts';
export { createCacheServer, type CacheServer, type CacheServerOptions, type CacheStats } from './server.ts';
