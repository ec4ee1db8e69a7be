;; RMSNorm over rows of a float32 matrix, in doubles like the TypeScript op (ops/norm.ts):
;; the sum of squares accumulates in two float64 lanes, and every output is x·inv·(offset + w)
;; computed in float64 and rounded once to float32, which is exactly what the TypeScript
;; loop stores. (Only the order of the float64 sum differs: far below float32 resolution.)
;;
;; Exported: rms_norm(x, w, y, rows, c, eps, offset) normalises rows [rows, c] of x into y
;; (they may be the same array); w = 0 means no weight (a scale of 1). Pointers are byte
;; offsets into the shared memory.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "rms_norm")
    (param $x i32) (param $w i32) (param $y i32) (param $rows i32) (param $c i32) (param $eps f64) (param $offset f64)
    (local $r i32) (local $p i32) (local $q i32) (local $end i32) (local $end4 i32) (local $wp i32)
    (local $v v128) (local $lo v128) (local $hi v128) (local $acc v128) (local $inv v128) (local $off v128)
    (local $sq f64) (local $e f64) (local $f f64) (local $s f64)
    (local.set $off (f64x2.splat (local.get $offset)))
    (if (i32.eqz (local.get $rows)) (then (return)))
    (loop $row
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $c) (i32.const 2))))
      ;; The last (c mod 4) elements go one at a time.
      (local.set $end4 (i32.sub (local.get $end) (i32.and (i32.shl (local.get $c) (i32.const 2)) (i32.const 15))))
      (local.set $acc (v128.const i64x2 0 0))
      (local.set $p (local.get $x))
      (block $done
        (loop $sum
          (br_if $done (i32.ge_u (local.get $p) (local.get $end4)))
          (local.set $v (v128.load (local.get $p)))
          (local.set $lo (f64x2.promote_low_f32x4 (local.get $v)))
          (local.set $hi (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
          (local.set $acc (f64x2.add (local.get $acc) (f64x2.add (f64x2.mul (local.get $lo) (local.get $lo)) (f64x2.mul (local.get $hi) (local.get $hi)))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br $sum)))
      (local.set $sq (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
      (block $done
        (loop $tail
          (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $e (f64.promote_f32 (f32.load (local.get $p))))
          (local.set $sq (f64.add (local.get $sq) (f64.mul (local.get $e) (local.get $e))))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br $tail)))
      (local.set $s (f64.div (f64.const 1) (f64.sqrt (f64.add (f64.div (local.get $sq) (f64.convert_i32_u (local.get $c))) (local.get $eps)))))
      (local.set $inv (f64x2.splat (local.get $s)))
      ;; y = x·inv·(offset + w), two lanes of doubles at a time.
      (local.set $p (local.get $x))
      (local.set $q (local.get $y))
      (local.set $wp (local.get $w))
      (block $done
        (loop $scale
          (br_if $done (i32.ge_u (local.get $p) (local.get $end4)))
          (local.set $v (v128.load (local.get $p)))
          (local.set $lo (f64x2.mul (f64x2.promote_low_f32x4 (local.get $v)) (local.get $inv)))
          (local.set $hi (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (local.get $inv)))
          (if (local.get $w)
            (then
              (local.set $v (v128.load (local.get $wp)))
              (local.set $lo (f64x2.mul (local.get $lo) (f64x2.add (local.get $off) (f64x2.promote_low_f32x4 (local.get $v)))))
              (local.set $hi (f64x2.mul (local.get $hi) (f64x2.add (local.get $off)
                (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))))
              (local.set $wp (i32.add (local.get $wp) (i32.const 16)))))
          (v128.store (local.get $q)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br $scale)))
      (block $done
        (loop $tail
          (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $f (f64.mul (f64.promote_f32 (f32.load (local.get $p))) (local.get $s)))
          (if (local.get $w)
            (then
              (local.set $f (f64.mul (local.get $f) (f64.add (local.get $offset) (f64.promote_f32 (f32.load (local.get $wp))))))
              (local.set $wp (i32.add (local.get $wp) (i32.const 4)))))
          (f32.store (local.get $q) (f32.demote_f64 (local.get $f)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (local.set $q (i32.add (local.get $q) (i32.const 4)))
          (br $tail)))
      (local.set $x (local.get $end))
      (local.set $y (local.get $q))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $row (i32.lt_u (local.get $r) (local.get $rows)))))
)
