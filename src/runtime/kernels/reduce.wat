;; Reductions over a flat float32 array, on the calling thread.
;;
;; Exported: argmax(x, n) -> the index of the first largest of the n floats at x, NaN never
;; counting as largest; 0 when no value exceeds −∞ (n = 0, or every value NaN or −∞). Those
;; are the answers of the TypeScript loop `if (v > best) best = v, at = i` from best = −∞
;; (generate/sampling.ts), which this replaces for a decoding step's logits: 32000 of them
;; take ~60 µs in that loop and a few here.
;;
;; Two passes: the largest value m (f32x4.pmax keeps the accumulator when the new value is
;; NaN, being `acc < v ? v : acc`), then the first index holding m (−0 and +0 compare equal,
;; as in the loop, which keeps the first of them too). x needs no alignment, and sits past
;; the heap's first page (the thread pool's control block), so x + 4n − 60 never wraps.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "argmax") (param $x i32) (param $n i32) (result i32)
    (local $p i32) (local $end i32) (local $end16 i32) (local $end4 i32)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $m f32) (local $v f32) (local $hit v128) (local $lane i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end16 (i32.sub (local.get $end) (i32.const 60)))
    (local.set $end4 (i32.sub (local.get $end) (i32.const 12)))
    (local.set $a (f32x4.splat (f32.const -inf)))
    (local.set $b (local.get $a))
    (local.set $c (local.get $a))
    (local.set $d (local.get $a))
    (local.set $p (local.get $x))
    ;; Pass 1: four accumulators (16 floats a step), then 4 at a time, then one at a time.
    (if (i32.ge_u (local.get $n) (i32.const 16))
      (then
        (loop $by16
          (local.set $a (f32x4.pmax (local.get $a) (v128.load (local.get $p))))
          (local.set $b (f32x4.pmax (local.get $b) (v128.load offset=16 (local.get $p))))
          (local.set $c (f32x4.pmax (local.get $c) (v128.load offset=32 (local.get $p))))
          (local.set $d (f32x4.pmax (local.get $d) (v128.load offset=48 (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 64)))
          (br_if $by16 (i32.lt_u (local.get $p) (local.get $end16))))))
    (block $done4
      (loop $by4
        (br_if $done4 (i32.ge_u (local.get $p) (local.get $end4)))
        (local.set $a (f32x4.pmax (local.get $a) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $by4)))
    ;; The accumulators' lanes hold −∞ or non-NaN values, so max is exact here.
    (local.set $a (f32x4.max (f32x4.max (local.get $a) (local.get $b)) (f32x4.max (local.get $c) (local.get $d))))
    (local.set $m (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
      (f32.max (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))
    (block $done1
      (loop $by1
        (br_if $done1 (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (f32.load (local.get $p)))
        (if (f32.gt (local.get $v) (local.get $m)) (then (local.set $m (local.get $v))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $by1)))
    (if (f32.eq (local.get $m) (f32.const -inf)) (then (return (i32.const 0))))
    ;; Pass 2: the first 4-float group holding m, then its first lane that does.
    (local.set $p (local.get $x))
    (local.set $b (f32x4.splat (local.get $m)))
    (block $found
      (block $tail
        (loop $find4
          (br_if $tail (i32.ge_u (local.get $p) (local.get $end4)))
          (local.set $hit (f32x4.eq (v128.load (local.get $p)) (local.get $b)))
          (br_if $found (v128.any_true (local.get $hit)))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br $find4)))
      ;; Fewer than 4 floats left: m is among them.
      (loop $find1
        (if (f32.eq (f32.load (local.get $p)) (local.get $m))
          (then (return (i32.shr_u (i32.sub (local.get $p) (local.get $x)) (i32.const 2)))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br_if $find1 (i32.lt_u (local.get $p) (local.get $end))))
      (unreachable))
    (local.set $lane (i32.ctz (i32x4.bitmask (local.get $hit))))
    (i32.add (i32.shr_u (i32.sub (local.get $p) (local.get $x)) (i32.const 2)) (local.get $lane)))
)
