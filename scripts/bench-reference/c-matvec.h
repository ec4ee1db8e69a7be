// The C reference's matrix-vector product, out[d] = W[d, n] · v[n] (llama2.c's loop:
// gcc -Ofast -march=native vectorises it with AVX2 FMA, OpenMP splits the rows). One copy
// for c-decode.c and the matvec.c micro-benchmark, which times this very loop.

static void matvec(float *out, const float *v, const float *w, int n, int d) {
#pragma omp parallel for
  for (int i = 0; i < d; i++) {
    float s = 0;
    for (int j = 0; j < n; j++) s += w[(size_t)i * n + j] * v[j];
    out[i] = s;
  }
}
