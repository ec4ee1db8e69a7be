// The checker's rules for what Mamba and DBRX brought in: int forward inputs (the expert a
// fused-expert block computes), moe over such a block, selective_scan's shapes, the Conv1d
// that causal_conv applies, sum and unsqueeze.
import { describe, it } from "vitest";
import { expectError, expectNoErrors } from "./diagnose.js";

const arch = (members: string) => `arch Inline {
  param d: int = 64
  param e: int = 4
  param ffn: int = 32
  param n: int = 8
${members}
  root M
}`;

const fused = (forwardSig: string, body: string) => `
  block Experts {
    w: Param([e * ffn, d])
    forward${forwardSig} {
      ${body}
    }
  }`;

const moeOver = (experts: string, sig = "(x: [N, d], k: int) -> [N, d]", body = "return linear(x, select(unflatten(w, 0, [e, ffn]), 0, k)) @ select(unflatten(w, 0, [e, ffn]), 0, k)") =>
  arch(`${fused(sig, body)}
  block M {
    router: Linear(d, e)
    experts: ${experts}
    forward(x: [B, T, d]) -> [B, T, d] {
      return moe(x, router(x), experts, top_k = 2)
    }
  }`);

describe("int forward inputs and fused experts", () => {
  it("moe runs a block whose forward takes (rows, e: int), slicing fused weights by e", () => expectNoErrors(moeOver("Experts")));
  it("an input typed other than a tensor or int is E0201", () => expectError(moeOver("Experts", "(x: [N, d], k: float) -> [N, d]"), "E0201", /tensor .* or an `int`, found `float`/));
  it("a block whose forward takes no expert index is not a set of experts", () =>
    expectError(moeOver("Experts", "(x: [N, d]) -> [N, d]", "return x"), "E0201", /list of modules, or a block whose forward takes \(rows, e: int\)/));
  it("a tensor passed for an int input is E0201", () =>
    expectError(
      arch(`${fused("(x: [N, d], k: int) -> [N, d]", "return x")}
  block M {
    experts: Experts
    forward(x: [N, d]) -> [N, d] {
      return experts(x, x)
    }
  }`),
      "E0201",
      /input `k` of `Experts` is an int/,
    ));
  it("a root cannot take an int input", () =>
    expectError(
      arch(`  block M {
    forward(x: [N, d], k: int) -> [N, d] {
      return x
    }
  }`),
      "E0201",
      /a root's inputs are tensors/,
    ));
});

const scan = (args: string) =>
  arch(`  block M {
    A_log: Param([d, n])
    D: Param([d])
    forward(x: [B, T, d], dt: [B, T, d], b: [B, T, n], c: [B, T, n]) -> [B, T, d] {
      return selective_scan(${args})
    }
  }`);

describe("selective_scan", () => {
  it("accepts x, delta [B, T, I], A [I, N], B, C [B, T, N], D [I]", () => expectNoErrors(scan("x, dt, neg(exp(A_log)), b, c, D")));
  it("B's state size must be A's second dimension", () => expectError(scan("x, dt, neg(exp(A_log)), x, c, D"), "E0301", /state size of B/));
  it("A must be a matrix", () => expectError(scan("x, dt, D, b, c"), "E0305", /A must be a tensor \[I, N\]/));
});

const conv = (decl: string) =>
  arch(`  block M {
    conv1d: ${decl}
    forward(x: [B, T, d]) -> [B, T, d] {
      return causal_conv(x, conv1d)
    }
  }`);

describe("causal_conv with Conv1d", () => {
  it("accepts a depthwise Conv1d (groups = channels)", () => expectNoErrors(conv("Conv1d(d, d, 4, padding = 3, groups = d)")));
  it("accepts groups = 1", () => expectNoErrors(conv("Conv1d(d, d, 3)")));
  it("refuses other groupings", () => expectError(conv("Conv1d(d, d, 4, groups = 2)"), "E0304", /groups of the Conv1d/));
});

describe("sum and unsqueeze", () => {
  const body = (ret: string, result = "[B, T, d]") =>
    arch(`  block M {
    forward(x: [B, T, d]) -> ${result} {
      return ${ret}
    }
  }`);
  it("sum drops its axis; unsqueeze restores it for broadcasting", () => expectNoErrors(body("x * unsqueeze(sum(x, -1), -1)")));
  it("sum over an axis beyond the rank is E0305", () => expectError(body("sum(x, 3)", "[B, T]"), "E0305", /out of range/));
});
