/**
 * The central difference (f(x + h e_k) − f(x − h e_k)) / (2h): x[k] is moved in place while f reads
 * it (f takes no argument: it closes over x), then restored.
 */
export function centralDifference(x: Float64Array, k: number, h: number, f: () => number): number {
  const x0 = x[k];
  x[k] = x0 + h;
  const up = f();
  x[k] = x0 - h;
  const down = f();
  x[k] = x0;
  return (up - down) / (2 * h);
}
