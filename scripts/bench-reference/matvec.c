// The decoding matrix-vector product of c-decode.c alone, for
// scripts/bench-reference/matvec.mjs. Measurement tooling only.
//
//   gcc -Ofast -march=native -fopenmp scripts/bench-reference/matvec.c -o /tmp/matvec
//   OMP_NUM_THREADS=1 /tmp/matvec ROWS COLS MB PASSES small|huge
//   OMP_NUM_THREADS=1 /tmp/matvec step 0 0 PASSES small|huge
// times passes over a ring of copies of one W [ROWS, COLS] totalling MB (together past the
// caches, as a decode step's weights are), or, with `step`, over the matrices one decode step
// of bench-110m reads, in the order it reads them (12 layers of q, k, v, o 768×768, gate, up
// 2048×768, down 768×2048, then the 32000×768 classifier: 438 MB). Prints the median GB/s of
// PASSES timed passes (after one untimed), timed in the process's CPU time (a shared machine
// takes time slices away; it cannot be helped that it also takes memory bandwidth), with the
// weights in anonymous memory on 4 KiB pages (MADV_NOHUGEPAGE, like a wasm heap) or 2 MiB
// pages (MADV_HUGEPAGE).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// c-decode.c's matvec, the very same loop.
#include "c-matvec.h"

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

enum { MAX_MATS = 4096 };

int main(int argc, char **argv) {
  if (argc < 6) return fprintf(stderr, "usage: matvec ROWS COLS MB PASSES small|huge, or matvec step 0 0 PASSES small|huge\n"), 2;
  static int rows[MAX_MATS], cols[MAX_MATS];
  int mats = 0, passes = atoi(argv[4]);
  if (passes < 1 || passes > 64) return fprintf(stderr, "PASSES: 1 to 64\n"), 2;
  if (strcmp(argv[1], "step") == 0) {
    static const int layerRows[] = {768, 768, 768, 768, 2048, 2048, 768}, layerCols[] = {768, 768, 768, 768, 768, 768, 2048};
    for (int l = 0; l < 12; l++)
      for (int m = 0; m < 7; m++) rows[mats] = layerRows[m], cols[mats++] = layerCols[m];
    rows[mats] = 32000, cols[mats++] = 768;
  } else {
    int r = atoi(argv[1]), c = atoi(argv[2]);
    size_t copies = (size_t)(atof(argv[3]) * 1e6 / ((size_t)r * c * 4));
    if (copies < 1) copies = 1;
    if (copies > MAX_MATS) copies = MAX_MATS;
    for (size_t i = 0; i < copies; i++) rows[mats] = r, cols[mats++] = c;
  }
  size_t floats = 0;
  int maxRows = 0, maxCols = 0;
  for (int m = 0; m < mats; m++) {
    floats += (size_t)rows[m] * cols[m];
    if (rows[m] > maxRows) maxRows = rows[m];
    if (cols[m] > maxCols) maxCols = cols[m];
  }
  size_t huge = (size_t)2 << 20, bytes = (floats * 4 + huge - 1) / huge * huge;
  float *w = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (w == MAP_FAILED) return perror("mmap"), 1;
  madvise(w, bytes, strcmp(argv[5], "huge") == 0 ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  float *x = malloc(maxCols * 4), *y = malloc(maxRows * 4);
  for (size_t i = 0; i < floats; i++) w[i] = (float)((i * 2654435761u) & 1023) / 1024.f;
  for (int i = 0; i < maxCols; i++) x[i] = 1.f / (i + 1);
  double gbs[64];
  float sink = 0;
  for (int p = 0; p <= passes; p++) {
    double t0 = cpu();
    const float *wm = w;
    for (int m = 0; m < mats; m++) {
      matvec(y, x, wm, cols[m], rows[m]);
      wm += (size_t)rows[m] * cols[m];
      sink += y[0];
    }
    if (p) gbs[p - 1] = floats * 4 / (cpu() - t0) / 1e9;
  }
  qsort(gbs, passes, sizeof gbs[0], cmp);
  printf("%.3f %g\n", gbs[passes / 2], (double)sink);
  return 0;
}
