;; Products with int8 weights (src/runtime/weights/formats.ts): W [out, in] as int8 values
;; q, one float32 scale s per block of 32 consecutive weights of a row, the weight being
;; q·s; in is a multiple of 32. Rows are stored in groups of four, block-interleaved: group
;; g holds, for each block b in order, the 32 int8 values of its four rows side by side
;; (128 bytes), so block b of row o is at w + ((o/4)·nb + b)·128 + (o mod 4)·32 with
;; nb = in/32, and one group is one sequential stream of 4·in bytes. The scales follow the
;; values (from w + ⌈out/4⌉·4·in) in the same order, 16 bytes a block for the four rows: one
;; load gives a block's four scales. A last group of fewer than four rows leaves the missing
;; rows' places unused.
;;
;; Exported, with the thread pool's signature (pointers are byte offsets):
;; - linear_q8(x, w, b, y, rows, in, out, o0, o1): columns o0 <= o < o1 of y = x·Wᵀ (+ b):
;;   every block's 32 products are summed in float32, then scaled and added, so a weight
;;   is never materialised: the kernel reads 1.125 bytes a weight.
;; - linear_q8x16(x16, w, b, y, 1, in, out, o0, o1): the same for one row of x given as
;;   int16 blocks (encode_x16 below: x ≈ xq·sx, one scale per 32 values), for decoding:
;;   a block's 32 products are exact integer dot products (i32x4.dot_i16x8_s, 8 pairs an
;;   instruction), converted once and scaled by sw·sx, a group of four rows at a time.
;;   Conversion of every weight to float was most of linear_q8's work; x's rounding to 16
;;   bits (relative 2^−16 of its block's largest value) is far below the weights' own (2^−8).
;; - encode_x16(x, dst, _, _, _, in, _, b0, b1): blocks b0 <= b < b1 of one row of x
;;   (float32) as linear_q8x16 takes it: per 32 values sx = max|x| / 32767 and
;;   xq = nearest(x / sx) (ties to even), the values at dst, the scales from dst's next
;;   64-byte boundary after in int16 values (formats.ts x16ScalesOffset). A block holding NaN
;;   or an infinity gets a scale that is NaN or infinite (its values are then meaningless):
;;   the caller checks the scales and keeps such an x in float32 (linear_q8).
;; - dequant_q8(w, dst, rb, _, _, in, out, r0, r1): rows r0 <= r < r1 of W as float32
;;   fround(q·s) (the values formats.ts gives) at dst + (r − rb)·in·4, row-major, for
;;   batched products: a block of rows is widened once, then the float32 tiles of
;;   linear.wat run over it, every weight then serving all the rows of x.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (;include hsum.wat.part;)

  ;; Row sums the group kernels pass from one row to the next (see $dot4q8x16).
  (global $r0 (mut v128) (v128.const i32x4 0 0 0 0))
  (global $r1 (mut v128) (v128.const i32x4 0 0 0 0))
  (global $r2 (mut v128) (v128.const i32x4 0 0 0 0))
  ;; The accumulators of $dot4q8x16 ($a0) and $dot16q8x16 (one per group).
  (global $a0 (mut v128) (v128.const i32x4 0 0 0 0))
  (global $a1 (mut v128) (v128.const i32x4 0 0 0 0))
  (global $a2 (mut v128) (v128.const i32x4 0 0 0 0))
  (global $a3 (mut v128) (v128.const i32x4 0 0 0 0))

  ;; Where row o's first block of int8 values is (w: the matrix), and its first scale (sp:
  ;; the scales); a row's next block is 128 bytes on, its next scale 16.
  (func $block0 (param $w i32) (param $o i32) (param $in i32) (result i32)
    (i32.add (local.get $w)
      (i32.add (i32.mul (i32.and (local.get $o) (i32.const -4)) (local.get $in))
        (i32.shl (i32.and (local.get $o) (i32.const 3)) (i32.const 5)))))
  (func $scale0 (param $sp i32) (param $o i32) (param $in i32) (result i32)
    (i32.add (local.get $sp)
      (i32.add (i32.shr_u (i32.mul (i32.and (local.get $o) (i32.const -4)) (local.get $in)) (i32.const 3))
        (i32.shl (i32.and (local.get $o) (i32.const 3)) (i32.const 2)))))
  ;; Where the scales start: after ⌈out/4⌉ groups of 4·in bytes.
  (func $scales (param $w i32) (param $in i32) (param $out i32) (result i32)
    (i32.add (local.get $w) (i32.mul (i32.and (i32.add (local.get $out) (i32.const 3)) (i32.const -4)) (local.get $in))))

  ;; Σ x[k]·q[k]·s[k/32] over nb blocks of one row (w, s: its first block and scale): per
  ;; block, two chains of four products over the 32 weights (sign-extended from int8 to
  ;; int32 eight at a time, converted exactly), their sum scaled and accumulated.
  (func $dot_q8 (param $x i32) (param $w i32) (param $s i32) (param $nb i32) (result f32)
    (local $end i32) (local $h v128) (local $p0 v128) (local $p1 v128) (local $acc v128)
    (local.set $end (i32.add (local.get $s) (i32.shl (local.get $nb) (i32.const 4))))
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
        (local.set $w (i32.add (local.get $w) (i32.const 128)))
        (local.set $x (i32.add (local.get $x) (i32.const 128)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (br $blocks)))
    (call $hsum (local.get $acc)))

  ;; Σ x[k]·q[k]·s[k/32] over nb blocks of one row with x as int16 blocks: x16 holds the
  ;; values, sx their scales; w and sw are the row's first block and scale. Per block: four
  ;; 8-pair integer dot products (|sum| < 2^27: exact in int32), converted and multiplied
  ;; by the two scales' product.
  (func $dot_q8x16 (param $x i32) (param $w i32) (param $sw i32) (param $sx i32) (param $nb i32) (result f32)
    (local $end i32) (local $i v128) (local $acc v128)
    (local.set $end (i32.add (local.get $sx) (i32.shl (local.get $nb) (i32.const 2))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $sx) (local.get $end)))
        (local.set $i (i32x4.dot_i16x8_s (v128.load8x8_s (local.get $w)) (v128.load (local.get $x))))
        (local.set $i (i32x4.add (local.get $i) (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (local.get $w)) (v128.load offset=16 (local.get $x)))))
        (local.set $i (i32x4.add (local.get $i) (i32x4.dot_i16x8_s (v128.load8x8_s offset=16 (local.get $w)) (v128.load offset=32 (local.get $x)))))
        (local.set $i (i32x4.add (local.get $i) (i32x4.dot_i16x8_s (v128.load8x8_s offset=24 (local.get $w)) (v128.load offset=48 (local.get $x)))))
        (local.set $acc (@madd (f32x4.convert_i32x4_s (local.get $i))
          (f32x4.splat (f32.mul (f32.load (local.get $sw)) (f32.load (local.get $sx))))
          (local.get $acc)))
        (local.set $w (i32.add (local.get $w) (i32.const 128)))
        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (local.set $sw (i32.add (local.get $sw) (i32.const 16)))
        (local.set $sx (i32.add (local.get $sx) (i32.const 4)))
        (br $blocks)))
    (call $hsum (local.get $acc)))

  ;; The dot products of x (as in $dot_q8x16) with the four rows of a group (w, sw: its
  ;; first block and scales), as one vector. Per block, each row's 32 products as four
  ;; integer dot products; the four rows' vectors summed across lanes together (a transposed
  ;; horizontal add, exact in int32), so one conversion and one multiply by the four rows'
  ;; scales (one load) serve the group, and x's four vectors are loaded once for the four
  ;; rows. Three rows' sums go through globals (per instance, so per thread): V8 keeps
  ;; memory operations in program order but moves arithmetic to its first use, so without
  ;; a store between rows it loads all 16 weight vectors first and spills most of them to
  ;; the stack; the stores make each row's loads wait until the row before is summed.
  (func $dot4q8x16 (param $x i32) (param $w i32) (param $sw i32) (param $sx i32) (param $nb i32) (result v128)
    (local $end i32) (local $scale v128) (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $d v128) (local $t v128) (local $u v128) (local $e0 v128) (local $e1 v128) (local $e2 v128)
    (global.set $a0 (v128.const i32x4 0 0 0 0))
    (local.set $end (i32.add (local.get $sx) (i32.shl (local.get $nb) (i32.const 2))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $sx) (local.get $end)))
        (local.set $x0 (v128.load (local.get $x)))
        (local.set $x1 (v128.load offset=16 (local.get $x)))
        (local.set $x2 (v128.load offset=32 (local.get $x)))
        (local.set $x3 (v128.load offset=48 (local.get $x)))
        (local.set $scale (v128.load32_splat (local.get $sx)))
        (@q8group (local.get $w) (local.get $sw) $a0)
        (local.set $w (i32.add (local.get $w) (i32.const 128)))
        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (local.set $sw (i32.add (local.get $sw) (i32.const 16)))
        (local.set $sx (i32.add (local.get $sx) (i32.const 4)))
        (br $blocks)))
    (global.get $a0))

  ;; Four groups at once, h bytes apart (group 0 at w, scales at sw, its results to y (+ b);
  ;; group s at w + s·h, sw + s·h/8, y + s·hy, b + s·hy): as $dot4q8x16 for each, block by
  ;; block, the x vectors shared. Decoding reads each weight once, so its speed is the rate
  ;; at which weights stream in from DRAM: one sequential stream stalls at every 4 KiB page
  ;; (the hardware prefetcher stops at page boundaries), and four streams a multiple of 4 KiB
  ;; apart cross their pages together and wait for them together (see linear-tiles.wat.part's
  ;; $row). The accumulators are globals, for the reason given at $dot4q8x16: each group's
  ;; block is summed before the next group's weights are loaded.
  (func $dot16q8x16 (param $x i32) (param $w i32) (param $h i32) (param $sw i32) (param $sx i32) (param $nb i32)
    (param $y i32) (param $hy i32) (param $b i32)
    (local $end i32) (local $h2 i32) (local $h3 i32) (local $p i32) (local $s i32) (local $scale v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $d v128) (local $t v128) (local $u v128)
    (local $e0 v128) (local $e1 v128) (local $e2 v128)
    (local.set $h2 (i32.shl (local.get $h) (i32.const 1)))
    (local.set $h3 (i32.add (local.get $h2) (local.get $h)))
    (global.set $a0 (v128.const i32x4 0 0 0 0))
    (global.set $a1 (v128.const i32x4 0 0 0 0))
    (global.set $a2 (v128.const i32x4 0 0 0 0))
    (global.set $a3 (v128.const i32x4 0 0 0 0))
    (local.set $end (i32.add (local.get $sx) (i32.shl (local.get $nb) (i32.const 2))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $sx) (local.get $end)))
        (local.set $x0 (v128.load (local.get $x)))
        (local.set $x1 (v128.load offset=16 (local.get $x)))
        (local.set $x2 (v128.load offset=32 (local.get $x)))
        (local.set $x3 (v128.load offset=48 (local.get $x)))
        (local.set $scale (v128.load32_splat (local.get $sx)))
        (@q8group (local.get $w) (local.get $sw) $a0)
        (local.set $p (i32.add (local.get $w) (local.get $h)))
        (local.set $s (i32.add (local.get $sw) (i32.shr_u (local.get $h) (i32.const 3))))
        (@q8group (local.get $p) (local.get $s) $a1)
        (local.set $p (i32.add (local.get $w) (local.get $h2)))
        (local.set $s (i32.add (local.get $sw) (i32.shr_u (local.get $h2) (i32.const 3))))
        (@q8group (local.get $p) (local.get $s) $a2)
        (local.set $p (i32.add (local.get $w) (local.get $h3)))
        (local.set $s (i32.add (local.get $sw) (i32.shr_u (local.get $h3) (i32.const 3))))
        (@q8group (local.get $p) (local.get $s) $a3)
        (local.set $w (i32.add (local.get $w) (i32.const 128)))
        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (local.set $sw (i32.add (local.get $sw) (i32.const 16)))
        (local.set $sx (i32.add (local.get $sx) (i32.const 4)))
        (br $blocks)))
    (call $store4 (global.get $a0) (local.get $y) (local.get $b) (i32.const 0))
    (call $store4 (global.get $a1) (local.get $y) (local.get $b) (local.get $hy))
    (call $store4 (global.get $a2) (local.get $y) (local.get $b) (i32.shl (local.get $hy) (i32.const 1)))
    (call $store4 (global.get $a3) (local.get $y) (local.get $b) (i32.mul (local.get $hy) (i32.const 3))))

  ;; v (+ the four biases at b + at, unless b is 0: no bias) stored at y + at.
  (func $store4 (param $v v128) (param $y i32) (param $b i32) (param $at i32)
    (if (local.get $b)
      (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $b) (local.get $at)))))))
    (v128.store (i32.add (local.get $y) (local.get $at)) (local.get $v)))

  ;; y[o] = row o of W · x (+ b[o]), one row alone (rows outside whole groups).
  (func $q8x16Row (param $x i32) (param $w i32) (param $b i32) (param $y i32) (param $in i32) (param $sp i32) (param $sx i32) (param $o i32)
    (local $v f32)
    (local.set $v (call $dot_q8x16 (local.get $x)
      (call $block0 (local.get $w) (local.get $o) (local.get $in))
      (call $scale0 (local.get $sp) (local.get $o) (local.get $in))
      (local.get $sx) (i32.shr_u (local.get $in) (i32.const 5))))
    (if (local.get $b)
      (then (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2))))))))
    (f32.store (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2))) (local.get $v)))

  (func (export "linear_q8x16")
    (param $x i32) (param $w i32) (param $b i32) (param $y i32)
    (param $rows i32) (param $in i32) (param $out i32) (param $o0 i32) (param $o1 i32)
    (local $sp i32) (local $sx i32) (local $o i32) (local $v v128)
    (local $gb i32) (local $pageGroups i32) (local $h i32) (local $end i32)
    (local.set $sp (call $scales (local.get $w) (local.get $in) (local.get $out)))
    ;; x's scales follow its in int16 values from the next 64-byte boundary.
    (local.set $sx (i32.add (local.get $x) (i32.and (i32.add (i32.shl (local.get $in) (i32.const 1)) (i32.const 63)) (i32.const -64))))
    (local.set $o (local.get $o0))
    ;; Rows before the first whole group (none when o0 is a multiple of 4, as the pool's
    ;; chunks are), then whole groups, then the last o1 mod 4 rows, one at a time.
    (block $headDone
      (loop $head
        (br_if $headDone (i32.or (i32.ge_u (local.get $o) (local.get $o1)) (i32.eqz (i32.and (local.get $o) (i32.const 3)))))
        (call $q8x16Row (local.get $x) (local.get $w) (local.get $b) (local.get $y) (local.get $in) (local.get $sp) (local.get $sx) (local.get $o))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $head)))
    ;; Whole groups: cut into four equal runs of groups streamed side by side, h groups
    ;; apart with h·4·in a multiple of 4 KiB when that leaves each run at least one group
    ;; (as linear-tiles.wat.part's $row does for float32 rows); groups left over get another,
    ;; shorter pass, the last (groups mod 4) one at a time.
    (local.set $gb (i32.shl (local.get $in) (i32.const 2)))
    (local.set $pageGroups (i32.shr_u (i32.const 4096)
      (select (i32.ctz (local.get $gb)) (i32.const 12) (i32.lt_u (i32.ctz (local.get $gb)) (i32.const 12)))))
    (block $passesDone
      (loop $passes
        (local.set $h (i32.shr_u (i32.shr_u (i32.sub (local.get $o1) (local.get $o)) (i32.const 2)) (i32.const 2)))
        (br_if $passesDone (i32.eqz (local.get $h)))
        (if (i32.ge_u (local.get $h) (local.get $pageGroups))
          (then (local.set $h (i32.sub (local.get $h) (i32.rem_u (local.get $h) (local.get $pageGroups))))))
        ;; Rows o .. o + 4h are the first run's.
        (local.set $end (i32.add (local.get $o) (i32.shl (local.get $h) (i32.const 2))))
        (block $runDone
          (loop $run
            (br_if $runDone (i32.ge_u (local.get $o) (local.get $end)))
            (call $dot16q8x16 (local.get $x)
              (call $block0 (local.get $w) (local.get $o) (local.get $in))
              (i32.mul (local.get $h) (local.get $gb))
              (call $scale0 (local.get $sp) (local.get $o) (local.get $in))
              (local.get $sx) (i32.shr_u (local.get $in) (i32.const 5))
              (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2)))
              (i32.shl (local.get $h) (i32.const 4))
              (select (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2))) (i32.const 0) (local.get $b)))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (br $run)))
        ;; The four runs end at end + 3·4h.
        (local.set $o (i32.add (local.get $o) (i32.mul (local.get $h) (i32.const 12))))
        (br $passes)))
    (block $groupsDone
      (loop $groups
        (br_if $groupsDone (i32.gt_u (i32.add (local.get $o) (i32.const 4)) (local.get $o1)))
        (local.set $v (call $dot4q8x16 (local.get $x)
          (call $block0 (local.get $w) (local.get $o) (local.get $in))
          (call $scale0 (local.get $sp) (local.get $o) (local.get $in))
          (local.get $sx) (i32.shr_u (local.get $in) (i32.const 5))))
        (if (local.get $b)
          (then (local.set $v (f32x4.add (local.get $v) (v128.load (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2))))))))
        (v128.store (i32.add (local.get $y) (i32.shl (local.get $o) (i32.const 2))) (local.get $v))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $groups)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $o) (local.get $o1)))
        (call $q8x16Row (local.get $x) (local.get $w) (local.get $b) (local.get $y) (local.get $in) (local.get $sp) (local.get $sx) (local.get $o))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $tail))))

  (func (export "linear_q8")
    (param $x i32) (param $w i32) (param $b i32) (param $y i32)
    (param $rows i32) (param $in i32) (param $out i32) (param $o0 i32) (param $o1 i32)
    (local $sp i32) (local $r i32) (local $o i32) (local $xr i32) (local $yr i32) (local $v f32)
    (local.set $sp (call $scales (local.get $w) (local.get $in) (local.get $out)))
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
              (call $block0 (local.get $w) (local.get $o) (local.get $in))
              (call $scale0 (local.get $sp) (local.get $o) (local.get $in))
              (i32.shr_u (local.get $in) (i32.const 5))))
            (if (local.get $b)
              (then (local.set $v (f32.add (local.get $v) (f32.load (i32.add (local.get $b) (i32.shl (local.get $o) (i32.const 2))))))))
            (f32.store (i32.add (local.get $yr) (i32.shl (local.get $o) (i32.const 2))) (local.get $v))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (br $cols)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; The quotient x/sx is rounded to float32 before nearest (|x/sx| <= 32767, so by at most
  ;; 2^−10): |x − xq·sx| <= sx·(1/2 + 2^−10). Zero blocks: 0/0 is NaN, which trunc_sat makes 0.
  (func (export "encode_x16")
    (param $x i32) (param $dst i32) (param $u2 i32) (param $u3 i32) (param $u4 i32)
    (param $in i32) (param $u6 i32) (param $b0 i32) (param $b1 i32)
    (local $sp i32) (local $p i32) (local $q i32) (local $m v128) (local $s v128) (local $scale f32)
    (local.set $sp (i32.add (local.get $dst) (i32.and (i32.add (i32.shl (local.get $in) (i32.const 1)) (i32.const 63)) (i32.const -64))))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $b0) (local.get $b1)))
        (local.set $p (i32.add (local.get $x) (i32.shl (local.get $b0) (i32.const 7))))
        (local.set $q (i32.add (local.get $dst) (i32.shl (local.get $b0) (i32.const 6))))
        ;; max |x| over the block, NaN if any is (f32x4.max propagates NaN).
        (local.set $m (f32x4.max
          (f32x4.max
            (f32x4.max (f32x4.abs (v128.load (local.get $p))) (f32x4.abs (v128.load offset=16 (local.get $p))))
            (f32x4.max (f32x4.abs (v128.load offset=32 (local.get $p))) (f32x4.abs (v128.load offset=48 (local.get $p)))))
          (f32x4.max
            (f32x4.max (f32x4.abs (v128.load offset=64 (local.get $p))) (f32x4.abs (v128.load offset=80 (local.get $p))))
            (f32x4.max (f32x4.abs (v128.load offset=96 (local.get $p))) (f32x4.abs (v128.load offset=112 (local.get $p)))))))
        (local.set $m (f32x4.max (local.get $m) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $m) (local.get $m))))
        (local.set $m (f32x4.max (local.get $m) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $m) (local.get $m))))
        (local.set $scale (f32.div (f32x4.extract_lane 0 (local.get $m)) (f32.const 32767)))
        (f32.store (i32.add (local.get $sp) (i32.shl (local.get $b0) (i32.const 2))) (local.get $scale))
        (local.set $s (f32x4.splat (local.get $scale)))
        (v128.store (local.get $q) (i16x8.narrow_i32x4_s
          (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.div (v128.load (local.get $p)) (local.get $s))))
          (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.div (v128.load offset=16 (local.get $p)) (local.get $s))))))
        (v128.store offset=16 (local.get $q) (i16x8.narrow_i32x4_s
          (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.div (v128.load offset=32 (local.get $p)) (local.get $s))))
          (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.div (v128.load offset=48 (local.get $p)) (local.get $s))))))
        (v128.store offset=32 (local.get $q) (i16x8.narrow_i32x4_s
          (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.div (v128.load offset=64 (local.get $p)) (local.get $s))))
          (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.div (v128.load offset=80 (local.get $p)) (local.get $s))))))
        (v128.store offset=48 (local.get $q) (i16x8.narrow_i32x4_s
          (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.div (v128.load offset=96 (local.get $p)) (local.get $s))))
          (i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.div (v128.load offset=112 (local.get $p)) (local.get $s))))))
        (local.set $b0 (i32.add (local.get $b0) (i32.const 1)))
        (br $blocks))))

  (func (export "dequant_q8")
    (param $w i32) (param $dst i32) (param $rb i32) (param $u0 i32) (param $u1 i32)
    (param $in i32) (param $out i32) (param $r0 i32) (param $r1 i32)
    (local $sp i32) (local $q i32) (local $s i32) (local $d i32) (local $end i32) (local $scale v128) (local $h v128)
    (if (i32.ge_u (local.get $r0) (local.get $r1)) (then (return)))
    (local.set $sp (call $scales (local.get $w) (local.get $in) (local.get $out)))
    ;; Row by row (rows r0..r1 are contiguous in dst), block by block.
    (local.set $d (i32.add (local.get $dst) (i32.shl (i32.mul (i32.sub (local.get $r0) (local.get $rb)) (local.get $in)) (i32.const 2))))
    (loop $rows
      (local.set $q (call $block0 (local.get $w) (local.get $r0) (local.get $in)))
      (local.set $s (call $scale0 (local.get $sp) (local.get $r0) (local.get $in)))
      (local.set $end (i32.add (local.get $d) (i32.shl (local.get $in) (i32.const 2))))
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
        (local.set $q (i32.add (local.get $q) (i32.const 128)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (local.set $d (i32.add (local.get $d) (i32.const 128)))
        (br_if $blocks (i32.lt_u (local.get $d) (local.get $end))))
      (local.set $r0 (i32.add (local.get $r0) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $r0) (local.get $r1)))))
)
