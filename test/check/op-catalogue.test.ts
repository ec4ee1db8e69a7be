// Every op and every primitive carries every hook the later stages ask, and each op's runtime
// binding exists in rt.lang with a parameter list that takes exactly what codegen passes.
// Hooks read arguments by name: a model that writes an argument as a keyword reads the same.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { ops } from "../../src/compiler/ops/catalogue.js";
import { paramName, type OpDef } from "../../src/compiler/ops/op-def.js";
import { primitives } from "../../src/compiler/ir/primitives.js";
import { describeModel } from "../../src/compiler/describe/features.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { modelFor } from "../../src/compiler/pipeline.js";
import { loadWorkspace } from "../../src/compiler/workspace.js";
import * as lang from "../../src/runtime/lang/index.js";
import * as nn from "../../src/runtime/nn/primitives.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

interface RuntimeParam {
  name: string;
  optional: boolean;
  rest: boolean;
}

/** The declared parameters of every function a runtime module exports, read with the TypeScript checker. */
function runtimeSignatures(path = "src/runtime/lang/index.ts"): Map<string, RuntimeParam[]> {
  const file = join(root, path);
  const program = ts.createProgram([file], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  const out = new Map<string, RuntimeParam[]>();
  for (const sym of checker.getExportsOfModule(module)) {
    const decl = sym.valueDeclaration ?? (sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym).valueDeclaration : undefined);
    if (!decl) continue;
    const sig = checker.getTypeOfSymbolAtLocation(sym, decl).getCallSignatures()[0];
    if (!sig) continue;
    out.set(
      sym.name,
      sig.parameters.map((p) => {
        const d = p.valueDeclaration as ts.ParameterDeclaration;
        return { name: p.name, optional: !!d.questionToken || !!d.initializer, rest: !!d.dotDotDotToken };
      }),
    );
  }
  return out;
}

/** How many arguments codegen passes a call of `op`: ctx, the site key, positional, extra tensors, keywords. */
function passed(op: OpDef): { min: number; max: number } {
  const fixed = 1 + (op.stateful ? 1 : 0);
  const required = op.params.filter((p) => !p.endsWith("?")).length;
  const keywords = op.keywords ? 1 : 0;
  return { min: fixed + required + keywords, max: op.variadic ? Infinity : fixed + op.params.length + keywords };
}

describe("the op catalogue", () => {
  const signatures = runtimeSignatures();

  it("has every op under its own name, with a doc line and a shape rule", () => {
    expect(Object.keys(ops).length).toBeGreaterThan(40);
    for (const [name, op] of Object.entries(ops)) {
      expect(op.name, name).toBe(name);
      expect(op.doc.startsWith(`${name}(`), `${name}: doc starts with its call form`).toBe(true);
      expect(typeof op.infer, `${name}: infer`).toBe("function");
    }
  });

  it("gives every op every consumer hook", () => {
    for (const [name, op] of Object.entries(ops)) {
      expect(typeof op.features, `${name}: features`).toBe("function");
      expect(typeof op.stats, `${name}: stats`).toBe("object");
      for (const [hook, fn] of Object.entries(op.stats)) expect(typeof fn, `${name}: stats.${hook}`).toBe("function");
      expect(typeof op.diff?.anchor, `${name}: diff.anchor`).toBe("boolean");
      if (op.diff.attrs) expect(typeof op.diff.attrs, `${name}: diff.attrs`).toBe("function");
      if (op.diff.normalize) expect(typeof op.diff.normalize, `${name}: diff.normalize`).toBe("function");
    }
  });

  it("writes defaults only for parameters the op has", () => {
    for (const [name, op] of Object.entries(ops)) {
      const known = new Set([...op.params.map(paramName), ...Object.keys(op.keywords ?? {})]);
      for (const k of Object.keys(op.defaults ?? {})) expect(known.has(k), `${name}: default for ${k}`).toBe(true);
    }
  });

  it("binds every op to a function of rt.lang that takes what codegen passes", () => {
    for (const [name, op] of Object.entries(ops)) {
      expect(typeof (lang as Record<string, unknown>)[op.runtime], `${name}: rt.lang.${op.runtime} exists`).toBe("function");
      const params = signatures.get(op.runtime);
      expect(params, `${name}: the signature of rt.lang.${op.runtime}`).toBeDefined();
      const { min, max } = passed(op);
      const required = params!.filter((p) => !p.optional && !p.rest).length;
      const rest = params!.some((p) => p.rest);
      expect(required, `${name}: rt.lang.${op.runtime} requires at most the ${min} arguments every call passes`).toBeLessThanOrEqual(min);
      if (!rest) expect(params!.length, `${name}: rt.lang.${op.runtime} takes all ${max} arguments codegen may pass`).toBeGreaterThanOrEqual(max);
      // The site key comes right after the context, for stateful ops only.
      expect(params![1]?.name === "site", `${name}: rt.lang.${op.runtime} takes a site key iff stateful`).toBe(!!op.stateful);
      // The keyword object follows the positional parameters: an optional one would take its place.
      if (op.keywords && !op.variadic) expect(op.params.filter((p) => p.endsWith("?")), `${name}: optional positional with keywords`).toEqual([]);
    }
  });
});

describe("the primitives", () => {
  it("give every primitive every consumer hook", () => {
    for (const [name, p] of Object.entries(primitives)) {
      expect(p.name, name).toBe(name);
      expect(typeof p.features, `${name}: features`).toBe("function");
      expect(typeof p.stats?.flopsPerToken, `${name}: stats.flopsPerToken`).toBe("function");
      expect(["parameters", "embedding", "buffer"], `${name}: stats.weightKind`).toContain(p.stats.weightKind);
      expect(typeof p.diffText, `${name}: diffText`).toBe("function");
      expect(["projection", "embedding", "norm", "activation", "recurrence", "convolution", "dropout", "tensor"], `${name}: diff.role`).toContain(p.diff?.role);
      expect(typeof p.diff.kind, `${name}: diff.kind`).toBe("function");
      expect(typeof p.diff.settings, `${name}: diff.settings`).toBe("function");
    }
  });

  it("say through their diff hook what an instance is, in the words the layer's aspects use", () => {
    // The kinds the published models differ by: Gemma's 1 + w RMSNorm, a LayerNorm without bias (OLMo), GPT-J's tanh GELU.
    expect(primitives.RMSNorm!.diff.kind({ dim: 8, eps: 1e-6, offset: 1, affine: true })).toBe("RMSNorm (1 + w)");
    expect(primitives.RMSNorm!.diff.kind({ dim: 8, eps: 1e-6, offset: 0, affine: true })).toBe("RMSNorm");
    expect(primitives.LayerNorm!.diff.kind({ dim: 8, eps: 1e-5, affine: true, bias: false })).toBe("LayerNorm without bias");
    expect(primitives.Activation!.diff.kind({ kind: "gelu_new" })).toBe("GELU (tanh)");
    expect(primitives.LayerNorm!.diff.settings({ dim: 8, eps: 1e-12, affine: true, bias: true })).toBe("eps 1e-12");
    expect(primitives.Linear!.diff.settings({ in_features: 8, out_features: 4, bias: true })).toBe("");
    expect(primitives.Embedding!.diff.role).toBe("embedding");
    expect(primitives.Linear!.diff.role).toBe("projection");
  });

  it("have a builder in rt.nn taking (w, path, ...arguments), as generated code calls it", () => {
    const signatures = runtimeSignatures("src/runtime/nn/primitives.ts");
    for (const [name, p] of Object.entries(primitives)) {
      expect(typeof (nn as Record<string, unknown>)[name], `${name}: rt.nn.${name} exists`).toBe("function");
      const params = signatures.get(name)!;
      expect(params.map((q) => q.name).slice(0, 2), `${name}: rt.nn.${name}(w, path, …)`).toEqual(params[0]?.name === "_w" ? ["_w", "_path"] : ["w", "path"]);
      expect(params.length - 2, `${name}: rt.nn.${name} takes one parameter per argument`).toBe(p.params.length);
    }
  });

  it("count FLOPs per token as 2 × the weight matrices a token passes through", () => {
    // Linear(6, 4) with bias: weight [4, 6] → 48; LSTM(4, 3), one layer: [12, 4] and [12, 3] → 96 + 72.
    expect(primitives.Linear!.stats.flopsPerToken([{ name: "l.weight", shape: [4, 6] }, { name: "l.bias", shape: [4] }])).toBe(48n);
    expect(primitives.LSTM!.stats.flopsPerToken(primitives.LSTM!.weights({ input_size: 4, hidden_size: 3, num_layers: 1, bias: true }))).toBe(168n);
    expect(primitives.RMSNorm!.stats.flopsPerToken([{ name: "n.weight", shape: [4] }])).toBe(0n);
  });
});

describe("hooks read arguments by name", () => {
  const rwkv5 = join(root, "models/rwkv5.arch");
  const original = readFileSync(rwkv5, "utf8");
  const call = "wkv_heads(r, k, v, decay, time_faaaa, heads)";
  const withText = (text: string) => {
    const ws = loadWorkspace([], { texts: new Map([[rwkv5, text]]) });
    return describeModel(modelFor(ws.archs.get("Rwkv5")!, "tiny"));
  };

  it("reads wkv_heads' head count positionally", () => {
    expect(original).toContain(call);
    // tiny: d = 64, head_size = 16 → 4 heads.
    expect(withText(original).attention).toBe("WKV recurrence (4 heads, matrix state)");
  });

  it("reads it the same when the model writes it as a keyword, in any order", () => {
    expect(withText(original.replace(call, "wkv_heads(r, k, v, heads = heads, decay = decay, bonus = time_faaaa)")).attention).toBe("WKV recurrence (4 heads, matrix state)");
    expect(withText(original.replace(call, "wkv_heads(r, k, v, heads = 8, bonus = time_faaaa, decay = decay)")).attention).toBe("WKV recurrence (8 heads, matrix state)");
  });
});

describe("a submodule named like an op", () => {
  const text = `arch Named {
  param d: int = 8
  block M {
    attention: Linear(d, d)
    forward(x: [B, T, d]) -> [B, T, d] {
      return attention(x)
    }
  }
  root M
  preset "tiny" { d = 4 }
}
`;
  const model = () => {
    const file = join(root, "named.arch");
    const ws = loadWorkspace([file], { includeZoo: false, texts: new Map([[file, text]]) });
    return modelFor(ws.archs.get("Named")!, "tiny");
  };

  it("is no attention for describe or stats", () => {
    const m = model();
    expect(describeModel(m).attention).toBe("none");
    expect(computeStats(m).kvCacheBytesPerToken).toBe(0);
    // The Linear(4, 4) it is: 2 · 16.
    expect(computeStats(m).flopsPerToken).toBe(32);
  });
});
