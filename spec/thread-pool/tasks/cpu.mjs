// The benchmark's task, in plain JavaScript so that every contender loads it alike (and a
// worker per task pays no TypeScript loader): `n` square roots, summed.
export default function cpu(n) {
  let x = 0;
  for (let i = 0; i < n; i++) x += Math.sqrt(i);
  return x;
}
