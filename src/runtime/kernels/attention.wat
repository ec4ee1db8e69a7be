;; Scaled dot-product attention for one (batch, head): for every query row, the scores
;; against its visible keys (causal and sliding-window masks leave one contiguous range),
;; a softmax, and the probability-weighted sum of value rows, fused so that scores never
;; leave a scratch row. 128-bit SIMD along the head dimension (a multiple of 4). Query rows
;; go in pairs (a prefill's): the keys both see are weighed in one pass, each value vector
;; loaded once for both rows, with 16 output columns of each row held in registers.
;;
;; Exported: attend(q, k, v, out, scratch, t, d, dv, s, scale, qOff, window, causal)
;;   q [t, d] and out [t, dv] contiguous; key and value rows j < s at k + j·d·4 and
;;   v + j·dv·4 (a KV-cache buffer); scratch holds 2·(s + 4) floats. window = 0: none.
;;   A query whose visible range is empty gets the mean of all s value rows, as a softmax
;;   over scores that are all the float32 minimum does in PyTorch.
;; Exported: copy_rows(src, dst, rows, bytes, srcStride, dstStride): `rows` runs of `bytes`
;;   bytes (a multiple of 4) from src + r·srcStride to dst + r·dstStride: a KV-cache append,
;;   one run per (batch, head), in one call (memory.copy is a call out into the engine per run).
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

  ;; The scores of query q against keys [j0, j1) (j0 < j1) into sc[j0, j1) as
  ;; e^(score − max); returns their sum.
  (func $softmax (param $q i32) (param $k i32) (param $sc i32) (param $n i32) (param $j0 i32) (param $j1 i32) (param $scale f32) (result f32)
    (local $j i32) (local $mx f32) (local $sum f32) (local $mv v128) (local $e v128) (local $p4 v128) (local $p f32)
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
    (local.get $sum))

  ;; o[c0, m) += Σ_{j in [j0, j1)} p[j]·v_j[c0, m) (value rows m bytes apart, m and c0
  ;; multiples of 16): 16 columns at a time held in registers across all the keys, then 4.
  (func $accum1 (param $v i32) (param $p i32) (param $o i32) (param $m i32) (param $j0 i32) (param $j1 i32) (param $c0 i32)
    (local $c i32) (local $vj i32) (local $pj i32) (local $pend i32) (local $u v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (if (i32.ge_s (local.get $j0) (local.get $j1)) (then (return)))
    (local.set $c (local.get $c0))
    (local.set $pend (i32.add (local.get $p) (i32.shl (local.get $j1) (i32.const 2))))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.gt_u (i32.add (local.get $c) (i32.const 64)) (local.get $m)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $vj (i32.add (i32.add (local.get $v) (i32.mul (local.get $j0) (local.get $m))) (local.get $c)))
        (local.set $pj (i32.add (local.get $p) (i32.shl (local.get $j0) (i32.const 2))))
        (loop $keys
          (local.set $u (v128.load32_splat (local.get $pj)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $u) (v128.load (local.get $vj)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $u) (v128.load offset=16 (local.get $vj)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $u) (v128.load offset=32 (local.get $vj)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $u) (v128.load offset=48 (local.get $vj)))))
          (local.set $vj (i32.add (local.get $vj) (local.get $m)))
          (local.set $pj (i32.add (local.get $pj) (i32.const 4)))
          (br_if $keys (i32.lt_u (local.get $pj) (local.get $pend))))
        (v128.store (i32.add (local.get $o) (local.get $c)) (f32x4.add (v128.load (i32.add (local.get $o) (local.get $c))) (local.get $a0)))
        (v128.store offset=16 (i32.add (local.get $o) (local.get $c)) (f32x4.add (v128.load offset=16 (i32.add (local.get $o) (local.get $c))) (local.get $a1)))
        (v128.store offset=32 (i32.add (local.get $o) (local.get $c)) (f32x4.add (v128.load offset=32 (i32.add (local.get $o) (local.get $c))) (local.get $a2)))
        (v128.store offset=48 (i32.add (local.get $o) (local.get $c)) (f32x4.add (v128.load offset=48 (i32.add (local.get $o) (local.get $c))) (local.get $a3)))
        (local.set $c (i32.add (local.get $c) (i32.const 64)))
        (br $blocks)))
    (block $done
      (loop $cols
        (br_if $done (i32.ge_u (local.get $c) (local.get $m)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $vj (i32.add (i32.add (local.get $v) (i32.mul (local.get $j0) (local.get $m))) (local.get $c)))
        (local.set $pj (i32.add (local.get $p) (i32.shl (local.get $j0) (i32.const 2))))
        (loop $keys
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load32_splat (local.get $pj)) (v128.load (local.get $vj)))))
          (local.set $vj (i32.add (local.get $vj) (local.get $m)))
          (local.set $pj (i32.add (local.get $pj) (i32.const 4)))
          (br_if $keys (i32.lt_u (local.get $pj) (local.get $pend))))
        (v128.store (i32.add (local.get $o) (local.get $c)) (f32x4.add (v128.load (i32.add (local.get $o) (local.get $c))) (local.get $a0)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $cols))))

  ;; $accum1 for two query rows over the same keys: oa += Σ pa[j]·v_j, ob += Σ pb[j]·v_j.
  ;; Each value vector loaded serves both rows (2 splats, 4 value vectors and 8 accumulators
  ;; a key: the registers V8 has).
  (func $accum2 (param $v i32) (param $pa i32) (param $pb i32) (param $oa i32) (param $ob i32) (param $m i32) (param $j0 i32) (param $j1 i32)
    (local $c i32) (local $vj i32) (local $j i32) (local $ua v128) (local $ub v128) (local $w v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (if (i32.ge_s (local.get $j0) (local.get $j1)) (then (return)))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.gt_u (i32.add (local.get $c) (i32.const 64)) (local.get $m)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $b0 (v128.const i32x4 0 0 0 0))
        (local.set $b1 (v128.const i32x4 0 0 0 0))
        (local.set $b2 (v128.const i32x4 0 0 0 0))
        (local.set $b3 (v128.const i32x4 0 0 0 0))
        (local.set $vj (i32.add (i32.add (local.get $v) (i32.mul (local.get $j0) (local.get $m))) (local.get $c)))
        (local.set $j (i32.shl (local.get $j0) (i32.const 2)))
        (loop $keys
          (local.set $ua (v128.load32_splat (i32.add (local.get $pa) (local.get $j))))
          (local.set $ub (v128.load32_splat (i32.add (local.get $pb) (local.get $j))))
          (local.set $w (v128.load (local.get $vj)))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $ua) (local.get $w))))
          (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $ub) (local.get $w))))
          (local.set $w (v128.load offset=16 (local.get $vj)))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $ua) (local.get $w))))
          (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $ub) (local.get $w))))
          (local.set $w (v128.load offset=32 (local.get $vj)))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $ua) (local.get $w))))
          (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $ub) (local.get $w))))
          (local.set $w (v128.load offset=48 (local.get $vj)))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $ua) (local.get $w))))
          (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $ub) (local.get $w))))
          (local.set $vj (i32.add (local.get $vj) (local.get $m)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br_if $keys (i32.lt_u (local.get $j) (i32.shl (local.get $j1) (i32.const 2)))))
        (v128.store (i32.add (local.get $oa) (local.get $c)) (f32x4.add (v128.load (i32.add (local.get $oa) (local.get $c))) (local.get $a0)))
        (v128.store offset=16 (i32.add (local.get $oa) (local.get $c)) (f32x4.add (v128.load offset=16 (i32.add (local.get $oa) (local.get $c))) (local.get $a1)))
        (v128.store offset=32 (i32.add (local.get $oa) (local.get $c)) (f32x4.add (v128.load offset=32 (i32.add (local.get $oa) (local.get $c))) (local.get $a2)))
        (v128.store offset=48 (i32.add (local.get $oa) (local.get $c)) (f32x4.add (v128.load offset=48 (i32.add (local.get $oa) (local.get $c))) (local.get $a3)))
        (v128.store (i32.add (local.get $ob) (local.get $c)) (f32x4.add (v128.load (i32.add (local.get $ob) (local.get $c))) (local.get $b0)))
        (v128.store offset=16 (i32.add (local.get $ob) (local.get $c)) (f32x4.add (v128.load offset=16 (i32.add (local.get $ob) (local.get $c))) (local.get $b1)))
        (v128.store offset=32 (i32.add (local.get $ob) (local.get $c)) (f32x4.add (v128.load offset=32 (i32.add (local.get $ob) (local.get $c))) (local.get $b2)))
        (v128.store offset=48 (i32.add (local.get $ob) (local.get $c)) (f32x4.add (v128.load offset=48 (i32.add (local.get $ob) (local.get $c))) (local.get $b3)))
        (local.set $c (i32.add (local.get $c) (i32.const 64)))
        (br $blocks)))
    ;; Columns left over (fewer than 16): each row on its own.
    (if (i32.lt_u (local.get $c) (local.get $m))
      (then
        (call $accum1 (local.get $v) (local.get $pa) (local.get $oa) (local.get $m) (local.get $j0) (local.get $j1) (local.get $c))
        (call $accum1 (local.get $v) (local.get $pb) (local.get $ob) (local.get $m) (local.get $j0) (local.get $j1) (local.get $c)))))

  ;; o[0, m) = 0 with vector stores: memory.fill is a call out of wasm into the engine, which
  ;; per row cost as much as the scores.
  (func $zeroRow (param $o i32) (param $m i32)
    (local $c i32)
    (loop $cols
      (v128.store (i32.add (local.get $o) (local.get $c)) (v128.const i32x4 0 0 0 0))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br_if $cols (i32.lt_u (local.get $c) (local.get $m)))))

  ;; o[0, m) *= f.
  (func $scaleRow (param $o i32) (param $m i32) (param $f f32)
    (local $c i32) (local $fv v128)
    (local.set $fv (f32x4.splat (local.get $f)))
    (loop $cols
      (v128.store (i32.add (local.get $o) (local.get $c)) (f32x4.mul (local.get $fv) (v128.load (i32.add (local.get $o) (local.get $c)))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (br_if $cols (i32.lt_u (local.get $c) (local.get $m)))))

  ;; The first visible key of the query at absolute position pos: pos − window + 1 with a
  ;; window (clamped to [0, s]), else 0.
  (func $firstKey (param $pos i32) (param $s i32) (param $window i32) (result i32)
    (local $j0 i32)
    (if (i32.eqz (local.get $window)) (then (return (i32.const 0))))
    (local.set $j0 (i32.add (i32.sub (local.get $pos) (local.get $window)) (i32.const 1)))
    (if (i32.lt_s (local.get $j0) (i32.const 0)) (then (local.set $j0 (i32.const 0))))
    (if (i32.gt_s (local.get $j0) (local.get $s)) (then (local.set $j0 (local.get $s))))
    (local.get $j0))

  ;; One past its last visible key: pos + 1 when causal or windowed (within [j0, s]), else s.
  (func $endKey (param $pos i32) (param $s i32) (param $masked i32) (param $j0 i32) (result i32)
    (local $j1 i32)
    (if (i32.eqz (local.get $masked)) (then (return (local.get $s))))
    (local.set $j1 (i32.add (local.get $pos) (i32.const 1)))
    (if (i32.gt_s (local.get $j1) (local.get $s)) (then (local.set $j1 (local.get $s))))
    (if (i32.lt_s (local.get $j1) (local.get $j0)) (then (local.set $j1 (local.get $j0))))
    (local.get $j1))

  (func (export "attend")
    (param $q i32) (param $k i32) (param $v i32) (param $out i32) (param $sc i32)
    (param $t i32) (param $d i32) (param $dv i32) (param $s i32)
    (param $scale f32) (param $qOff i32) (param $window i32) (param $causal i32)
    (local $i i32) (local $n i32) (local $m i32) (local $pos i32) (local $masked i32) (local $sc2 i32)
    (local $j0 i32) (local $j1 i32) (local $k0 i32) (local $k1 i32) (local $lo i32) (local $hi i32) (local $j i32)
    (local $sum f32) (local $sum2 f32)
    (local.set $n (i32.shl (local.get $d) (i32.const 2)))
    (local.set $m (i32.shl (local.get $dv) (i32.const 2)))
    (local.set $masked (i32.or (local.get $causal) (local.get $window)))
    ;; The second query row's scores follow the first's.
    (local.set $sc2 (i32.add (local.get $sc) (i32.shl (i32.add (local.get $s) (i32.const 4)) (i32.const 2))))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $t)))
        (local.set $pos (i32.add (local.get $qOff) (local.get $i)))
        ;; Visible keys: [pos − window + 1, pos] ∩ [0, s) with a window; [0, pos] when causal.
        (local.set $j0 (call $firstKey (local.get $pos) (local.get $s) (local.get $window)))
        (local.set $j1 (call $endKey (local.get $pos) (local.get $s) (local.get $masked) (local.get $j0)))
        (local.set $k0 (call $firstKey (i32.add (local.get $pos) (i32.const 1)) (local.get $s) (local.get $window)))
        (local.set $k1 (call $endKey (i32.add (local.get $pos) (i32.const 1)) (local.get $s) (local.get $masked) (local.get $k0)))
        (if (i32.and (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $t))
              (i32.and (i32.lt_s (local.get $j0) (local.get $j1)) (i32.lt_s (local.get $k0) (local.get $k1))))
          (then
            ;; Two query rows: their common keys [lo, hi) weighed by $accum2 (each value row
            ;; read once for both), the rest of each row's keys by $accum1.
            (local.set $sum (call $softmax (local.get $q) (local.get $k) (local.get $sc) (local.get $n) (local.get $j0) (local.get $j1) (local.get $scale)))
            (local.set $sum2 (call $softmax (i32.add (local.get $q) (local.get $n)) (local.get $k) (local.get $sc2) (local.get $n) (local.get $k0) (local.get $k1) (local.get $scale)))
            (call $zeroRow (local.get $out) (i32.shl (local.get $m) (i32.const 1)))
            (local.set $lo (select (local.get $j0) (local.get $k0) (i32.gt_s (local.get $j0) (local.get $k0))))
            (local.set $hi (select (local.get $j1) (local.get $k1) (i32.lt_s (local.get $j1) (local.get $k1))))
            (if (i32.lt_s (local.get $hi) (local.get $lo)) (then (local.set $hi (local.get $lo))))
            (call $accum2 (local.get $v) (local.get $sc) (local.get $sc2) (local.get $out) (i32.add (local.get $out) (local.get $m)) (local.get $m) (local.get $lo) (local.get $hi))
            (call $accum1 (local.get $v) (local.get $sc) (local.get $out) (local.get $m)
              (local.get $j0) (select (local.get $j1) (local.get $lo) (i32.lt_s (local.get $j1) (local.get $lo))) (i32.const 0))
            (call $accum1 (local.get $v) (local.get $sc) (local.get $out) (local.get $m)
              (select (local.get $j0) (local.get $hi) (i32.gt_s (local.get $j0) (local.get $hi))) (local.get $j1) (i32.const 0))
            (call $accum1 (local.get $v) (local.get $sc2) (i32.add (local.get $out) (local.get $m)) (local.get $m)
              (local.get $k0) (select (local.get $k1) (local.get $lo) (i32.lt_s (local.get $k1) (local.get $lo))) (i32.const 0))
            (call $accum1 (local.get $v) (local.get $sc2) (i32.add (local.get $out) (local.get $m)) (local.get $m)
              (select (local.get $k0) (local.get $hi) (i32.gt_s (local.get $k0) (local.get $hi))) (local.get $k1) (i32.const 0))
            (call $scaleRow (local.get $out) (local.get $m) (f32.div (f32.const 1) (local.get $sum)))
            (call $scaleRow (i32.add (local.get $out) (local.get $m)) (local.get $m) (f32.div (f32.const 1) (local.get $sum2)))
            (local.set $q (i32.add (local.get $q) (i32.shl (local.get $n) (i32.const 1))))
            (local.set $out (i32.add (local.get $out) (i32.shl (local.get $m) (i32.const 1))))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $rows)))
        ;; One query row.
        (call $zeroRow (local.get $out) (local.get $m))
        (if (i32.lt_s (local.get $j0) (local.get $j1))
          (then
            (local.set $sum (call $softmax (local.get $q) (local.get $k) (local.get $sc) (local.get $n) (local.get $j0) (local.get $j1) (local.get $scale)))
            (call $accum1 (local.get $v) (local.get $sc) (local.get $out) (local.get $m) (local.get $j0) (local.get $j1) (i32.const 0))
            (call $scaleRow (local.get $out) (local.get $m) (f32.div (f32.const 1) (local.get $sum))))
          (else
            ;; Every key masked: equal weights over all s keys (none: zeros).
            (if (local.get $s)
              (then
                (local.set $j (i32.const 0))
                (loop $fill
                  (f32.store (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2))) (f32.const 1))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br_if $fill (i32.lt_u (local.get $j) (local.get $s))))
                (call $accum1 (local.get $v) (local.get $sc) (local.get $out) (local.get $m) (i32.const 0) (local.get $s) (i32.const 0))
                (call $scaleRow (local.get $out) (local.get $m) (f32.div (f32.const 1) (f32.convert_i32_u (local.get $s))))))))
        (local.set $q (i32.add (local.get $q) (local.get $n)))
        (local.set $out (i32.add (local.get $out) (local.get $m)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))

  (func (export "copy_rows")
    (param $src i32) (param $dst i32) (param $rows i32) (param $bytes i32) (param $ss i32) (param $ds i32)
    (local $c i32) (local $vend i32)
    (local.set $vend (i32.and (local.get $bytes) (i32.const -16)))
    (block $done
      (loop $rows
        (br_if $done (i32.eqz (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $vdone
          (loop $vecs
            (br_if $vdone (i32.ge_u (local.get $c) (local.get $vend)))
            (v128.store (i32.add (local.get $dst) (local.get $c)) (v128.load (i32.add (local.get $src) (local.get $c))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $vecs)))
        (block $fdone
          (loop $floats
            (br_if $fdone (i32.ge_u (local.get $c) (local.get $bytes)))
            (f32.store (i32.add (local.get $dst) (local.get $c)) (f32.load (i32.add (local.get $src) (local.get $c))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $floats)))
        (local.set $src (i32.add (local.get $src) (local.get $ss)))
        (local.set $dst (i32.add (local.get $dst) (local.get $ds)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $rows))))
)
