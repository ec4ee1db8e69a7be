// Anonymous memory with a page-size advice (MADV_HUGEPAGE: 2 MiB pages under
// transparent_hugepage=madvise; MADV_NOHUGEPAGE: 4 KiB pages, what a wasm heap gets), for the
// probes that compare the two (bandwidth.c, page-streams.c). Included, not linked: each probe
// is one gcc command.
#include <stddef.h>
#include <sys/mman.h>

static float *pages(size_t bytes, int advice) {
  float *a = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (a == MAP_FAILED) return NULL;
  madvise(a, bytes, advice);
  return a;
}
