// How fast can code read memory on 4 KiB pages? The bound a WebAssembly kernel works
// against: its heap is anonymous memory that V8 maps with 4 KiB pages (Node cannot ask for
// huge pages under transparent_hugepage=madvise), where the C decoder's file-mapped weights
// mostly get 2 MiB pages. Measurement tooling, not a test.
//
// Sums a 400 MB float array on 4 KiB pages (MADV_NOHUGEPAGE) as 1, 2, 4 or 8 streams side by
// side (the array cut into that many equal runs, a multiple of 4 KiB apart, so the streams
// cross their pages together, as archc's decoding kernel does), each way:
//   none       plain 256-bit loads;
//   prefetch   plus one software prefetch per stream and page, 1 or 2 pages ahead (x86
//              prefetcht0: WebAssembly has no prefetch instruction);
//   load       plus one ordinary load per stream and page, 1, 2 or 4 pages ahead (what a wasm
//              kernel could do instead: a load has to complete before it retires).
// Each pass on 4 KiB pages is timed between two passes of one stream over the same data on
// 2 MiB pages (MADV_HUGEPAGE): the rate a C decoder on huge pages streams at. Times are the
// process's CPU time, so other processes' time slices do not count (their memory traffic
// still does: on a shared machine only the ratios mean anything).
//
//   gcc -O3 -march=native scripts/bench-reference/page-streams.c -o /tmp/page-streams
//   /tmp/page-streams [ROUNDS]
// prints, per way: the median GB/s on 4 KiB pages and the median of its ratios to 2 MiB pages.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "anon-pages.h"

enum { NONE, PREFETCH, LOAD };

static double cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// One timed pass: GB/s of summing n floats of a as `streams` runs, with `ahead` bytes of
// prefetch or load per page (way). The sums go to *sink so nothing is optimised away.
static double pass(const float *a, size_t n, int streams, int way, size_t ahead, float *sink) {
  size_t run = n / streams / 1024 * 1024, skip = ahead / 4;
  const float *p[8];
  __m256 acc[8];
  float touched = 0;
  for (int s = 0; s < streams; s++) p[s] = a + s * run, acc[s] = _mm256_setzero_ps();
  double t0 = cpu();
  for (size_t page = 0; page < run; page += 1024) {
    if (way == PREFETCH)
      for (int s = 0; s < streams; s++) _mm_prefetch((const char *)(p[s] + page + skip), _MM_HINT_T0);
    if (way == LOAD)
      for (int s = 0; s < streams; s++) touched += p[s][page + skip];
    for (size_t i = page; i < page + 1024; i += 16)
      for (int s = 0; s < streams; s++)
        acc[s] = _mm256_add_ps(acc[s], _mm256_add_ps(_mm256_loadu_ps(p[s] + i), _mm256_loadu_ps(p[s] + i + 8)));
  }
  double t = cpu() - t0;
  float lanes[8], total = touched;
  for (int s = 0; s < streams; s++) {
    _mm256_storeu_ps(lanes, acc[s]);
    for (int j = 0; j < 8; j++) total += lanes[j];
  }
  *sink += total;
  return run * streams * 4 / t / 1e9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 5;
  if (rounds < 1 || rounds > 64) return fprintf(stderr, "ROUNDS: 1 to 64\n"), 2;
  // 400 MB in whole 2 MiB pages, plus room for the farthest look-ahead past the end.
  size_t n = (size_t)400e6 / 4 / (1 << 19) * (1 << 19), slack = 4 << 20;
  float *small = pages(n * 4 + slack, MADV_NOHUGEPAGE), *big = pages(n * 4 + slack, MADV_HUGEPAGE);
  if (!small || !big) return fprintf(stderr, "out of memory\n"), 1;
  for (size_t i = 0; i < n + slack / 4; i++) small[i] = big[i] = (float)(i & 1023);
  static const struct { int way; size_t ahead; const char *name; } ways[] = {
    {NONE, 0, "none"}, {PREFETCH, 4096, "prefetch 1 page ahead"}, {PREFETCH, 8192, "prefetch 2 pages ahead"},
    {LOAD, 4096, "load 1 page ahead"}, {LOAD, 8192, "load 2 pages ahead"}, {LOAD, 16384, "load 4 pages ahead"},
  };
  static const int counts[] = {1, 2, 4, 8};
  float sink = 0;
  printf("streams  way                      4 KiB pages GB/s   ÷ 1 stream on 2 MiB pages\n");
  for (int c = 0; c < 4; c++)
    for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
      double gb[64], ratio[64];
      for (int r = 0; r < rounds; r++) {
        double before = pass(big, n, 1, NONE, 0, &sink);
        gb[r] = pass(small, n, counts[c], ways[w].way, ways[w].ahead, &sink);
        ratio[r] = gb[r] / ((before + pass(big, n, 1, NONE, 0, &sink)) / 2);
      }
      qsort(gb, rounds, sizeof gb[0], cmp);
      qsort(ratio, rounds, sizeof ratio[0], cmp);
      printf("%7d  %-24s %16.1f   %.2f\n", counts[c], ways[w].name, gb[rounds / 2], ratio[rounds / 2]);
      fflush(stdout);
    }
  fprintf(stderr, "(sink %g)\n", (double)sink);
  return 0;
}
