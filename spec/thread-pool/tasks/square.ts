/** The simplest task: a pure function of its input. */
export default function square(x: number): number {
  return x * x;
}
