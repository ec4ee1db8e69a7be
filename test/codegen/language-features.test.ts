// Language features end to end: .arch text → checker → generated TypeScript → runtime, on
// small inline models whose outputs are derived by hand.
import { describe, expect, it } from "vitest";
import { archFromText, runModel, sessionFor } from "../../src/testing/properties.js";
import { checkedArch } from "../../src/compiler/pipeline.js";
import { IntTensor } from "../../src/runtime/index.js";

const idsOf = (xs: number[]) => ({ input_ids: new IntTensor(Int32Array.from(xs), [1, xs.length]) });

/** An inline arch that must check without errors. */
function checked(text: string) {
  const a = archFromText(text);
  const errors = [...a.ws.diagnostics, ...checkedArch(a.arch).diagnostics].filter((d) => d.severity === "error");
  expect(errors.map((d) => `${d.span?.line}:${d.span?.col} ${d.code} ${d.message}`)).toEqual([]);
  return a;
}

describe("a block returning two values", () => {
  it("`return x, y` in a block unpacks with `let a, b = two(x)` in the caller", async () => {
    const a = checked(`arch Pair {
  param vocab: int = 8
  param d: int = 4
  block Two {
    forward(x: [B, T, d]) {
      return x, x * 2.0
    }
  }
  block M {
    embed: Embedding(vocab, d)
    two: Two
    forward(input_ids: ids[B, T]) -> [B, T, d] {
      let a, b = two(embed(input_ids))
      return b - a
    }
  }
  root M
}`);
    const r = await runModel(a, {}, idsOf([1, 2, 3]));
    expect(r.output.shape).toEqual([1, 3, 4]);
    // b - a = 2x - x = x: the embedding rows themselves.
    const e = await runModel(checked(`arch E {\n  param vocab: int = 8\n  param d: int = 4\n  block M {\n    embed: Embedding(vocab, d)\n    forward(input_ids: ids[B, T]) -> [B, T, d] {\n      return embed(input_ids)\n    }\n  }\n  root M\n}`), {}, idsOf([1, 2, 3]));
    expect([...r.output.data]).toEqual([...e.output.data]);
  });
  it("the unpacked values keep their shapes: a mismatch is reported at the use", () => {
    const a = archFromText(`arch Pair {
  param d: int = 4
  param f: int = 6
  block Two {
    up: Linear(d, f)
    forward(x: [B, T, d]) {
      return x, up(x)
    }
  }
  block M {
    two: Two
    forward(x: [B, T, d]) -> [B, T, d] {
      let a, b = two(x)
      return a + b
    }
  }
  root M
}`);
    const ds = checkedArch(a.arch).diagnostics;
    expect(ds.map((d) => `${d.span?.line} ${d.code}`)).toEqual(["14 E0301"]);
  });
});

describe("token ids", () => {
  // OPT's learned positions: the table has 2 extra rows and is read at position + 2.
  const positions = (body: string, input = "input_ids: ids[B, T]") => `arch Pos {
  param vocab: int = 16
  param d: int = 4
  param context: int = 8
  param offset: int = 2
  block M {
    pos: Embedding(context + offset, d)
    forward(${input}) -> [B, T, d] {
      ${body}
    }
  }
  root M
}`;
  it("a learned position table read at `position_ids(ids) + 2` runs end to end", async () => {
    const shifted = await runModel(checked(positions("return pos(position_ids(input_ids) + 2)")), {}, idsOf([9, 9, 9]));
    const withOffset = await runModel(checked(positions("return pos(position_ids(input_ids) + offset)")), {}, idsOf([9, 9, 9]));
    // The same table (same name and shape, same seed) read directly at rows 2, 3, 4.
    const direct = await runModel(checked(positions("return pos(input_ids)")), {}, idsOf([2, 3, 4]));
    expect([...shifted.output.data]).toEqual([...direct.output.data]);
    expect([...withOffset.output.data]).toEqual([...direct.output.data]);
  });
  it("split, concat, select and reshape of ids give ids", async () => {
    const body = `let a, b = split(concat(input_ids, input_ids * 1 - 0, axis = 1), [2, 2], axis = 1)
      let row = select(reshape(b, [1, 1, 2]), 0, 0)
      return pos(concat(a, row, axis = 1) + 1)`;
    const r = await runModel(checked(positions(body, "input_ids: ids[1, 2]").replace("-> [B, T, d]", "-> [1, 4, d]")), {}, idsOf([3, 5]));
    const direct = await runModel(checked(positions("return pos(input_ids)")), {}, idsOf([4, 6, 4, 6]));
    expect([...r.output.data]).toEqual([...direct.output.data]);
  });
  it("Embedding rejects a float tensor at check time", () => {
    const a = archFromText(positions("return pos(position_ids(input_ids) * 0.5)"));
    const ds = checkedArch(a.arch).diagnostics;
    expect(ds.map((d) => `${d.span?.line}:${d.span?.col} ${d.code} ${d.message}`)).toEqual([
      "9:18 E0403 `pos` (Embedding) looks up token ids, but `position_ids(input_ids) * 0.5` is a float tensor",
    ]);
  });
});

describe("runtime errors name the .arch statement that failed", () => {
  it("a token id outside the embedding table: file, line and column of the statement", async () => {
    const a = checked(`arch Small {
  param vocab: int = 8
  param d: int = 4
  block Inner {
    embed: Embedding(vocab, d)
    forward(input_ids: ids[B, T]) -> [B, T, d] {
      let h = embed(input_ids)
      return h
    }
  }
  block M {
    inner: Inner
    forward(input_ids: ids[B, T]) -> [B, T, d] {
      return inner(input_ids) * 2.0
    }
  }
  root M
}`);
    // The innermost statement is named (line 7, `let h = …`), not the caller's.
    await expect(runModel(a, {}, idsOf([1, 99]))).rejects.toThrow(/^inline\.arch:7:7: embedding: token id 99/);
  });
});

describe("stateful ops in loops keep one state per iteration", () => {
  // Two token_shifts in a `for` over a range: decoding one token at a time must give what the
  // full sequence gives, which needs each iteration's own previous token.
  it("token_shift inside `for i in 0..n` decodes like the full sequence", async () => {
    const a = checked(`arch Shifted {
  param vocab: int = 8
  param d: int = 4
  param n: int = 3
  block M {
    embed: Embedding(vocab, d)
    mix: [Linear(d, d) for i in 0..n]
    forward(input_ids: ids[B, T]) -> [B, T, d] {
      let x = embed(input_ids)
      for i in 0..n {
        x = mix[i](x + token_shift(x))
      }
      return x
    }
  }
  root M
}`);
    const s = await sessionFor(a, {});
    const tokens = [1, 5, 2, 7];
    const full = s.forward(idsOf(tokens)).output;
    const ctx = s.newContext(true);
    const steps = tokens.map((t) => s.forward(idsOf([t]), ctx).output);
    tokens.forEach((_, i) => {
      const want = full.data.slice(i * 4, (i + 1) * 4);
      expect([...steps[i]!.data].map((v) => v.toFixed(5))).toEqual([...want].map((v) => v.toFixed(5)));
    });
  });
});

describe("an optional submodule on a configuration that does not build it", () => {
  it("is a located runtime error naming the submodule and its condition, not a crash", async () => {
    const a = checked(`arch Opt {
  param vocab: int = 8
  param d: int = 4
  param use_norm: bool = true
  block M {
    embed: Embedding(vocab, d)
    norm: LayerNorm(d) if use_norm
    forward(input_ids: ids[B, T]) -> [B, T, d] {
      return norm(embed(input_ids))
    }
  }
  root M
}`);
    // The declared configurations (the defaults) build it; a checkpoint's config may not.
    await expect(runModel(a, { use_norm: false }, idsOf([1, 2]))).rejects.toThrow(
      "inline.arch:9:7: norm: the submodule is used, but this configuration does not build it (it is declared `if use_norm`)",
    );
  });
});
