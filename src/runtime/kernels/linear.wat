;; y = x·Wᵀ (+ b) with W in PyTorch layout [out, in], row-major: every output is the dot
;; product of two contiguous rows, so k runs along both operands and is vectorised four
;; lanes at a time (128-bit SIMD; plain mul + add, no relaxed-SIMD FMA).
;;
;; Exported: linear_nt(x, w, b, y, rows, in, out, o0, o1) computes the columns o0 <= o < o1
;; of y[rows, out] for every row; a thread pool hands each thread its own column range.
;; linear_nt_bf16 is the same with W stored as bfloat16 (2 bytes a weight, widened in
;; registers). Pointers are byte offsets into the shared memory; b = 0 means no bias.
;; The code is in linear-tiles.wat.part, one template for both weight storages.
;;
;; Register budget: x86-64 has 16 vector registers, V8 keeps one for itself. A tile of 2 x-rows
;; by 4 w-rows holds 8 accumulators, 2 x vectors and one w vector at a time (among the best
;; of 1×4 … 4×3 on V8's code generator, ~27 GFLOP/s on one core; the 3×3 tile it replaced is
;; as fast in place but spills one accumulator); a single row (decoding) streams four runs
;; of weight rows side by side, 4 KiB-page multiples apart (see $row in the part).
(module
  (import "env" "memory" (memory 1 65536 shared))

  (;include hsum.wat.part;)
  (;include linear-tiles.wat.part f32;)
  (;include linear-tiles.wat.part bf16;)
)
