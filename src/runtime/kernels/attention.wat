;; Scaled dot-product attention for one (batch, head): for every query row, the scores
;; against its visible keys (causal and sliding-window masks leave one contiguous range),
;; a softmax, and the probability-weighted sum of value rows, fused so that scores never
;; leave a scratch row. 128-bit SIMD along the head dimension (a multiple of 4).
;;
;; Exported: attend(q, k, v, out, scratch, t, d, dv, s, scale, qOff, window, causal)
;;   q [t, d] and out [t, dv] contiguous; key and value rows j < s at k + j·d·4 and
;;   v + j·dv·4 (a KV-cache buffer); scratch holds s + 4 floats. window = 0: none.
;;   A query whose visible range is empty gets the mean of all s value rows, as a softmax
;;   over scores that are all the float32 minimum does in PyTorch.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func $hsum4 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $ab v128) (local $cd v128)
    (local.set $ab (f32x4.add
      (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b))
      (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $cd (f32x4.add
      (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d))
      (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d))))
    (f32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd))))

  (;include exp4.wat.part;)

  ;; p[0..16) = e^(p[i] − m) for the 16 floats at p (m in every lane of mv), returned summed
  ;; lane-wise: $exp4 written out for four vectors side by side, whose four independent
  ;; dependency chains the core overlaps (one call at a time is one long chain).
  (func $exp16 (param $p i32) (param $mv v128) (result v128)
    (local $r0 v128) (local $n0 v128) (local $e0 v128) (local $r1 v128) (local $n1 v128) (local $e1 v128) (local $r2 v128) (local $n2 v128) (local $e2 v128) (local $r3 v128) (local $n3 v128) (local $e3 v128)
    (local.set $r0 (f32x4.max (f32x4.sub (v128.load offset=0 (local.get $p)) (local.get $mv)) (f32x4.splat (f32.const -87.3))))
    (local.set $n0 (f32x4.nearest (f32x4.mul (local.get $r0) (f32x4.splat (f32.const 1.44269504)))))
    (local.set $r0 (f32x4.sub (local.get $r0) (f32x4.mul (local.get $n0) (f32x4.splat (f32.const 0.693145752)))))
    (local.set $r0 (f32x4.sub (local.get $r0) (f32x4.mul (local.get $n0) (f32x4.splat (f32.const 1.42860677e-06)))))
    (local.set $e0 (f32x4.add (f32x4.splat (f32.const 0.00138888889)) (f32x4.mul (local.get $r0) (f32x4.splat (f32.const 0.000198412698)))))
    (local.set $e0 (f32x4.add (f32x4.splat (f32.const 0.00833333333)) (f32x4.mul (local.get $r0) (local.get $e0))))
    (local.set $e0 (f32x4.add (f32x4.splat (f32.const 0.0416666667)) (f32x4.mul (local.get $r0) (local.get $e0))))
    (local.set $e0 (f32x4.add (f32x4.splat (f32.const 0.166666667)) (f32x4.mul (local.get $r0) (local.get $e0))))
    (local.set $e0 (f32x4.add (f32x4.splat (f32.const 0.5)) (f32x4.mul (local.get $r0) (local.get $e0))))
    (local.set $e0 (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r0) (local.get $e0))))
    (local.set $e0 (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r0) (local.get $e0))))
    (local.set $e0 (f32x4.mul (local.get $e0)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n0)) (i32x4.splat (i32.const 127))) (i32.const 23))))
    (v128.store offset=0 (local.get $p) (local.get $e0))
    (local.set $r1 (f32x4.max (f32x4.sub (v128.load offset=16 (local.get $p)) (local.get $mv)) (f32x4.splat (f32.const -87.3))))
    (local.set $n1 (f32x4.nearest (f32x4.mul (local.get $r1) (f32x4.splat (f32.const 1.44269504)))))
    (local.set $r1 (f32x4.sub (local.get $r1) (f32x4.mul (local.get $n1) (f32x4.splat (f32.const 0.693145752)))))
    (local.set $r1 (f32x4.sub (local.get $r1) (f32x4.mul (local.get $n1) (f32x4.splat (f32.const 1.42860677e-06)))))
    (local.set $e1 (f32x4.add (f32x4.splat (f32.const 0.00138888889)) (f32x4.mul (local.get $r1) (f32x4.splat (f32.const 0.000198412698)))))
    (local.set $e1 (f32x4.add (f32x4.splat (f32.const 0.00833333333)) (f32x4.mul (local.get $r1) (local.get $e1))))
    (local.set $e1 (f32x4.add (f32x4.splat (f32.const 0.0416666667)) (f32x4.mul (local.get $r1) (local.get $e1))))
    (local.set $e1 (f32x4.add (f32x4.splat (f32.const 0.166666667)) (f32x4.mul (local.get $r1) (local.get $e1))))
    (local.set $e1 (f32x4.add (f32x4.splat (f32.const 0.5)) (f32x4.mul (local.get $r1) (local.get $e1))))
    (local.set $e1 (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r1) (local.get $e1))))
    (local.set $e1 (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r1) (local.get $e1))))
    (local.set $e1 (f32x4.mul (local.get $e1)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n1)) (i32x4.splat (i32.const 127))) (i32.const 23))))
    (v128.store offset=16 (local.get $p) (local.get $e1))
    (local.set $r2 (f32x4.max (f32x4.sub (v128.load offset=32 (local.get $p)) (local.get $mv)) (f32x4.splat (f32.const -87.3))))
    (local.set $n2 (f32x4.nearest (f32x4.mul (local.get $r2) (f32x4.splat (f32.const 1.44269504)))))
    (local.set $r2 (f32x4.sub (local.get $r2) (f32x4.mul (local.get $n2) (f32x4.splat (f32.const 0.693145752)))))
    (local.set $r2 (f32x4.sub (local.get $r2) (f32x4.mul (local.get $n2) (f32x4.splat (f32.const 1.42860677e-06)))))
    (local.set $e2 (f32x4.add (f32x4.splat (f32.const 0.00138888889)) (f32x4.mul (local.get $r2) (f32x4.splat (f32.const 0.000198412698)))))
    (local.set $e2 (f32x4.add (f32x4.splat (f32.const 0.00833333333)) (f32x4.mul (local.get $r2) (local.get $e2))))
    (local.set $e2 (f32x4.add (f32x4.splat (f32.const 0.0416666667)) (f32x4.mul (local.get $r2) (local.get $e2))))
    (local.set $e2 (f32x4.add (f32x4.splat (f32.const 0.166666667)) (f32x4.mul (local.get $r2) (local.get $e2))))
    (local.set $e2 (f32x4.add (f32x4.splat (f32.const 0.5)) (f32x4.mul (local.get $r2) (local.get $e2))))
    (local.set $e2 (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r2) (local.get $e2))))
    (local.set $e2 (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r2) (local.get $e2))))
    (local.set $e2 (f32x4.mul (local.get $e2)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n2)) (i32x4.splat (i32.const 127))) (i32.const 23))))
    (v128.store offset=32 (local.get $p) (local.get $e2))
    (local.set $r3 (f32x4.max (f32x4.sub (v128.load offset=48 (local.get $p)) (local.get $mv)) (f32x4.splat (f32.const -87.3))))
    (local.set $n3 (f32x4.nearest (f32x4.mul (local.get $r3) (f32x4.splat (f32.const 1.44269504)))))
    (local.set $r3 (f32x4.sub (local.get $r3) (f32x4.mul (local.get $n3) (f32x4.splat (f32.const 0.693145752)))))
    (local.set $r3 (f32x4.sub (local.get $r3) (f32x4.mul (local.get $n3) (f32x4.splat (f32.const 1.42860677e-06)))))
    (local.set $e3 (f32x4.add (f32x4.splat (f32.const 0.00138888889)) (f32x4.mul (local.get $r3) (f32x4.splat (f32.const 0.000198412698)))))
    (local.set $e3 (f32x4.add (f32x4.splat (f32.const 0.00833333333)) (f32x4.mul (local.get $r3) (local.get $e3))))
    (local.set $e3 (f32x4.add (f32x4.splat (f32.const 0.0416666667)) (f32x4.mul (local.get $r3) (local.get $e3))))
    (local.set $e3 (f32x4.add (f32x4.splat (f32.const 0.166666667)) (f32x4.mul (local.get $r3) (local.get $e3))))
    (local.set $e3 (f32x4.add (f32x4.splat (f32.const 0.5)) (f32x4.mul (local.get $r3) (local.get $e3))))
    (local.set $e3 (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r3) (local.get $e3))))
    (local.set $e3 (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $r3) (local.get $e3))))
    (local.set $e3 (f32x4.mul (local.get $e3)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n3)) (i32x4.splat (i32.const 127))) (i32.const 23))))
    (v128.store offset=48 (local.get $p) (local.get $e3))
    (f32x4.add (f32x4.add (local.get $e0) (local.get $e1)) (f32x4.add (local.get $e2) (local.get $e3))))

  ;; Dot product of rows a and b over n bytes (a multiple of 16, > 0).
  (func $dot (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $end i32) (local $acc v128)
    (local.set $end (i32.add (local.get $a) (local.get $n)))
    (loop $k
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $k (i32.lt_u (local.get $a) (local.get $end))))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))

  ;; scratch[j] = (q·k_j)·scale for j in [j0, j1): four keys share each load of q.
  (func $scores (param $q i32) (param $k i32) (param $sc i32) (param $n i32) (param $j0 i32) (param $j1 i32) (param $scale f32)
    (local $j i32) (local $qp i32) (local $end i32) (local $u v128)
    (local $k0 i32) (local $k1 i32) (local $k2 i32) (local $k3 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $j (local.get $j0))
    (local.set $end (i32.add (local.get $q) (local.get $n)))
    (block $quadsDone
      (loop $quads
        (br_if $quadsDone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $j1)))
        (local.set $k0 (i32.add (local.get $k) (i32.mul (local.get $j) (local.get $n))))
        (local.set $k1 (i32.add (local.get $k0) (local.get $n)))
        (local.set $k2 (i32.add (local.get $k1) (local.get $n)))
        (local.set $k3 (i32.add (local.get $k2) (local.get $n)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $qp (local.get $q))
        (loop $k
          (local.set $u (v128.load (local.get $qp)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $u) (v128.load (local.get $k0)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $u) (v128.load (local.get $k1)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $u) (v128.load (local.get $k2)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $u) (v128.load (local.get $k3)))))
          (local.set $k0 (i32.add (local.get $k0) (i32.const 16)))
          (local.set $k1 (i32.add (local.get $k1) (i32.const 16)))
          (local.set $k2 (i32.add (local.get $k2) (i32.const 16)))
          (local.set $k3 (i32.add (local.get $k3) (i32.const 16)))
          (local.set $qp (i32.add (local.get $qp) (i32.const 16)))
          (br_if $k (i32.lt_u (local.get $qp) (local.get $end))))
        (v128.store (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2)))
          (f32x4.mul (call $hsum4 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)) (f32x4.splat (local.get $scale))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $quads)))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $j) (local.get $j1)))
        (f32.store (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2)))
          (f32.mul (call $dot (local.get $q) (i32.add (local.get $k) (i32.mul (local.get $j) (local.get $n))) (local.get $n)) (local.get $scale)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $one))))

  ;; out row (dv floats, m bytes) = Σ_{j in [j0, j1)} scratch[j]·v_j, then times `norm`.
  (func $weigh (param $v i32) (param $sc i32) (param $o i32) (param $m i32) (param $j0 i32) (param $j1 i32) (param $norm f32)
    (local $j i32) (local $c i32) (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128)
    (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32)
    (memory.fill (local.get $o) (i32.const 0) (local.get $m))
    (local.set $j (local.get $j0))
    (block $quadsDone
      (loop $quads
        (br_if $quadsDone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $j1)))
        (local.set $p0 (v128.load32_splat (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $p1 (v128.load32_splat offset=4 (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $p2 (v128.load32_splat offset=8 (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $p3 (v128.load32_splat offset=12 (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $v0 (i32.add (local.get $v) (i32.mul (local.get $j) (local.get $m))))
        (local.set $v1 (i32.add (local.get $v0) (local.get $m)))
        (local.set $v2 (i32.add (local.get $v1) (local.get $m)))
        (local.set $v3 (i32.add (local.get $v2) (local.get $m)))
        (local.set $c (i32.const 0))
        (loop $cols
          (v128.store (i32.add (local.get $o) (local.get $c))
            (f32x4.add (v128.load (i32.add (local.get $o) (local.get $c)))
              (f32x4.add
                (f32x4.add
                  (f32x4.mul (local.get $p0) (v128.load (i32.add (local.get $v0) (local.get $c))))
                  (f32x4.mul (local.get $p1) (v128.load (i32.add (local.get $v1) (local.get $c)))))
                (f32x4.add
                  (f32x4.mul (local.get $p2) (v128.load (i32.add (local.get $v2) (local.get $c))))
                  (f32x4.mul (local.get $p3) (v128.load (i32.add (local.get $v3) (local.get $c))))))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br_if $cols (i32.lt_u (local.get $c) (local.get $m))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $quads)))
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $j) (local.get $j1)))
        (local.set $p0 (v128.load32_splat (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $v0 (i32.add (local.get $v) (i32.mul (local.get $j) (local.get $m))))
        (local.set $c (i32.const 0))
        (loop $cols
          (v128.store (i32.add (local.get $o) (local.get $c))
            (f32x4.add (v128.load (i32.add (local.get $o) (local.get $c)))
              (f32x4.mul (local.get $p0) (v128.load (i32.add (local.get $v0) (local.get $c))))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br_if $cols (i32.lt_u (local.get $c) (local.get $m))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $one)))
    (local.set $p0 (f32x4.splat (local.get $norm)))
    (local.set $c (i32.const 0))
    (loop $cols
      (v128.store (i32.add (local.get $o) (local.get $c))
        (f32x4.mul (local.get $p0) (v128.load (i32.add (local.get $o) (local.get $c)))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br_if $cols (i32.lt_u (local.get $c) (local.get $m)))))

  (func (export "attend")
    (param $q i32) (param $k i32) (param $v i32) (param $out i32) (param $sc i32)
    (param $t i32) (param $d i32) (param $dv i32) (param $s i32)
    (param $scale f32) (param $qOff i32) (param $window i32) (param $causal i32)
    (local $i i32) (local $n i32) (local $m i32) (local $pos i32) (local $j0 i32) (local $j1 i32)
    (local $j i32) (local $mx f32) (local $sum f32) (local $mv v128) (local $e v128) (local $p4 v128) (local $p f32)
    (local.set $n (i32.shl (local.get $d) (i32.const 2)))
    (local.set $m (i32.shl (local.get $dv) (i32.const 2)))
    (if (i32.eqz (local.get $t)) (then (return)))
    (loop $rows
      (local.set $pos (i32.add (local.get $qOff) (local.get $i)))
      ;; Visible keys: [pos − window + 1, pos] ∩ [0, s) with a window; [0, pos] when causal.
      (local.set $j0 (i32.const 0))
      (if (local.get $window)
        (then
          (local.set $j0 (i32.add (i32.sub (local.get $pos) (local.get $window)) (i32.const 1)))
          (if (i32.lt_s (local.get $j0) (i32.const 0)) (then (local.set $j0 (i32.const 0))))
          (if (i32.gt_s (local.get $j0) (local.get $s)) (then (local.set $j0 (local.get $s))))))
      (local.set $j1 (local.get $s))
      (if (i32.or (local.get $causal) (local.get $window))
        (then
          (local.set $j1 (i32.add (local.get $pos) (i32.const 1)))
          (if (i32.gt_s (local.get $j1) (local.get $s)) (then (local.set $j1 (local.get $s))))
          (if (i32.lt_s (local.get $j1) (local.get $j0)) (then (local.set $j1 (local.get $j0))))))
      (if (i32.lt_s (local.get $j0) (local.get $j1))
        (then
          (call $scores (local.get $q) (local.get $k) (local.get $sc) (local.get $n) (local.get $j0) (local.get $j1) (local.get $scale))
          ;; The row maximum: four lanes at a time, then the rest.
          (local.set $mv (v128.load32_splat (i32.add (local.get $sc) (i32.shl (local.get $j0) (i32.const 2)))))
          (local.set $j (local.get $j0))
          (block $quadsDone
            (loop $quads
              (br_if $quadsDone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $j1)))
              (local.set $mv (f32x4.max (local.get $mv) (v128.load (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2))))))
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br $quads)))
          (local.set $mx (f32.max
            (f32.max (f32x4.extract_lane 0 (local.get $mv)) (f32x4.extract_lane 1 (local.get $mv)))
            (f32.max (f32x4.extract_lane 2 (local.get $mv)) (f32x4.extract_lane 3 (local.get $mv)))))
          (block $done
            (loop $one
              (br_if $done (i32.ge_u (local.get $j) (local.get $j1)))
              (local.set $mx (f32.max (local.get $mx) (f32.load (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $one)))
          ;; e^(score − max) in place, summed lane-wise: 16 at a time, then 4, then one by one.
          (local.set $mv (f32x4.splat (local.get $mx)))
          (local.set $e (v128.const i32x4 0 0 0 0))
          (local.set $j (local.get $j0))
          (block $done
            (loop $sixteens
              (br_if $done (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $j1)))
              (local.set $e (f32x4.add (local.get $e) (call $exp16 (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2))) (local.get $mv))))
              (local.set $j (i32.add (local.get $j) (i32.const 16)))
              (br $sixteens)))
          (block $quadsDone
            (loop $quads
              (br_if $quadsDone (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $j1)))
              (local.set $p4 (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2)))) (local.get $mv))))
              (v128.store (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2))) (local.get $p4))
              (local.set $e (f32x4.add (local.get $e) (local.get $p4)))
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br $quads)))
          (local.set $sum (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $e)) (f32x4.extract_lane 1 (local.get $e)))
            (f32.add (f32x4.extract_lane 2 (local.get $e)) (f32x4.extract_lane 3 (local.get $e)))))
          (block $done
            (loop $one
              (br_if $done (i32.ge_u (local.get $j) (local.get $j1)))
              (local.set $p (f32x4.extract_lane 0 (call $exp4 (f32x4.splat
                (f32.sub (f32.load (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2)))) (local.get $mx))))))
              (f32.store (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2))) (local.get $p))
              (local.set $sum (f32.add (local.get $sum) (local.get $p)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $one)))
          (call $weigh (local.get $v) (local.get $sc) (local.get $out) (local.get $m) (local.get $j0) (local.get $j1)
            (f32.div (f32.const 1) (local.get $sum))))
        (else
          ;; Every key masked: equal weights over all s keys (none: zeros).
          (if (local.get $s)
            (then
              (local.set $j (i32.const 0))
              (loop $fill
                (f32.store (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2))) (f32.const 1))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br_if $fill (i32.lt_u (local.get $j) (local.get $s))))
              (call $weigh (local.get $v) (local.get $sc) (local.get $out) (local.get $m) (i32.const 0) (local.get $s)
                (f32.div (f32.const 1) (f32.convert_i32_u (local.get $s)))))
            (else (memory.fill (local.get $out) (i32.const 0) (local.get $m))))))
      (local.set $q (i32.add (local.get $q) (local.get $n)))
      (local.set $out (i32.add (local.get $out) (local.get $m)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $t)))))
)
