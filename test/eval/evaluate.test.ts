// Config expressions evaluate as Python evaluates them (the .arch values mirror config.json and
// PyTorch's own arithmetic): floor division and modulo toward -∞, round half to even, repr of
// floats. The expected values are Python 3's.
import { describe, expect, it } from "vitest";
import { parseArch } from "../../src/compiler/ast/build.js";
import type * as A from "../../src/compiler/ast/nodes.js";
import { EvalError, evaluate, formatValue, mapScope } from "../../src/compiler/eval/evaluate.js";
import { pyFloat, pyValue } from "../../src/compiler/eval/pyformat.js";
import { suggest } from "../../src/compiler/diagnostics/suggest.js";
import type { Value } from "../../src/compiler/ir/model.js";

/** The value of a config expression, with `values` in scope. */
function value(text: string, values: Record<string, Value> = {}): Value {
  const r = parseArch("e.arch", `arch E {\n  let x = ${text}\n}\n`);
  expect(r.diagnostics).toEqual([]);
  const decl = r.file.archs[0]!.members[0] as A.LetDecl;
  return evaluate(decl.value, mapScope(values));
}

describe("config expressions", () => {
  it("divide and take remainders toward -∞, as Python", () => {
    expect([value("7 // 2"), value("-7 // 2"), value("7 % 3"), value("-7 % 3"), value("7 % -3")]).toEqual([3, -4, 1, 2, -2]);
    expect(value("7 / 2")).toBe(3.5);
    expect([value("2 ** 10"), value("2 ** -1")]).toEqual([1024, 0.5]);
  });

  it("round half to even (Python 3 round)", () => {
    expect(["round(0.5)", "round(1.5)", "round(2.5)", "round(-2.5)", "round(-3.5)", "round(2.6)"].map((e) => value(e))).toEqual([0, 2, 2, -2, -4, 3]);
  });

  it("compute make_divisible as OpenELM does (never below 90% of the value)", () => {
    // max(8, (10 + 4) // 8 * 8) = 8 < 0.9·10, so one more step: 16; (100 + 4) // 8 * 8 = 104.
    expect([value("make_divisible(10, 8)"), value("make_divisible(100, 8)"), value("make_divisible(3, 8, 16)")]).toEqual([16, 104, 16]);
  });

  it("read names, lists, conditionals and null-coalescing", () => {
    expect(value("d / heads", { d: 4096, heads: 32 })).toBe(128);
    expect(value("[1, 2, 3][-1]")).toBe(3);
    expect(value("if d > 8 then \"big\" else \"small\"", { d: 16 })).toBe("big");
    expect(value("w ?? 4096", { w: null })).toBe(4096);
    expect(value("2 in [1, 2]")).toBe(true);
    expect(value("\"layer\" + 3")).toBe("layer3");
    expect(value("sum([1, 2, 3]) + len([0, 0])")).toBe(8);
  });

  it("report division by zero and an index out of range as errors, not values", () => {
    expect(() => value("1 / 0")).toThrow(EvalError);
    expect(() => value("1 // 0")).toThrow(/division by zero/);
    expect(() => value("[1, 2][2]")).toThrow(/index 2 is out of range for a list of 2/);
  });
});

describe("Python formatting", () => {
  it("prints floats as repr() does", () => {
    expect([1e-5, 1e-6, 1.5e-5, 0.1, 1, 10000, 0.0001, 1e16, 1.2345678901234568e17, -0, NaN, -Infinity].map(pyFloat)).toEqual([
      "1e-05", "1e-06", "1.5e-05", "0.1", "1.0", "10000.0", "0.0001", "1e+16", "1.2345678901234568e+17", "-0.0", "nan", "-inf",
    ]);
  });

  it("prints values as repr() does (tuples, bools, None)", () => {
    expect([pyValue([1]), pyValue([1, 2]), pyValue(true), pyValue(null), pyValue(0.5), pyValue(3)]).toEqual(["(1,)", "(1, 2)", "True", "None", "0.5", "3"]);
    expect([formatValue(null), formatValue([1, 0.5]), formatValue(2)]).toEqual(["null", "[1, 0.5]", "2"]);
  });
});

describe("suggestions for unknown names", () => {
  it("name the closest candidate within a third of the name's length", () => {
    expect(suggest("atention", ["rope", "attention"])).toBe("did you mean `attention`?");
    expect(suggest("rms_nrom", ["layer_norm", "rms_norm"])).toBe("did you mean `rms_norm`?");
    expect(suggest("frobnicate", ["attention", "rope"])).toBeUndefined();
  });

  it("prefer the earlier of equally close candidates", () => {
    expect(suggest("ab", ["ax", "ay"])).toBe("did you mean `ax`?");
  });
});
