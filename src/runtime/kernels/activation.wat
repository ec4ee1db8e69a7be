;; Activations over a flat float32 array, four lanes at a time, split across threads by
;; element ranges like the products are by columns: SiLU takes ~8% of a Llama prefill on
;; Math.exp, and this way it is a fraction of that and runs on every thread.
;;
;; Exported: silu(x, y, _, _, _, _, _, i0, i1) writes y[i] = x[i]·σ(x[i]) for i0 <= i < i1
;; (x and y may be the same array). The unused arguments keep the thread pool's one kernel
;; signature.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (;include exp4.wat.part;)

  ;; x·σ(x) with σ from e = e^−|x| <= 1, so nothing overflows: σ = 1/(1+e) for x >= 0 and
  ;; e/(1+e) below. Where −|x| < −87.3 exp4 stops at the smallest normal; e is taken as 0
  ;; there instead, so that very negative x give −0 (the true value is under 1e-36) and
  ;; −∞ gives NaN, as x/(1 + e^−x) does in PyTorch. NaN fails the comparison and stays NaN.
  (func $silu4 (param $x v128) (result v128)
    (local $m v128) (local $e v128) (local $t v128)
    (local.set $m (f32x4.neg (f32x4.abs (local.get $x))))
    (local.set $e (v128.andnot (call $exp4 (local.get $m)) (f32x4.lt (local.get $m) (f32x4.splat (f32.const -87.3)))))
    (local.set $t (f32x4.div (f32x4.splat (f32.const 1)) (f32x4.add (f32x4.splat (f32.const 1)) (local.get $e))))
    (f32x4.mul (local.get $x)
      (v128.bitselect (local.get $t) (f32x4.mul (local.get $e) (local.get $t))
        (f32x4.ge (local.get $x) (f32x4.splat (f32.const 0))))))

  (func (export "silu")
    (param $x i32) (param $y i32) (param $a2 i32) (param $a3 i32) (param $a4 i32) (param $a5 i32) (param $a6 i32)
    (param $i0 i32) (param $i1 i32)
    (local $p i32) (local $q i32) (local $end i32) (local $end4 i32)
    (if (i32.ge_u (local.get $i0) (local.get $i1)) (then (return)))
    (local.set $p (i32.add (local.get $x) (i32.shl (local.get $i0) (i32.const 2))))
    (local.set $q (i32.add (local.get $y) (i32.shl (local.get $i0) (i32.const 2))))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $i1) (i32.const 2))))
    (local.set $end4 (i32.sub (local.get $end) (i32.const 12)))
    (block $done
      (loop $v
        (br_if $done (i32.ge_u (local.get $p) (local.get $end4)))
        (v128.store (local.get $q) (call $silu4 (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $v)))
    ;; The last one to three elements, one lane at a time.
    (block $done
      (loop $s
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (f32.store (local.get $q) (f32x4.extract_lane 0 (call $silu4 (f32x4.splat (f32.load (local.get $p))))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $s))))
)
