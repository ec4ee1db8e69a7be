// The decoding matrix-vector product of c-decode.c alone, timed over a ring of copies of
// one W [rows, cols] (together past the caches, as a decode step's weights are), for
// scripts/bench-reference/matvec.mjs. Measurement tooling only.
//
//   gcc -Ofast -march=native -fopenmp scripts/bench-reference/matvec.c -o /tmp/matvec
//   OMP_NUM_THREADS=1 /tmp/matvec ROWS COLS MB PASSES small|huge
// prints the median GB/s of PASSES timed passes (after one untimed) over MB of weights, the
// weights in anonymous memory with 4 KiB pages (MADV_NOHUGEPAGE, like a wasm heap) or 2 MiB
// pages (MADV_HUGEPAGE).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// c-decode.c's matvec: out[d] = W[d, n] · v[n].
static void matvec(float *out, const float *v, const float *w, int n, int d) {
#pragma omp parallel for
  for (int i = 0; i < d; i++) {
    float s = 0;
    for (int j = 0; j < n; j++) s += w[(size_t)i * n + j] * v[j];
    out[i] = s;
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc < 6) return fprintf(stderr, "usage: matvec ROWS COLS MB PASSES small|huge\n"), 2;
  int rows = atoi(argv[1]), cols = atoi(argv[2]), passes = atoi(argv[4]);
  size_t per = (size_t)rows * cols, copies = (size_t)(atof(argv[3]) * 1e6 / (per * 4));
  if (copies < 1) copies = 1;
  if (passes < 1 || passes > 64) return fprintf(stderr, "PASSES: 1 to 64\n"), 2;
  size_t huge = (size_t)2 << 20, bytes = (per * copies * 4 + huge - 1) / huge * huge;
  float *w = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (w == MAP_FAILED) return perror("mmap"), 1;
  madvise(w, bytes, strcmp(argv[5], "huge") == 0 ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  float *x = malloc(cols * 4), *y = malloc(rows * 4);
  for (size_t i = 0; i < per * copies; i++) w[i] = (float)((i * 2654435761u) & 1023) / 1024.f;
  for (int i = 0; i < cols; i++) x[i] = 1.f / (i + 1);
  double gbs[64];
  float sink = 0;
  for (int p = 0; p <= passes; p++) {
    double t0 = now();
    for (size_t c = 0; c < copies; c++) {
      matvec(y, x, w + per * c, cols, rows);
      sink += y[0];
    }
    if (p) gbs[p - 1] = per * copies * 4 / (now() - t0) / 1e9;
  }
  qsort(gbs, passes, sizeof gbs[0], cmp);
  printf("%.3f %g\n", gbs[passes / 2], (double)sink);
  return 0;
}
