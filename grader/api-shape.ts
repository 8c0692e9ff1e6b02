/**
 * Child process of `npm run check`: imports each kata's stub and solution and prints, as JSON, the
 * name and kind of everything they export, so the check can compare the two.
 * Usage: node --import tsx grader/api-shape.ts <workbook> <slug>...
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

function kind(v: unknown): string {
  if (typeof v === 'function') return /^class[\s{]/.test(Function.prototype.toString.call(v)) ? 'class' : 'function';
  return v === null ? 'null' : typeof v;
}

async function shape(file: string): Promise<Record<string, string>> {
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  return Object.fromEntries(Object.keys(mod).sort().map((k) => [k, kind(mod[k])]));
}

const [root, ...slugs] = process.argv.slice(2);
const out: Record<string, unknown> = {};
for (const slug of slugs) {
  try {
    out[slug] = {
      stub: await shape(path.join(root!, 'katas', slug, 'index.ts')),
      solution: await shape(path.join(root!, 'solutions', slug, 'index.ts')),
    };
  } catch (err) {
    out[slug] = { error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
}
process.stdout.write(JSON.stringify(out));
// Modules may have started timers or servers on import; the shapes are all we came for.
process.exit(0);
