/** The learner's progress, kept in .workbook/progress.json (git-ignored). */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface KataProgress {
  passed: number;
  total: number;
  stage: number;
  done: boolean;
  gradedAt?: string;
  /** Highest hint level shown. */
  hintsSeen?: number;
}

export type Progress = Record<string, KataProgress>;

export function progressFile(root: string): string {
  return path.join(root, '.workbook', 'progress.json');
}

export function loadProgress(root: string): Progress {
  const file = progressFile(root);
  if (!existsSync(file)) return {};
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { katas?: Progress };
    return data.katas ?? {};
  } catch {
    return {}; // a damaged progress file is rebuilt by the next grade
  }
}

export function saveProgress(root: string, progress: Progress): void {
  const file = progressFile(root);
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ katas: progress }, null, 2)}\n`);
  renameSync(tmp, file);
}

export function updateProgress(root: string, slug: string, patch: Partial<KataProgress>): void {
  const p = loadProgress(root);
  p[slug] = { passed: 0, total: 0, stage: 0, done: false, ...p[slug], ...patch };
  saveProgress(root, p);
}
