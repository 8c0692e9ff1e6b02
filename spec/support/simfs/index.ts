/**
 * The simulated disk for storage specs: `import { SimFs } from '#support/simfs'`.
 * See README.md in this folder.
 */
export type { FileStat, OpenFlags, StoreFs } from '../../../katas/store-fs.ts';
export { nodeFs } from '../../../katas/store-fs.ts';
export { SimFs, imageOf, type CrashReport, type CrashState, type DirSyncPolicy, type PendingInfo, type SimFsOptions } from './simfs.ts';
export type { CrashChoice, CrashPolicy, TearFill, TearOptions, Unsynced } from './crash.ts';
export { describeImage, sameImage, type DiskImage } from './disk.ts';
export { SimFsUsageError, SimulatedCrash, StaleEpochError, fsError } from './errors.ts';
export type { ArmCrashOptions, CallMatch, FaultHandle, FaultRule, OpName, PathMatch } from './faults.ts';
export { formatTrace, type TraceEntry } from './trace.ts';
export { withSimFs } from './seeded.ts';
