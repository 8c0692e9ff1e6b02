/** A task module without a default export: its worker cannot start. */
export function notTheTask(): number {
  return 1;
}
