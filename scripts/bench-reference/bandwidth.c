// This machine's read bandwidth from DRAM: OMP_NUM_THREADS threads sum a 400 MB float array
// (each thread the part it first touched), 5 timed passes after an untimed one, once with
// the array on 2 MiB pages and once on 4 KiB pages, passes alternating. Decoding is bound
// by it: `archc bench --reference` reports decode speed as a fraction of bandwidth / bytes
// read per token. Measurement tooling only, not part of the product.
//
// 2 MiB pages (MADV_HUGEPAGE) give the machine's read bound: the prefetchers run on across
// 4 KiB boundaries and the TLB covers the stream; the C decoder gets most of them for free
// (its memory-mapped weights sit in the file cache's large folios). 4 KiB pages
// (MADV_NOHUGEPAGE) are what a WebAssembly heap gets under transparent_hugepage=madvise:
// Node cannot ask for anything else. The sum keeps 64 floats of partial sums (eight 256-bit
// registers) so that add latency never limits it; an earlier version with one running sum
// measured the 4 KiB-page figure and read 18 GB/s where the decoder streamed 27.6.
//
//   gcc -Ofast -march=native -fopenmp scripts/bench-reference/bandwidth.c -o /tmp/bandwidth
//   OMP_NUM_THREADS=1 /tmp/bandwidth [MB]
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "anon-pages.h"

#define LANES 64

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// One timed pass: GB/s of summing a[0, n); the sum goes to *sink so nothing is optimised away.
static double pass(const float *a, size_t n, float *sink) {
  float total = 0;
  double t0 = now();
#pragma omp parallel reduction(+ : total)
  {
    float acc[LANES] = {0};
#pragma omp for schedule(static)
    for (size_t i = 0; i < n; i += LANES)
      for (int j = 0; j < LANES; j++) acc[j] += a[i + j];
    for (int j = 0; j < LANES; j++) total += acc[j];
  }
  double t = now() - t0;
  *sink += total;
  return n * sizeof(float) / t / 1e9;
}

int main(int argc, char **argv) {
  double mb = argc > 1 ? atof(argv[1]) : 400;
  size_t huge = (size_t)2 << 20, n = (size_t)(mb * 1e6 / 4);
  n -= n % (huge / 4);
  if (n == 0) n = huge / 4;
  float *big = pages(n * 4, MADV_HUGEPAGE), *small = pages(n * 4, MADV_NOHUGEPAGE);
  if (!big || !small) return fprintf(stderr, "out of memory\n"), 1;
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; i++) big[i] = small[i] = (float)(i & 1023);
  double gb[5], gs[5];
  float sink = 0;
  for (int r = 0; r < 6; r++) {
    double h = pass(big, n, &sink), s = pass(small, n, &sink);
    if (r > 0) gb[r - 1] = h, gs[r - 1] = s;
  }
  printf("{\"impl\":\"bandwidth (sum of %.0f MB)\",\"read_gb_s\":[%.2f,%.2f,%.2f,%.2f,%.2f],"
         "\"read_gb_s_4k_pages\":[%.2f,%.2f,%.2f,%.2f,%.2f],\"sink\":%g}\n",
         n * 4 / 1e6, gb[0], gb[1], gb[2], gb[3], gb[4], gs[0], gs[1], gs[2], gs[3], gs[4], (double)sink);
  return 0;
}
