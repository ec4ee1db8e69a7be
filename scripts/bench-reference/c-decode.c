// A plain C decoder for the bench models, in the style of llama2.c's run.c (scalar loops
// that gcc vectorises; OpenMP over matrix rows and heads): the same-machine baseline that
// docs/performance.md compares `archc bench` against. Not part of the product or the tests.
//
//   node scripts/bench-reference/flatten.mjs BENCH_DIR/bench-110m /tmp/bench-110m.bin
//   gcc -Ofast -march=native -fopenmp scripts/bench-reference/c-decode.c -o /tmp/c-decode -lm
//   OMP_NUM_THREADS=1 /tmp/c-decode /tmp/bench-110m.bin
//
// The weights are memory-mapped from the file, as llama2.c does. On Linux with a recent
// kernel, ext4 caches the file in large folios and maps much of it with 2 MiB page-table
// entries, which streams ~1.3× faster than the 4 KiB pages of anonymous memory (a wasm
// heap, malloc under transparent_hugepage=madvise). C_DECODE_PAGES=small copies the weights
// into anonymous memory with MADV_NOHUGEPAGE, C_DECODE_PAGES=huge with MADV_HUGEPAGE, to
// measure the decoder at either page size (the field "pages" says which ran).
//
// Protocol of shared/bench/README.md, except that the prompt is fed one token at a time
// (as llama2.c does): prompt of 128 ids, then 128 greedy steps; warm-up round, 3 rounds.
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "anon-pages.h"
#include "c-matvec.h"

typedef struct { int dim, hidden, layers, heads, kv_heads, vocab, seq; } Config;

static const float *emb, *rms_att, *wq, *wk, *wv, *wo, *rms_ffn, *w1, *w2, *w3, *rms_final, *wcls;
static Config c;
static float *x, *xb, *xb2, *hb, *hb2, *q, *att, *logits, *kcache, *vcache;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void rmsnorm(float *o, const float *in, const float *w, int n) {
  float ss = 0;
  for (int i = 0; i < n; i++) ss += in[i] * in[i];
  ss = 1.0f / sqrtf(ss / n + 1e-5f);
  for (int i = 0; i < n; i++) o[i] = w[i] * (ss * in[i]);
}

// Hugging Face RoPE: the two halves of each head rotate together.
static void rope(float *v, int nheads, int hs, int pos) {
  for (int h = 0; h < nheads; h++) {
    float *p = v + h * hs;
    for (int i = 0; i < hs / 2; i++) {
      float f = pos * powf(10000.0f, -2.0f * i / hs), cr = cosf(f), ci = sinf(f);
      float a = p[i], b = p[i + hs / 2];
      p[i] = a * cr - b * ci;
      p[i + hs / 2] = b * cr + a * ci;
    }
  }
}

static void forward(int token, int pos) {
  int d = c.dim, hs = d / c.heads, kvd = c.kv_heads * hs;
  memcpy(x, emb + (size_t)token * d, d * sizeof(float));
  for (int l = 0; l < c.layers; l++) {
    rmsnorm(xb, x, rms_att + l * d, d);
    float *k = kcache + ((size_t)l * c.seq + pos) * kvd, *v = vcache + ((size_t)l * c.seq + pos) * kvd;
    matvec(q, xb, wq + (size_t)l * d * d, d, d);
    matvec(k, xb, wk + (size_t)l * kvd * d, d, kvd);
    matvec(v, xb, wv + (size_t)l * kvd * d, d, kvd);
    rope(q, c.heads, hs, pos);
    rope(k, c.kv_heads, hs, pos);
#pragma omp parallel for
    for (int h = 0; h < c.heads; h++) {
      const float *qh = q + h * hs;
      float *a = att + h * c.seq, mx = -INFINITY, sum = 0;
      int kh = h / (c.heads / c.kv_heads);
      for (int t = 0; t <= pos; t++) {
        const float *kt = kcache + ((size_t)l * c.seq + t) * kvd + kh * hs;
        float s = 0;
        for (int i = 0; i < hs; i++) s += qh[i] * kt[i];
        a[t] = s / sqrtf(hs);
        if (a[t] > mx) mx = a[t];
      }
      for (int t = 0; t <= pos; t++) sum += (a[t] = expf(a[t] - mx));
      float *o = xb + h * hs;
      memset(o, 0, hs * sizeof(float));
      for (int t = 0; t <= pos; t++) {
        const float *vt = vcache + ((size_t)l * c.seq + t) * kvd + kh * hs;
        float p = a[t] / sum;
        for (int i = 0; i < hs; i++) o[i] += p * vt[i];
      }
    }
    matvec(xb2, xb, wo + (size_t)l * d * d, d, d);
    for (int i = 0; i < d; i++) x[i] += xb2[i];
    rmsnorm(xb, x, rms_ffn + l * d, d);
    matvec(hb, xb, w1 + (size_t)l * c.hidden * d, d, c.hidden);
    matvec(hb2, xb, w3 + (size_t)l * c.hidden * d, d, c.hidden);
    for (int i = 0; i < c.hidden; i++) hb[i] = hb[i] / (1.0f + expf(-hb[i])) * hb2[i];
    matvec(xb, hb, w2 + (size_t)l * d * c.hidden, c.hidden, d);
    for (int i = 0; i < d; i++) x[i] += xb[i];
  }
  rmsnorm(x, x, rms_final, d);
  matvec(logits, x, wcls, d, c.vocab);
}

static int argmax(const float *v, int n) {
  int best = 0;
  for (int i = 1; i < n; i++)
    if (v[i] > v[best]) best = i;
  return best;
}

// Returns decode tok/s of one round (prompt fed token by token, then 128 greedy steps).
static double round_(double *prompt_tok_s) {
  double t0 = now();
  // The protocol's prompt; a smaller vocabulary (test checkpoints) takes the ids modulo its size.
  for (int i = 0; i < 128; i++) forward(i == 0 ? 1 % c.vocab : (1 + 7919 * i) % 32000 % c.vocab, i);
  double t1 = now();
  int tok = argmax(logits, c.vocab);
  for (int s = 0; s < 128; s++) {
    forward(tok, 128 + s);
    tok = argmax(logits, c.vocab);
  }
  double t2 = now();
  *prompt_tok_s = 128 / (t1 - t0);
  return 128 / (t2 - t1);
}

int main(int argc, char **argv) {
  if (argc < 2) return fprintf(stderr, "usage: c-decode FLAT.bin\n"), 2;
  int fd = open(argv[1], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st)) return perror(argv[1]), 1;
  const char *base = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (base == MAP_FAILED) return perror(argv[1]), 1;
  const char *where = getenv("C_DECODE_PAGES");
  if (!where || !*where) where = "file";
  if (strcmp(where, "small") == 0 || strcmp(where, "huge") == 0) {
    size_t huge = (size_t)2 << 20, bytes = ((size_t)st.st_size + huge - 1) / huge * huge;
    char *anon = (char *)pages(bytes, where[0] == 'h' ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    if (!anon) return perror("mmap"), 1;
    memcpy(anon, base, st.st_size);
    munmap((void *)base, st.st_size);
    base = anon;
  } else if (strcmp(where, "file") != 0) {
    return fprintf(stderr, "C_DECODE_PAGES must be file, small or huge\n"), 2;
  }
  memcpy(&c, base, sizeof c);
  const float *p = (const float *)(base + sizeof c);
  size_t d = c.dim, L = c.layers, H = c.hidden, kvd = (size_t)c.kv_heads * (c.dim / c.heads);
  emb = p; p += (size_t)c.vocab * d;
  rms_att = p; p += L * d;
  wq = p; p += L * d * d;
  wk = p; p += L * kvd * d;
  wv = p; p += L * kvd * d;
  wo = p; p += L * d * d;
  rms_ffn = p; p += L * d;
  w1 = p; p += L * H * d;
  w2 = p; p += L * d * H;
  w3 = p; p += L * H * d;
  rms_final = p; p += d;
  wcls = p;
  x = calloc(d, 4); xb = calloc(d, 4); xb2 = calloc(d, 4); q = calloc(d, 4);
  hb = calloc(H, 4); hb2 = calloc(H, 4); att = calloc((size_t)c.heads * c.seq, 4); logits = calloc(c.vocab, 4);
  kcache = calloc(L * c.seq * kvd, 4); vcache = calloc(L * c.seq * kvd, 4);
  double pt, r[3], pr[3];
  round_(&pt);  // warm-up (whole round: the weights are mmapped and must be paged in)
  for (int i = 0; i < 3; i++) r[i] = round_(&pr[i]);
  printf("{\"impl\":\"c-decode (llama2.c style)\",\"pages\":\"%s\",\"prompt_one_by_one_tok_s\":[%.2f,%.2f,%.2f],\"decode_tok_s\":[%.2f,%.2f,%.2f]}\n",
         where, pr[0], pr[1], pr[2], r[0], r[1], r[2]);
  return 0;
}
