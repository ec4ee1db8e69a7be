;; Rotary position embeddings in HF Llama's rotate_half pairing (i, i + half), four pairs a
;; step: out = x·cos + rotate_half(x)·sin with each product rounded to float32 before the
;; sum, as ops/rope.ts (and HF in float32) computes it, so the results are the same bits.
;;
;; Exported: rope_half(x, cos, sin, out, blocks, t, d, half) rotates `blocks` runs of t rows
;; of d floats (x and out [blocks, t, d], contiguous), row ti by cos[ti], sin[ti] (rows of
;; half floats; half a multiple of 4). Dims from 2·half on are copied unchanged (partial
;; rotary). Pointers are byte offsets into the shared memory.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "rope_half")
    (param $x i32) (param $cos i32) (param $sin i32) (param $out i32)
    (param $blocks i32) (param $t i32) (param $d i32) (param $half i32)
    (local $blk i32) (local $ti i32) (local $i i32) (local $hb i32) (local $rb i32) (local $db i32)
    (local $c i32) (local $s i32) (local $x1 v128) (local $x2 v128) (local $cv v128) (local $sv v128)
    (if (i32.or (i32.eqz (local.get $blocks)) (i32.eqz (local.get $t))) (then (return)))
    (local.set $hb (i32.shl (local.get $half) (i32.const 2)))
    (local.set $rb (i32.shl (local.get $hb) (i32.const 1)))
    (local.set $db (i32.shl (local.get $d) (i32.const 2)))
    (loop $blocks
      (local.set $ti (i32.const 0))
      (local.set $c (local.get $cos))
      (local.set $s (local.get $sin))
      (loop $rows
        (local.set $i (i32.const 0))
        (if (local.get $hb)
          (then
            (loop $pairs
              (local.set $x1 (v128.load (i32.add (local.get $x) (local.get $i))))
              (local.set $x2 (v128.load (i32.add (i32.add (local.get $x) (local.get $hb)) (local.get $i))))
              (local.set $cv (v128.load (i32.add (local.get $c) (local.get $i))))
              (local.set $sv (v128.load (i32.add (local.get $s) (local.get $i))))
              (v128.store (i32.add (local.get $out) (local.get $i))
                (f32x4.sub (f32x4.mul (local.get $x1) (local.get $cv)) (f32x4.mul (local.get $x2) (local.get $sv))))
              (v128.store (i32.add (i32.add (local.get $out) (local.get $hb)) (local.get $i))
                (f32x4.add (f32x4.mul (local.get $x2) (local.get $cv)) (f32x4.mul (local.get $x1) (local.get $sv))))
              (local.set $i (i32.add (local.get $i) (i32.const 16)))
              (br_if $pairs (i32.lt_u (local.get $i) (local.get $hb))))))
        (memory.copy (i32.add (local.get $out) (local.get $rb)) (i32.add (local.get $x) (local.get $rb)) (i32.sub (local.get $db) (local.get $rb)))
        (local.set $x (i32.add (local.get $x) (local.get $db)))
        (local.set $out (i32.add (local.get $out) (local.get $db)))
        (local.set $c (i32.add (local.get $c) (local.get $hb)))
        (local.set $s (i32.add (local.get $s) (local.get $hb)))
        (local.set $ti (i32.add (local.get $ti) (i32.const 1)))
        (br_if $rows (i32.lt_u (local.get $ti) (local.get $t))))
      (local.set $blk (i32.add (local.get $blk) (i32.const 1)))
      (br_if $blocks (i32.lt_u (local.get $blk) (local.get $blocks)))))
)
