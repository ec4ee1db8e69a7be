;; y = a·b (+ bias) for row-major a [m, k] and b [k, n]: the [in, out] weight layout
;; (GPT-2 Conv1D) and the `@` operator. Rows of b are contiguous along n, so the kernel
;; broadcasts one element of a and multiplies it into four columns at a time.
;;
;; Exported: matmul_nn(a, b, bias, y, m, k, n, j0, j1) computes the columns j0 <= j < j1 of
;; y[m, n]; a thread pool hands each thread its own column range. Pointers are byte
;; offsets into the shared memory; bias = 0 means none.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; y[4 rows, 8 columns] = a[4 rows (stride as bytes), k] · b[k (stride bs bytes), 8 columns];
  ;; y rows are bs bytes apart. 8 accumulators + 2 b vectors + 1 broadcast fit in registers.
  (func $mm4x8 (param $a i32) (param $b i32) (param $y i32) (param $k i32) (param $as i32) (param $bs i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $end i32)
    (local $u v128) (local $v0 v128) (local $v1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $a0 (local.get $a))
    (local.set $a1 (i32.add (local.get $a0) (local.get $as)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $as)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $as)))
    (local.set $end (i32.add (local.get $a0) (i32.shl (local.get $k) (i32.const 2))))
    (if (local.get $k)
      (then
        (loop $kl
          (local.set $v0 (v128.load offset=0 (local.get $b)))
          (local.set $v1 (v128.load offset=16 (local.get $b)))
          (local.set $u (v128.load32_splat (local.get $a0)))
          (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $u) (local.get $v0))))
          (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $u) (local.get $v1))))
          (local.set $u (v128.load32_splat (local.get $a1)))
          (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $u) (local.get $v0))))
          (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $u) (local.get $v1))))
          (local.set $u (v128.load32_splat (local.get $a2)))
          (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $u) (local.get $v0))))
          (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $u) (local.get $v1))))
          (local.set $u (v128.load32_splat (local.get $a3)))
          (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $u) (local.get $v0))))
          (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $u) (local.get $v1))))
          (local.set $b (i32.add (local.get $b) (local.get $bs)))
          (local.set $a0 (i32.add (local.get $a0) (i32.const 4)))
          (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
          (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
          (local.set $a3 (i32.add (local.get $a3) (i32.const 4)))
          (br_if $kl (i32.lt_u (local.get $a0) (local.get $end))))))
    (v128.store offset=0 (local.get $y) (local.get $c00))
    (v128.store offset=16 (local.get $y) (local.get $c01))
    (local.set $y (i32.add (local.get $y) (local.get $bs)))
    (v128.store offset=0 (local.get $y) (local.get $c10))
    (v128.store offset=16 (local.get $y) (local.get $c11))
    (local.set $y (i32.add (local.get $y) (local.get $bs)))
    (v128.store offset=0 (local.get $y) (local.get $c20))
    (v128.store offset=16 (local.get $y) (local.get $c21))
    (local.set $y (i32.add (local.get $y) (local.get $bs)))
    (v128.store offset=0 (local.get $y) (local.get $c30))
    (v128.store offset=16 (local.get $y) (local.get $c31)))

  ;; y[c0..c1) = a_row · b[:, c0..c1) for one row, accumulated in y: every step of k streams
  ;; one contiguous stretch of a row of b, so a single row (decoding) reads b sequentially.
  ;; Columns go in chunks of 1024 so the accumulated stretch of y stays in L1.
  (func $row (param $a i32) (param $b i32) (param $y i32) (param $k i32) (param $bs i32) (param $j0 i32) (param $j1 i32)
    (local $c0 i32) (local $c1 i32) (local $v1 i32) (local $kk i32) (local $j i32)
    (local $s0 v128) (local $s1 v128) (local $p0 i32) (local $p1 i32) (local $f0 f32) (local $f1 f32) (local $yj i32)
    (local.set $c0 (local.get $j0))
    (block $chunksDone
      (loop $chunks
        (br_if $chunksDone (i32.ge_u (local.get $c0) (local.get $j1)))
        (local.set $c1 (i32.add (local.get $c0) (i32.const 1024)))
        (if (i32.gt_u (local.get $c1) (local.get $j1)) (then (local.set $c1 (local.get $j1))))
        ;; Columns [c0, v1) go four at a time, [v1, c1) one at a time.
        (local.set $v1 (i32.sub (local.get $c1) (i32.and (i32.sub (local.get $c1) (local.get $c0)) (i32.const 3))))
        (memory.fill
          (i32.add (local.get $y) (i32.shl (local.get $c0) (i32.const 2)))
          (i32.const 0)
          (i32.shl (i32.sub (local.get $c1) (local.get $c0)) (i32.const 2)))
        (local.set $kk (i32.const 0))
        ;; Two steps of k per pass over y halve its loads and stores.
        (block $pairsDone
          (loop $pairs
            (br_if $pairsDone (i32.gt_u (i32.add (local.get $kk) (i32.const 2)) (local.get $k)))
            (local.set $f0 (f32.load (i32.add (local.get $a) (i32.shl (local.get $kk) (i32.const 2)))))
            (local.set $f1 (f32.load offset=4 (i32.add (local.get $a) (i32.shl (local.get $kk) (i32.const 2)))))
            (local.set $s0 (f32x4.splat (local.get $f0)))
            (local.set $s1 (f32x4.splat (local.get $f1)))
            (local.set $p0 (i32.add (local.get $b) (i32.mul (local.get $kk) (local.get $bs))))
            (local.set $p1 (i32.add (local.get $p0) (local.get $bs)))
            (local.set $j (local.get $c0))
            (block $vd
              (loop $vl
                (br_if $vd (i32.ge_u (local.get $j) (local.get $v1)))
                (local.set $yj (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 2))))
                (v128.store (local.get $yj)
                  (f32x4.add
                    (f32x4.add (v128.load (local.get $yj))
                      (f32x4.mul (local.get $s0) (v128.load (i32.add (local.get $p0) (i32.shl (local.get $j) (i32.const 2))))))
                    (f32x4.mul (local.get $s1) (v128.load (i32.add (local.get $p1) (i32.shl (local.get $j) (i32.const 2)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $vl)))
            (block $sd
              (loop $sl
                (br_if $sd (i32.ge_u (local.get $j) (local.get $c1)))
                (local.set $yj (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 2))))
                (f32.store (local.get $yj)
                  (f32.add
                    (f32.add (f32.load (local.get $yj))
                      (f32.mul (local.get $f0) (f32.load (i32.add (local.get $p0) (i32.shl (local.get $j) (i32.const 2))))))
                    (f32.mul (local.get $f1) (f32.load (i32.add (local.get $p1) (i32.shl (local.get $j) (i32.const 2)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $sl)))
            (local.set $kk (i32.add (local.get $kk) (i32.const 2)))
            (br $pairs)))
        ;; An odd k leaves one last step.
        (if (i32.lt_u (local.get $kk) (local.get $k))
          (then
            (local.set $f0 (f32.load (i32.add (local.get $a) (i32.shl (local.get $kk) (i32.const 2)))))
            (local.set $s0 (f32x4.splat (local.get $f0)))
            (local.set $p0 (i32.add (local.get $b) (i32.mul (local.get $kk) (local.get $bs))))
            (local.set $j (local.get $c0))
            (block $vd
              (loop $vl
                (br_if $vd (i32.ge_u (local.get $j) (local.get $v1)))
                (local.set $yj (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 2))))
                (v128.store (local.get $yj)
                  (f32x4.add (v128.load (local.get $yj))
                    (f32x4.mul (local.get $s0) (v128.load (i32.add (local.get $p0) (i32.shl (local.get $j) (i32.const 2)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $vl)))
            (block $sd
              (loop $sl
                (br_if $sd (i32.ge_u (local.get $j) (local.get $c1)))
                (local.set $yj (i32.add (local.get $y) (i32.shl (local.get $j) (i32.const 2))))
                (f32.store (local.get $yj)
                  (f32.add (f32.load (local.get $yj))
                    (f32.mul (local.get $f0) (f32.load (i32.add (local.get $p0) (i32.shl (local.get $j) (i32.const 2)))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $sl)))))
        (local.set $c0 (local.get $c1))
        (br $chunks))))

  (func (export "matmul_nn")
    (param $a i32) (param $b i32) (param $bias i32) (param $y i32)
    (param $m i32) (param $k i32) (param $n i32) (param $j0 i32) (param $j1 i32)
    (local $as i32) (local $bs i32) (local $i i32) (local $j i32) (local $j8 i32) (local $m4 i32) (local $yr i32)
    (if (i32.or (i32.ge_u (local.get $j0) (local.get $j1)) (i32.eqz (local.get $m))) (then (return)))
    (local.set $as (i32.shl (local.get $k) (i32.const 2)))
    (local.set $bs (i32.shl (local.get $n) (i32.const 2)))
    (local.set $m4 (i32.and (local.get $m) (i32.const -4)))
    ;; Columns [j0, j8) in 8-wide tiles; the rest, and rows past m4, through $row.
    (local.set $j8 (i32.sub (local.get $j1) (i32.and (i32.sub (local.get $j1) (local.get $j0)) (i32.const 7))))
    (if (i32.and (i32.ne (local.get $m4) (i32.const 0)) (i32.lt_u (local.get $j0) (local.get $j8)))
      (then
        ;; Tile columns outer, rows inner: the k×8 strip of b stays in cache for every row.
        (local.set $j (local.get $j0))
        (loop $cols
          (local.set $i (i32.const 0))
          (loop $rows
            (call $mm4x8
              (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $as)))
              (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
              (i32.add (local.get $y) (i32.add (i32.mul (local.get $i) (local.get $bs)) (i32.shl (local.get $j) (i32.const 2))))
              (local.get $k) (local.get $as) (local.get $bs))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br_if $rows (i32.lt_u (local.get $i) (local.get $m4))))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br_if $cols (i32.lt_u (local.get $j) (local.get $j8))))
        (if (i32.lt_u (local.get $j8) (local.get $j1))
          (then
            (local.set $i (i32.const 0))
            (loop $rest
              (call $row
                (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $as)))
                (local.get $b)
                (i32.add (local.get $y) (i32.mul (local.get $i) (local.get $bs)))
                (local.get $k) (local.get $bs) (local.get $j8) (local.get $j1))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $rest (i32.lt_u (local.get $i) (local.get $m4))))))
        (local.set $i (local.get $m4)))
      (else (local.set $i (i32.const 0))))
    (block $done
      (loop $single
        (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
        (call $row
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $as)))
          (local.get $b)
          (i32.add (local.get $y) (i32.mul (local.get $i) (local.get $bs)))
          (local.get $k) (local.get $bs) (local.get $j0) (local.get $j1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $single)))
    (if (local.get $bias)
      (then
        (local.set $i (i32.const 0))
        (loop $br
          (local.set $yr (i32.add (local.get $y) (i32.mul (local.get $i) (local.get $bs))))
          (local.set $j (local.get $j0))
          (loop $bc
            (f32.store (i32.add (local.get $yr) (i32.shl (local.get $j) (i32.const 2)))
              (f32.add
                (f32.load (i32.add (local.get $yr) (i32.shl (local.get $j) (i32.const 2))))
                (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br_if $bc (i32.lt_u (local.get $j) (local.get $j1))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $br (i32.lt_u (local.get $i) (local.get $m)))))))
)
