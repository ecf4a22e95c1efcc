/*
 * STREAM triad (McCalpin's a[i] = b[i] + s·c[i]) on this machine, for `npm run bench:peers`: the
 * memory bandwidth the n-D PDE step is judged against. Three arrays of 2²⁴ doubles (128 MiB each, far
 * beyond the caches), OpenMP threads as OMP_NUM_THREADS says (the caller runs it with 1 and with all
 * cores), best of 10 passes; bytes counted as STREAM does (24 per element: two reads, one write; the
 * write-allocate read is not counted). Prints "threads GBps".
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#define LEN (1 << 24)

int main(void) {
  double *a = malloc(sizeof(double) * LEN), *b = malloc(sizeof(double) * LEN), *c = malloc(sizeof(double) * LEN);
  if (!a || !b || !c) return 2;
#pragma omp parallel for schedule(static)
  for (long i = 0; i < LEN; i++) { a[i] = 1; b[i] = 2; c[i] = 0.5; }
  double best = 1e30;
  for (int pass = 0; pass < 10; pass++) {
    const double t0 = omp_get_wtime();
#pragma omp parallel for schedule(static)
    for (long i = 0; i < LEN; i++) a[i] = b[i] + 3.0 * c[i];
    const double t = omp_get_wtime() - t0;
    if (t < best) best = t;
  }
  printf("%d %.3f\n", omp_get_max_threads(), 24.0 * LEN / best / 1e9);
  return a[LEN / 2] == 3.5 ? 0 : 1;
}
