/*
 * Hand-written C twin of meanfield's SGD step (bench/sgd.ts), for `npm run bench:peers`: the same
 * step on MMN's isotropic-Gaussians setting (y = ±1 with probability 1/2, x = (1 + yΔ) g, g ~ N(0, I_d),
 * z_ib = <w_i, x_b>, the piecewise-linear MMN σ, ŷ_b = mean_i σ(z_ib), r_b = y_b − ŷ_b, and
 * w_i += (2ε/B) Σ_b r_b σ'(z_ib) x_b over the (i, b) with σ' ≠ 0), in double precision, one thread.
 * Written as a careful C programmer would: rows outer / samples inner (a row of W stays in L1 for the
 * whole batch), eight independent partial sums per dot product (which gcc -O3 -march=native turns into
 * one vector register, with fused multiply-adds), xoshiro128** and polar normals like src/rng.ts.
 *
 * Protocol (one persistent process, that of bench/peers/sgd_torch.py): each stdin line is the JSON
 * {"d":…,"N":…,"B":…,"dtype":"float64","seconds":…} as JSON.stringify writes it (keys in that order,
 * no spaces); the reply is one line {"stepsPerSecond": …, "steps": …}. A case is built and warmed up
 * (0.3 s) on its first request and then continues from where it left off. Prints {"ready": …} first.
 * Only float64 (the twin of meanfield's default precision).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DELTA 0.8
#define EPSILON 2e-5

static uint32_t s[4] = {0x9e3779b9u, 0x243f6a88u, 0xb7e15162u, 0x1u};
static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
static inline uint32_t next_u32(void) {
  uint32_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 9;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 11);
  return r;
}
static inline double uniform(void) { return ((next_u32() >> 5) * 67108864.0 + (next_u32() >> 6)) / 9007199254740992.0; }
static int has_spare = 0;
static double spare;
static inline double normal(void) {
  if (has_spare) { has_spare = 0; return spare; }
  double u, v, q;
  do { u = 2 * uniform() - 1; v = 2 * uniform() - 1; q = u * u + v * v; } while (q >= 1 || q == 0);
  double f = sqrt(-2 * log(q) / q);
  spare = v * f; has_spare = 1;
  return u * f;
}

typedef struct { int d, n, b; double *w, *x, *y, *z, *res; double warm_rate; } Case;

static void step(Case *c) {
  const int d = c->d, n = c->n, B = c->b;
  double *w = c->w, *x = c->x, *z = c->z;
  for (int q = 0; q < B; q++) {
    c->y[q] = uniform() < 0.5 ? -1.0 : 1.0;
    const double scale = 1 + c->y[q] * DELTA;
    for (int j = 0; j < d; j++) x[q * d + j] = scale * normal();
  }
  for (int i = 0; i < n; i++) {
    const double *wi = w + (size_t)i * d;
    for (int q = 0; q < B; q++) {
      const double *xq = x + q * d;
      double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int j = 0;
      for (; j + 8 <= d; j += 8)
        for (int u = 0; u < 8; u++) acc[u] += wi[j + u] * xq[j + u];
      double sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
      for (; j < d; j++) sum += wi[j] * xq[j];
      z[i * B + q] = sum;
    }
  }
  for (int q = 0; q < B; q++) c->res[q] = 0;
  for (int i = 0; i < n; i++)
    for (int q = 0; q < B; q++) {
      const double t = z[i * B + q];
      c->res[q] += t <= 0.5 ? -2.5 : t >= 1.5 ? 7.5 : -2.5 + 10 * (t - 0.5);
    }
  for (int q = 0; q < B; q++) c->res[q] = c->y[q] - c->res[q] / n;
  const double g = 2 * EPSILON / B * 10;
  for (int i = 0; i < n; i++) {
    double *wi = w + (size_t)i * d;
    for (int q = 0; q < B; q++) {
      const double t = z[i * B + q];
      if (t > 0.5 && t < 1.5) {
        const double coef = g * c->res[q];
        const double *xq = x + q * d;
        for (int j = 0; j < d; j++) wi[j] += coef * xq[j];
      }
    }
  }
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

#define MAX_CASES 16
int main(void) {
  static Case cases[MAX_CASES];
  int ncases = 0;
  printf("{\"ready\": \"C (gcc %d.%d, -O3 -march=native)\", \"blas\": \"none\"}\n", __GNUC__, __GNUC_MINOR__);
  fflush(stdout);
  int d, n, b;
  double seconds;
  char line[256];
  while (fgets(line, sizeof line, stdin)) {
    if (sscanf(line, "{\"d\":%d,\"N\":%d,\"B\":%d,\"dtype\":\"float64\",\"seconds\":%lf}", &d, &n, &b, &seconds) != 4) {
      printf("{\"error\": \"bad request (float64 only)\"}\n");
      return 2;
    }
    Case *c = NULL;
    for (int k = 0; k < ncases; k++)
      if (cases[k].d == d && cases[k].n == n && cases[k].b == b) c = &cases[k];
    if (!c) {
      if (ncases == MAX_CASES) return 2;
      c = &cases[ncases++];
      c->d = d; c->n = n; c->b = b;
      c->w = malloc(sizeof(double) * (size_t)n * d);
      c->x = malloc(sizeof(double) * (size_t)b * d);
      c->y = malloc(sizeof(double) * b);
      c->z = malloc(sizeof(double) * (size_t)n * b);
      c->res = malloc(sizeof(double) * b);
      for (size_t k = 0; k < (size_t)n * d; k++) c->w[k] = 0.8 / sqrt(d) * normal();
      long steps = 0;
      const double t0 = now();
      while (now() - t0 < 0.3) { for (int k = 0; k < 10; k++) step(c); steps += 10; }
      c->warm_rate = steps / (now() - t0);
    }
    long per = lround(c->warm_rate * seconds);
    if (per < 10) per = 10;
    const double t0 = now();
    for (long k = 0; k < per; k++) step(c);
    printf("{\"stepsPerSecond\": %.9g, \"steps\": %ld}\n", per / (now() - t0), per);
    fflush(stdout);
  }
  return 0;
}
