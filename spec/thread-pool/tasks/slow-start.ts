/**
 * A module that takes 600 ms to load, like one that opens a connection or warms a cache at import
 * time. Its worker is not ready until then.
 */
await new Promise((resolve) => setTimeout(resolve, 600));

export default function increment(x: number): number {
  return x + 1;
}
