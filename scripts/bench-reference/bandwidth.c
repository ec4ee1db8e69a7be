// This machine's read bandwidth from DRAM: OMP_NUM_THREADS threads sum a 400 MB float array
// (each thread the part it first touched), 5 timed passes after an untimed one. Decoding
// is bound by it: `archc bench --reference` reports decode speed as a fraction of
// bandwidth / bytes read per token. Measurement tooling only, not part of the product.
//
//   gcc -Ofast -march=native -fopenmp scripts/bench-reference/bandwidth.c -o /tmp/bandwidth
//   OMP_NUM_THREADS=1 /tmp/bandwidth [MB]
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  double mb = argc > 1 ? atof(argv[1]) : 400;
  size_t n = (size_t)(mb * 1e6 / 4);
  n -= n % 64;
  float *a = aligned_alloc(64, n * sizeof(float));
  if (!a) return fprintf(stderr, "out of memory\n"), 1;
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; i++) a[i] = (float)(i & 1023);
  double gbs[5];
  float sink = 0;
  for (int r = 0; r < 6; r++) {
    float s = 0;
    double t0 = now();
#pragma omp parallel for schedule(static) reduction(+ : s)
    for (size_t i = 0; i < n; i++) s += a[i];
    double t1 = now();
    sink += s;
    if (r > 0) gbs[r - 1] = n * sizeof(float) / (t1 - t0) / 1e9;
  }
  printf("{\"impl\":\"bandwidth (sum of %.0f MB)\",\"read_gb_s\":[%.2f,%.2f,%.2f,%.2f,%.2f],\"sink\":%g}\n", n * 4 / 1e6, gbs[0], gbs[1], gbs[2], gbs[3], gbs[4], (double)sink);
  free(a);
  return 0;
}
