/**
 * Crashes the worker with an uncaught exception from a timer: the task's own promise never sees
 * it (it never settles), the thread dies with an 'error' event and exit code 1.
 */
export default function crashInTimer({ message }: { message: string }): Promise<never> {
  setTimeout(() => {
    throw new Error(message);
  }, 5);
  return new Promise(() => {});
}
