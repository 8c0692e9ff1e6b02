/** `#support/simfs`: the simulated file system for crash tests (see simfs/README.md). */
export * from './simfs/index.ts';
