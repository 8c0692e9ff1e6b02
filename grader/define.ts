/**
 * The shape of the kata manifest. The workbook's `manifest.ts` (and each fixture workbook's) calls
 * `defineKatas([...])`; the grader reads nothing else to learn which katas exist.
 */

/** Services a kata's spec may need; see spec/support/services.ts for how each is found. */
export type ServiceName = 'redis' | 'mariadb' | 'postgres' | 'rabbitmq' | 'mosquitto' | 'nats';

export type Track = 'storage' | 'concurrency' | 'networks' | 'data';

export const TRACK_TITLES: Record<Track, string> = {
  storage: 'Storage and durability',
  concurrency: 'Concurrency and runtime',
  networks: 'Networks and real-time',
  data: 'Databases, IDs and messaging',
};

/**
 * A known-bad variant of the reference solution: one exact text replacement in one solution file,
 * applied in memory when the module is loaded (never by copying files). `find` must occur exactly
 * once in the file, so a mutant cannot silently stop applying when the solution is edited.
 */
export interface MutantDef {
  /** kebab-case, unique within the kata: `crc-unchecked`. */
  name: string;
  /** The mistake it models, in one sentence a learner would recognise. */
  why: string;
  /** Path relative to `solutions/<slug>/`. */
  file: string;
  find: string;
  replace: string;
}

export interface KataDef {
  slug: string;
  title: string;
  track: Track;
  /** 1 (an afternoon) to 5 (a week-end project). */
  difficulty: 1 | 2 | 3 | 4 | 5;
  /** One line for `npm run list`. */
  summary: string;
  /** Stage titles in order; tests live under `describe('stage N: ...')`. */
  stages: string[];
  services?: ServiceName[];
  /** npm packages the benchmark runs beside the reference. */
  peers?: string[];
  /** Hard limit for one spec run of this kata (default 120 s). */
  timeoutSeconds?: number;
  /** A run with no finished test for this long is treated as hung (default 45 s). */
  stallSeconds?: number;
  /** Temp files one run may leave under its private TMPDIR before it is stopped (default 1024 MiB). */
  tmpLimitMiB?: number;
  mutants: MutantDef[];
}

export function defineKatas(katas: KataDef[]): KataDef[] {
  return katas;
}
