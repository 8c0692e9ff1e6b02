/**
 * The workbook's command line: `npm run <command>`. Parses arguments, loads the manifest and hands
 * over to one module per command. Errors the user can fix print a sentence, not a stack.
 */
import path from 'node:path';
import { parseArgs, usage } from './args.ts';
import { loadCatalog } from './catalog.ts';
import { GraderError } from './errors.ts';
import { c } from './output.ts';
import { GRADER_HOME } from './runner.ts';
import { check } from './commands/check.ts';
import { gradeAll, gradeOne, watchKata } from './commands/grade.ts';
import { hint } from './commands/hint.ts';
import { list, next } from './commands/list.ts';
import { reset } from './commands/reset.ts';
import { runKataScript, ui } from './commands/run-script.ts';
import { solution } from './commands/solution.ts';

async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  const { command, args, flags } = parsed;
  if (command === 'help') {
    console.log(usage(args[0]));
    return 0;
  }
  const root = typeof flags.workbook === 'string' ? path.resolve(flags.workbook) : GRADER_HOME;
  const catalog = await loadCatalog(root);
  switch (command) {
    case 'grade':
      if (flags.watch) {
        if (!args[0]) throw new GraderError('USAGE', 'npm run grade -- <kata> --watch: name the kata to watch');
        return watchKata(catalog, args[0], flags);
      }
      return args[0] ? gradeOne(catalog, args[0], flags) : gradeAll(catalog, flags);
    case 'solution':
      return solution(catalog, args[0]!, flags);
    case 'hint':
      return hint(catalog, args[0]!, args[1]);
    case 'reset':
      return reset(catalog, args[0]!, typeof flags.ref === 'string' ? flags.ref : undefined);
    case 'list':
      return list(catalog);
    case 'next':
      return next(catalog);
    case 'ui':
      return ui(catalog, args[0]);
    case 'check':
      return check(catalog, parsed);
    case 'bench':
    case 'experiment':
      return runKataScript(catalog, args[0]!, command, Boolean(flags.mine));
    default:
      throw new GraderError('USAGE', usage());
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof GraderError) {
      console.error(c.red(err.message));
      process.exit(err.exitCode);
    }
    console.error(err);
    process.exit(1);
  },
);
