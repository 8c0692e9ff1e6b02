/** Kills its worker thread outright: process.exit() in a worker ends the thread, not the process. */
export default function exit({ code }: { code: number }): never {
  process.exit(code);
}
