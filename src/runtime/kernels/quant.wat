;; Products with int8 weights (src/runtime/weights/formats.ts): W [out, in] as int8 values
;; q, one float32 scale s per block of 32 consecutive weights of a row, the weight being
;; q·s. The int8 values come first (out·in bytes), the scales after them from the next
;; 64-byte boundary, [out, in/32] row-major; in is a multiple of 32.
;;
;; Exported, with the thread pool's signature (pointers are byte offsets):
;; - linear_q8(x, w, b, y, rows, in, out, o0, o1): columns o0 <= o < o1 of y = x·Wᵀ (+ b):
;;   every block's 32 products are summed in float32, then scaled and added, so a weight
;;   is never materialised: the kernel reads 1.125 bytes a weight.
;; - linear_q8x16(x16, w, b, y, 1, in, out, o0, o1): the same for one row of x given as
;;   int16 blocks (formats.ts encodeX16: x ≈ xq·sx, one scale per 32 values), for decoding:
;;   a block's 32 products are exact integer dot products (i32x4.dot_i16x8_s, 8 pairs an
;;   instruction), converted once and scaled by sw·sx. Conversion of every weight to float
;;   was most of linear_q8's work; x's rounding to 16 bits (relative 2^−16 of its block's
;;   largest value) is far below the weights' own (2^−8).
;; - dequant_q8(w, dst, rb, _, _, in, out, r0, r1): rows r0 <= r < r1 of W as float32
;;   fround(q·s) (the values formats.ts gives) at dst + (r − rb)·in·4, for batched
;;   products: a block of rows is widened once, then the float32 tiles of linear.wat run
;;   over it, every weight then serving all the rows of x.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (;include hsum.wat.part;)

  ;; Σ x[k]·q[k]·s[k/32] over nb blocks: per block, two chains of four products over the 32
  ;; weights (sign-extended from int8 to int32 eight at a time, converted exactly), their
  ;; sum scaled and accumulated.
  (func $dot_q8 (param $x i32) (param $w i32) (param $s i32) (param $nb i32) (result f32)
    (local $end i32) (local $h v128) (local $p0 v128) (local $p1 v128) (local $acc v128)
    (local.set $end (i32.add (local.get $s) (i32.shl (local.get $nb) (i32.const 2))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $s) (local.get $end)))
        (local.set $h (v128.load8x8_s (local.get $w)))
        (local.set $p0 (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $h))) (v128.load (local.get $x))))
        (local.set $p1 (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $h))) (v128.load offset=16 (local.get $x))))
        (local.set $h (v128.load8x8_s offset=8 (local.get $w)))
        (local.set $p0 (@madd (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $h))) (v128.load offset=32 (local.get $x)) (local.get $p0)))
        (local.set $p1 (@madd (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $h))) (v128.load offset=48 (local.get $x)) (local.get $p1)))
        (local.set $h (v128.load8x8_s offset=16 (local.get $w)))
        (local.set $p0 (@madd (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $h))) (v128.load offset=64 (local.get $x)) (local.get $p0)))
        (local.set $p1 (@madd (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $h))) (v128.load offset=80 (local.get $x)) (local.get $p1)))
        (local.set $h (v128.load8x8_s offset=24 (local.get $w)))
        (local.set $p0 (@madd (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $h))) (v128.load offset=96 (local.get $x)) (local.get $p0)))
        (local.set $p1 (@madd (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $h))) (v128.load offset=112 (local.get $x)) (local.get $p1)))
        (local.set $acc (@madd (f32x4.add (local.get $p0) (local.get $p1)) (v128.load32_splat (local.get $s)) (local.get $acc)))
        (local.set $w (i32.add (local.get $w) (i32.const 32)))
        (local.set $x (i32.add (local.get $x) (i32.const 128)))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (br $blocks)))
    (call $hsum (local.get $acc)))

;; Σ x[k]·q[k]·s[k/32] over nb blocks with x as int16 blocks: x16 holds the values, sx
  ;; their scales. Per block: four 8-pair integer dot products (|sum| < 2^26: exact in
  ;; int32), converted and multiplied by the two scales' product.
  (func $dot_q8x16 (param $x i32) (param $w i32) (param $sw i32) (param $sx i32) (param $nb i32) (result f32)
    (local $end i32) (local $i v128) (local $acc v128)
    (local.set $end (i32.add (local.get $sw) (i32.shl (local.get $nb) (i32.const 2))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $sw) (local.get $end)))
        (local.set $i (i32x4.dot_i16x8_s (v128.load8x8_s (local.get $w)) (v128.load (local.get $x))))
        (local.set $i (i32x4.add (local.get $i) (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (local.get $w)) (v128.load offset=16 (local.get $x)))))
        (local.set $i (i32x4.add (local.get $i) (i32x4.dot_i16x8_s (v128.load8x8_s offset=16 (local.get $w)) (v128.load offset=32 (local.get $x)))))
        (local.set $i (i32x4.add (local.get $i) (i32x4.dot_i16x8_s (v128.load8x8_s offset=24 (local.get $w)) (v128.load offset=48 (local.get $x)))))
        (local.set $acc (@madd (f32x4.convert_i32x4_s (local.get $i))
          (f32x4.splat (f32.mul (f32.load (local.get $sw)) (f32.load (local.get $sx))))
          (local.get $acc)))
        (local.set $w (i32.add (local.get $w) (i32.const 32)))
        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (local.set $sw (i32.add (local.get $sw) (i32.const 4)))
        (local.set $sx (i32.add (local.get $sx) (i32.const 4)))
        (br $blocks)))
    (call $hsum (local.get $acc)))

  (func (export "linear_q8x16")
    (param $x i32) (param $w i32) (param $b i32) (param $y i32)
    (param $rows i32) (param $in i32) (param $out i32) (param $o0 i32) (param $o1 i32)
    (local $sp i32) (local $sx i32) (local $nb i32) (local $o i32) (local $v f32)
    (local.set $sp (i32.add (local.get $w) (i32.and (i32.add (i32.mul (local.get $out) (local.get $in)) (i32.const 63)) (i32.const -64))))
    ;; x's scales follow its in int16 values from the next 64-byte boundary.
    (local.set $sx (i32.add (local.get $x) (i32.and (i32.add (i32.shl (local.get $in) (i32.const 1)) (i32.const 63)) (i32.const -64))))
    (local.set $nb (i32.shr_u (local.get $in) (i32.const 5)))
    (local.set $o (local.get $o0))
    (block $colsDone
      (loop $cols
        (br_if $colsDone (i32.ge_u (local.get $o) (local.get $o1)))
        (local.set $v (call $dot_q8x16 (local.get $x)
          (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $in)))
          (i32.add (local.get $sp) (i32.shl (i32.mul (local.get $o) (local.get $nb)) (i32.const 2)))
          (local.get $sx) (local.get $nb)))
        (if (local.get $b)
          (then (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2))))))))
        (f32.store (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2))) (local.get $v))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $cols))))

  (func (export "linear_q8")
    (param $x i32) (param $w i32) (param $b i32) (param $y i32)
    (param $rows i32) (param $in i32) (param $out i32) (param $o0 i32) (param $o1 i32)
    (local $sp i32) (local $nb i32) (local $r i32) (local $o i32) (local $xr i32) (local $yr i32) (local $v f32)
    (local.set $sp (i32.add (local.get $w) (i32.and (i32.add (i32.mul (local.get $out) (local.get $in)) (i32.const 63)) (i32.const -64))))
    (local.set $nb (i32.shr_u (local.get $in) (i32.const 5)))
    (local.set $r (i32.const 0))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $xr (i32.add (local.get $x) (i32.mul (local.get $r) (i32.shl (local.get $in) (i32.const 2)))))
        (local.set $yr (i32.add (local.get $y) (i32.mul (local.get $r) (i32.shl (local.get $out) (i32.const 2)))))
        (local.set $o (local.get $o0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $o) (local.get $o1)))
            (local.set $v (call $dot_q8 (local.get $xr)
              (i32.add (local.get $w) (i32.mul (local.get $o) (local.get $in)))
              (i32.add (local.get $sp) (i32.shl (i32.mul (local.get $o) (local.get $nb)) (i32.const 2)))
              (local.get $nb)))
            (if (local.get $b)
              (then (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2))))))))
            (f32.store (i32.add (local.get $yr) (i32.shl (local.get $o) (i32.const 2))) (local.get $v))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (br $cols)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  (func (export "dequant_q8")
    (param $w i32) (param $dst i32) (param $rb i32) (param $u0 i32) (param $u1 i32)
    (param $in i32) (param $out i32) (param $r0 i32) (param $r1 i32)
    (local $q i32) (local $s i32) (local $d i32) (local $end i32) (local $scale v128) (local $h v128)
    (if (i32.ge_u (local.get $r0) (local.get $r1)) (then (return)))
    (local.set $q (i32.add (local.get $w) (i32.mul (local.get $r0) (local.get $in))))
    (local.set $s (i32.add
      (i32.add (local.get $w) (i32.and (i32.add (i32.mul (local.get $out) (local.get $in)) (i32.const 63)) (i32.const -64)))
      (i32.shl (i32.mul (local.get $r0) (i32.shr_u (local.get $in) (i32.const 5))) (i32.const 2))))
    (local.set $d (i32.add (local.get $dst) (i32.shl (i32.mul (i32.sub (local.get $r0) (local.get $rb)) (local.get $in)) (i32.const 2))))
    ;; Rows r0..r1 are contiguous in q, in the scales and in dst: one pass over their blocks.
    (local.set $end (i32.add (local.get $q) (i32.mul (i32.sub (local.get $r1) (local.get $r0)) (local.get $in))))
    (loop $blocks
      (local.set $scale (v128.load32_splat (local.get $s)))
      (local.set $h (v128.load8x8_s (local.get $q)))
      (v128.store (local.get $d) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $h))) (local.get $scale)))
      (v128.store offset=16 (local.get $d) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $h))) (local.get $scale)))
      (local.set $h (v128.load8x8_s offset=8 (local.get $q)))
      (v128.store offset=32 (local.get $d) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $h))) (local.get $scale)))
      (v128.store offset=48 (local.get $d) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $h))) (local.get $scale)))
      (local.set $h (v128.load8x8_s offset=16 (local.get $q)))
      (v128.store offset=64 (local.get $d) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $h))) (local.get $scale)))
      (v128.store offset=80 (local.get $d) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $h))) (local.get $scale)))
      (local.set $h (v128.load8x8_s offset=24 (local.get $q)))
      (v128.store offset=96 (local.get $d) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $h))) (local.get $scale)))
      (v128.store offset=112 (local.get $d) (f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $h))) (local.get $scale)))
      (local.set $q (i32.add (local.get $q) (i32.const 32)))
      (local.set $s (i32.add (local.get $s) (i32.const 4)))
      (local.set $d (i32.add (local.get $d) (i32.const 128)))
      (br_if $blocks (i32.lt_u (local.get $q) (local.get $end)))))
)
