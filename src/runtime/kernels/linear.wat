;; y = x·Wᵀ (+ b) with W in PyTorch layout [out, in], row-major: every output is the dot
;; product of two contiguous rows, so k runs along both operands and is vectorised four
;; lanes at a time (128-bit SIMD; plain mul + add, no relaxed-SIMD FMA).
;;
;; Exported: linear_nt(x, w, b, y, rows, in, out, o0, o1) computes the columns o0 <= o < o1
;; of y[rows, out] for every row; a thread pool hands each thread its own column range.
;; Pointers are byte offsets into the shared memory; b = 0 means no bias.
;;
;; Register budget: x86-64 has 16 vector registers, V8 keeps one for itself. A tile of 2 x-rows
;; by 4 w-rows holds 8 accumulators, 2 x vectors and one w vector at a time (among the best
;; of 1×4 … 4×3 on V8's code generator, ~27 GFLOP/s on one core; the 3×3 tile it replaced is
;; as fast in place but spills one accumulator); single rows (decoding) stream eight weight
;; rows at once, or one when rows are short.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; The four lane sums of a, b, c, d as one vector [Σa, Σb, Σc, Σd].
  (func $hsum4 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $ab v128) (local $cd v128)
    (local.set $ab (f32x4.add
      (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b))
      (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $cd (f32x4.add
      (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d))
      (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d))))
    ;; ab = [a0+a2, b0+b2, a1+a3, b1+b3], cd likewise.
    (f32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd))))

;; Eight dot products: rows x, x+s against rows w, w+s, w+2s, w+3s over n bytes (a multiple
  ;; of 16). Row i's four results go to y + i*ys as one vector. Each weight vector is loaded
  ;; right before its two uses: written so, V8 keeps the 8 accumulators in registers, where
  ;; tiles written with all their loads up front had accumulators spilled to the stack on
  ;; every iteration (a store-to-load round trip in the accumulation chain).
  (func $dot2x4 (param $x i32) (param $w i32) (param $y i32) (param $s i32) (param $n i32) (param $ys i32)
    (local $x1 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $end i32)
    (local $u0 v128) (local $u1 v128) (local $v v128)
    (local $a00 v128) (local $a01 v128) (local $a02 v128) (local $a03 v128)
    (local $a10 v128) (local $a11 v128) (local $a12 v128) (local $a13 v128)
    (local.set $x1 (i32.add (local.get $x) (local.get $s)))
    (local.set $w1 (i32.add (local.get $w) (local.get $s)))
    (local.set $w2 (i32.add (local.get $w1) (local.get $s)))
    (local.set $w3 (i32.add (local.get $w2) (local.get $s)))
    (local.set $end (i32.add (local.get $x) (local.get $n)))
    (if (local.get $n)
      (then
        (loop $k
          (local.set $u0 (v128.load (local.get $x)))
          (local.set $u1 (v128.load (local.get $x1)))
          (local.set $v (v128.load (local.get $w)))
          (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $u0) (local.get $v))))
          (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $u1) (local.get $v))))
          (local.set $v (v128.load (local.get $w1)))
          (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $u0) (local.get $v))))
          (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $u1) (local.get $v))))
          (local.set $v (v128.load (local.get $w2)))
          (local.set $a02 (f32x4.add (local.get $a02) (f32x4.mul (local.get $u0) (local.get $v))))
          (local.set $a12 (f32x4.add (local.get $a12) (f32x4.mul (local.get $u1) (local.get $v))))
          (local.set $v (v128.load (local.get $w3)))
          (local.set $a03 (f32x4.add (local.get $a03) (f32x4.mul (local.get $u0) (local.get $v))))
          (local.set $a13 (f32x4.add (local.get $a13) (f32x4.mul (local.get $u1) (local.get $v))))
          (local.set $w (i32.add (local.get $w) (i32.const 16)))
          (local.set $w1 (i32.add (local.get $w1) (i32.const 16)))
          (local.set $w2 (i32.add (local.get $w2) (i32.const 16)))
          (local.set $w3 (i32.add (local.get $w3) (i32.const 16)))
          (local.set $x1 (i32.add (local.get $x1) (i32.const 16)))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (br_if $k (i32.lt_u (local.get $x) (local.get $end))))))
    (v128.store (local.get $y) (call $hsum4 (local.get $a00) (local.get $a01) (local.get $a02) (local.get $a03)))
    (v128.store (i32.add (local.get $y) (local.get $ys)) (call $hsum4 (local.get $a10) (local.get $a11) (local.get $a12) (local.get $a13))))

;; Eight dot products: row x against rows w, w+s, …, w+7s over n bytes (a multiple of 16);
  ;; the eight results are stored contiguously at y. Decoding is bound by reading the weights
  ;; once: eight rows streaming at once kept ~30% more reads in flight than four (measured
  ;; 11 vs 8.3 GB/s on one thread), loading each weight vector right before its use.
  (func $dot1x8 (param $x i32) (param $w0 i32) (param $y i32) (param $s i32) (param $n i32)
    (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $w4 i32) (local $w5 i32) (local $w6 i32) (local $w7 i32)
    (local $end i32) (local $u v128) (local $v v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $w1 (i32.add (local.get $w0) (local.get $s)))
    (local.set $w2 (i32.add (local.get $w1) (local.get $s)))
    (local.set $w3 (i32.add (local.get $w2) (local.get $s)))
    (local.set $w4 (i32.add (local.get $w3) (local.get $s)))
    (local.set $w5 (i32.add (local.get $w4) (local.get $s)))
    (local.set $w6 (i32.add (local.get $w5) (local.get $s)))
    (local.set $w7 (i32.add (local.get $w6) (local.get $s)))
    (local.set $end (i32.add (local.get $x) (local.get $n)))
    (if (local.get $n)
      (then
        (loop $k
          (local.set $u (v128.load (local.get $x)))
          (local.set $v (v128.load (local.get $w0)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $u) (local.get $v))))
          (local.set $v (v128.load (local.get $w1)))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $u) (local.get $v))))
          (local.set $v (v128.load (local.get $w2)))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $u) (local.get $v))))
          (local.set $v (v128.load (local.get $w3)))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $u) (local.get $v))))
          (local.set $v (v128.load (local.get $w4)))
          (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $u) (local.get $v))))
          (local.set $v (v128.load (local.get $w5)))
          (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $u) (local.get $v))))
          (local.set $v (v128.load (local.get $w6)))
          (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $u) (local.get $v))))
          (local.set $v (v128.load (local.get $w7)))
          (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $u) (local.get $v))))
          (local.set $w0 (i32.add (local.get $w0) (i32.const 16)))
          (local.set $w1 (i32.add (local.get $w1) (i32.const 16)))
          (local.set $w2 (i32.add (local.get $w2) (i32.const 16)))
          (local.set $w3 (i32.add (local.get $w3) (i32.const 16)))
          (local.set $w4 (i32.add (local.get $w4) (i32.const 16)))
          (local.set $w5 (i32.add (local.get $w5) (i32.const 16)))
          (local.set $w6 (i32.add (local.get $w6) (i32.const 16)))
          (local.set $w7 (i32.add (local.get $w7) (i32.const 16)))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (br_if $k (i32.lt_u (local.get $x) (local.get $end))))))
    (v128.store (local.get $y) (call $hsum4 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)))
    (v128.store offset=16 (local.get $y) (call $hsum4 (local.get $a4) (local.get $a5) (local.get $a6) (local.get $a7))))

  ;; Four dot products: row x against rows w, w+s, w+2s, w+3s over n bytes (a multiple of 16);
  ;; the four results are stored contiguously at y.
  (func $dot1x4 (param $x i32) (param $w i32) (param $y i32) (param $s i32) (param $n i32)
    (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $end i32) (local $u v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $w0 (local.get $w))
    (local.set $w1 (i32.add (local.get $w0) (local.get $s)))
    (local.set $w2 (i32.add (local.get $w1) (local.get $s)))
    (local.set $w3 (i32.add (local.get $w2) (local.get $s)))
    (local.set $end (i32.add (local.get $x) (local.get $n)))
    (if (local.get $n)
      (then
        (loop $k
          (local.set $u (v128.load (local.get $x)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $u) (v128.load (local.get $w0)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $u) (v128.load (local.get $w1)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $u) (v128.load (local.get $w2)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $u) (v128.load (local.get $w3)))))
          (local.set $w0 (i32.add (local.get $w0) (i32.const 16)))
          (local.set $w1 (i32.add (local.get $w1) (i32.const 16)))
          (local.set $w2 (i32.add (local.get $w2) (i32.const 16)))
          (local.set $w3 (i32.add (local.get $w3) (i32.const 16)))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (br_if $k (i32.lt_u (local.get $x) (local.get $end))))))
    (v128.store (local.get $y) (call $hsum4 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3))))

  ;; One dot product of rows x and w over n bytes (a multiple of 16).
  (func $dot1x1 (param $x i32) (param $w i32) (param $n i32) (result f32)
    (local $end i32) (local $a v128)
    (local.set $end (i32.add (local.get $x) (local.get $n)))
    (if (local.get $n)
      (then
        (loop $k
          (local.set $a (f32x4.add (local.get $a) (f32x4.mul (v128.load (local.get $x)) (v128.load (local.get $w)))))
          (local.set $w (i32.add (local.get $w) (i32.const 16)))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (br_if $k (i32.lt_u (local.get $x) (local.get $end))))))
    (call $hsum (local.get $a)))

;; One dot product of rows x and w over n bytes (a multiple of 16), 64 bytes a step into four
  ;; accumulators: for short rows (under 768 floats) a single row at a time is one sequential
  ;; stream through W, which the hardware prefetcher follows better than the eight short
  ;; interleaved streams of $dot1x8 (measured 9.3 vs 6.6 GB/s for 288-float rows).
  (func $dot1seq (param $x i32) (param $w i32) (param $n i32) (result f32)
    (local $end i32) (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local.set $end (i32.add (local.get $x) (local.get $n)))
    (block $done
      (loop $k
        (br_if $done (i32.gt_u (i32.add (local.get $x) (i32.const 64)) (local.get $end)))
        (local.set $a (f32x4.add (local.get $a) (f32x4.mul (v128.load (local.get $x)) (v128.load (local.get $w)))))
        (local.set $b (f32x4.add (local.get $b) (f32x4.mul (v128.load offset=16 (local.get $x)) (v128.load offset=16 (local.get $w)))))
        (local.set $c (f32x4.add (local.get $c) (f32x4.mul (v128.load offset=32 (local.get $x)) (v128.load offset=32 (local.get $w)))))
        (local.set $d (f32x4.add (local.get $d) (f32x4.mul (v128.load offset=48 (local.get $x)) (v128.load offset=48 (local.get $w)))))
        (local.set $w (i32.add (local.get $w) (i32.const 64)))
        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (br $k)))
    (block $done
      (loop $k
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $a (f32x4.add (local.get $a) (f32x4.mul (v128.load (local.get $x)) (v128.load (local.get $w)))))
        (local.set $w (i32.add (local.get $w) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $k)))
    (call $hsum (f32x4.add (f32x4.add (local.get $a) (local.get $b)) (f32x4.add (local.get $c) (local.get $d)))))

  ;; Columns [o0, o1) of one row: short rows one at a time; longer ones eight weight rows at a
  ;; time, then four, then single ones.
  (func $row (param $x i32) (param $w i32) (param $y i32) (param $s i32) (param $n i32) (param $o0 i32) (param $o1 i32)
    (local $o i32)
    (local.set $o (local.get $o0))
    (if (i32.lt_u (local.get $s) (i32.const 3072))
      (then
        (block $done
          (loop $seq
            (br_if $done (i32.ge_u (local.get $o) (local.get $o1)))
            (f32.store
              (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2)))
              (call $dot1seq (local.get $x) (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $s))) (local.get $n)))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (br $seq)))
        (return)))
    (block $done
      (loop $oct
        (br_if $done (i32.gt_u (i32.add (local.get $o) (i32.const 8)) (local.get $o1)))
        (call $dot1x8 (local.get $x)
          (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $s)))
          (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2)))
          (local.get $s) (local.get $n))
        (local.set $o (i32.add (local.get $o) (i32.const 8)))
        (br $oct)))
    (block $done
      (loop $quad
        (br_if $done (i32.gt_u (i32.add (local.get $o) (i32.const 4)) (local.get $o1)))
        (call $dot1x4 (local.get $x)
          (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $s)))
          (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2)))
          (local.get $s) (local.get $n))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $quad)))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $o) (local.get $o1)))
        (f32.store
          (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2)))
          (call $dot1x1 (local.get $x) (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $s))) (local.get $n)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $one))))

  (func (export "linear_nt")
    (param $x i32) (param $w i32) (param $b i32) (param $y i32)
    (param $rows i32) (param $in i32) (param $out i32) (param $o0 i32) (param $o1 i32)
    (local $s i32) (local $n i32) (local $ys i32) (local $r i32) (local $o i32)
    (local $blk i32) (local $b0 i32) (local $b1 i32) (local $oEnd4 i32) (local $k i32) (local $acc f32)
    (local $xr i32) (local $yr i32)
    (if (i32.or (i32.ge_u (local.get $o0) (local.get $o1)) (i32.eqz (local.get $rows))) (then (return)))
    (local.set $s (i32.shl (local.get $in) (i32.const 2)))
    ;; The vectorised part covers in rounded down to a multiple of 4; the rest is added below.
    (local.set $n (i32.shl (i32.and (local.get $in) (i32.const -4)) (i32.const 2)))
    (local.set $ys (i32.shl (local.get $out) (i32.const 2)))
    (local.set $r (i32.const 0))
    (if (i32.ge_u (local.get $rows) (i32.const 2))
      (then
        ;; A block of weight rows (~96 KiB) that stays in L2, next to the x rows streaming
        ;; through, while every pair of x-rows (in L1) passes over it; a multiple of 4 so
        ;; tiles never straddle blocks. (48–96 KiB measured best; 192 KiB slower.)
        (local.set $blk (i32.shl
          (i32.shr_u (i32.div_u (i32.const 98304) (i32.add (local.get $s) (i32.const 1))) (i32.const 2)) (i32.const 2)))
        (if (i32.lt_u (local.get $blk) (i32.const 4)) (then (local.set $blk (i32.const 4))))
        ;; Columns a 4-tile covers; the last (o1 - o0) % 4 go through the single-row path.
        (local.set $oEnd4 (i32.sub (local.get $o1) (i32.and (i32.sub (local.get $o1) (local.get $o0)) (i32.const 3))))
        (local.set $b0 (local.get $o0))
        (block $blocksDone
          (loop $blocks
            (br_if $blocksDone (i32.ge_u (local.get $b0) (local.get $oEnd4)))
            (local.set $b1 (i32.add (local.get $b0) (local.get $blk)))
            (if (i32.gt_u (local.get $b1) (local.get $oEnd4)) (then (local.set $b1 (local.get $oEnd4))))
            (local.set $r (i32.const 0))
            (block $rowsDone
              (loop $rowTiles
                (br_if $rowsDone (i32.gt_u (i32.add (local.get $r) (i32.const 2)) (local.get $rows)))
                (local.set $o (local.get $b0))
                (loop $colTiles
                  (call $dot2x4
                    (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $s)))
                    (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $s)))
                    (i32.add (local.get $y) (i32.add (i32.mul (local.get $r) (local.get $ys)) (i32.shl (local.get $o) (i32.const 2))))
                    (local.get $s) (local.get $n) (local.get $ys))
                  (local.set $o (i32.add (local.get $o) (i32.const 4)))
                  (br_if $colTiles (i32.lt_u (local.get $o) (local.get $b1))))
                (local.set $r (i32.add (local.get $r) (i32.const 2)))
                (br $rowTiles)))
            (local.set $b0 (local.get $b1))
            (br $blocks)))
        ;; Leftover columns of the tiled rows.
        (if (i32.lt_u (local.get $oEnd4) (local.get $o1))
          (then
            (local.set $k (i32.const 0))
            (block $done
              (loop $lr
                (br_if $done (i32.ge_u (local.get $k) (local.get $r)))
                (call $row
                  (i32.add (local.get $x) (i32.mul (local.get $k) (local.get $s)))
                  (local.get $w)
                  (i32.add (local.get $y) (i32.mul (local.get $k) (local.get $ys)))
                  (local.get $s) (local.get $n) (local.get $oEnd4) (local.get $o1))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $lr)))))))
    ;; The row left over by 2-row tiles (every row when rows < 2).
    (block $done
      (loop $rest
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (call $row
          (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $s)))
          (local.get $w)
          (i32.add (local.get $y) (i32.mul (local.get $r) (local.get $ys)))
          (local.get $s) (local.get $n) (local.get $o0) (local.get $o1))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rest)))
    ;; The last in % 4 products of each dot product, then the bias.
    (if (i32.ne (local.get $n) (local.get $s))
      (then
        (local.set $r (i32.const 0))
        (loop $tr
          (local.set $xr (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $s))))
          (local.set $yr (i32.add (local.get $y) (i32.mul (local.get $r) (local.get $ys))))
          (local.set $o (local.get $o0))
          (loop $to
            (local.set $acc (f32.load (i32.add (local.get $yr) (i32.shl (local.get $o) (i32.const 2)))))
            (local.set $k (local.get $n))
            (loop $tk
              (local.set $acc (f32.add (local.get $acc)
                (f32.mul
                  (f32.load (i32.add (local.get $xr) (local.get $k)))
                  (f32.load (i32.add (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $s))) (local.get $k))))))
              (local.set $k (i32.add (local.get $k) (i32.const 4)))
              (br_if $tk (i32.lt_u (local.get $k) (local.get $s))))
            (f32.store (i32.add (local.get $yr) (i32.shl (local.get $o) (i32.const 2))) (local.get $acc))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (br_if $to (i32.lt_u (local.get $o) (local.get $o1))))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br_if $tr (i32.lt_u (local.get $r) (local.get $rows))))))
    (if (local.get $b)
      (then
        (local.set $r (i32.const 0))
        (block $done
          (loop $br
            (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
            (local.set $yr (i32.add (local.get $y) (i32.mul (local.get $r) (local.get $ys))))
            (local.set $o (local.get $o0))
            (loop $bo
              (f32.store (i32.add (local.get $yr) (i32.shl (local.get $o) (i32.const 2)))
                (f32.add
                  (f32.load (i32.add (local.get $yr) (i32.shl (local.get $o) (i32.const 2))))
                  (f32.load (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2))))))
              (local.set $o (i32.add (local.get $o) (i32.const 1)))
              (br_if $bo (i32.lt_u (local.get $o) (local.get $o1))))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $br))))))
)
