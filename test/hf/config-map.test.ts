// config.json → hyperparameters through the `<-` mappings of an .arch file: the first present
// key wins, null means "none" only for optional parameters, wrong types and unknown keys are
// located errors, and the architecture is chosen by `architectures`, then `model_type`.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mapHfConfig, selectArchForConfig } from "../../src/compiler/hf/config-map.js";
import { parseArch } from "../../src/compiler/ast/build.js";
import type { Diagnostic } from "../../src/compiler/diagnostics/diagnostic.js";
import { flattenArchs } from "../../src/compiler/ir/flatten.js";
import type { ArchIR } from "../../src/compiler/ir/model.js";

const text = `arch Mini {
  hf "mini" {
    MiniForCausalLM => Lm
    MiniModel => Body
  }
  param d: int = 64 <- hidden_size, n_embd
  param window: int? = 8 <- sliding_window
  param eps: float = 1e-5 <- rms_norm_eps
  param scaling: string = "none" <- rope_scaling.type
  ignore use_sliding
  block Body {
    l: Linear(d, d)
    forward(x: [B, T, d]) -> [B, T, d] {
      return l(x)
    }
  }
  block Lm {
    body: Body
    forward(x: [B, T, d]) -> [B, T, d] {
      return body(x)
    }
  }
  root Lm
}
`;

function archs(): Map<string, ArchIR> {
  const parsed = parseArch(join("hf", "mini.arch"), text);
  expect(parsed.diagnostics).toEqual([]);
  const diagnostics: Diagnostic[] = [];
  const out = flattenArchs([parsed.file], diagnostics);
  expect(diagnostics).toEqual([]);
  return out;
}

describe("mapping config.json", () => {
  const mini = archs().get("Mini")!;

  it("reads each hyperparameter from the first of its keys that is present, nested keys included", () => {
    const r = mapHfConfig(mini, { n_embd: 32, rms_norm_eps: 1e-6, rope_scaling: { type: "linear" }, model_type: "mini", dropout: 0.1 });
    expect(r.diagnostics).toEqual([]);
    expect(r.values).toEqual({ d: 32, eps: 1e-6, scaling: "linear" });
  });

  it("takes null as none for an optional parameter, and as absent for the others", () => {
    expect(mapHfConfig(mini, { sliding_window: null, hidden_size: null }).values).toEqual({ window: null });
  });

  it("reports a value of the wrong type and a key nothing reads", () => {
    const r = mapHfConfig(mini, { hidden_size: "wide", mystery_knob: 3, use_sliding: true });
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      "config.json: `hidden_size` should be int for hyperparameter `d`, found string \"wide\"",
      "config.json: 1 key that Mini does not understand: mystery_knob",
    ]);
  });
});

describe("choosing the architecture", () => {
  const all = [...archs().values()];

  it("follows `architectures` to its root block, else the model type's default root", () => {
    expect(selectArchForConfig(all, { architectures: ["MiniModel"], model_type: "mini" })).toMatchObject({ root: "Body" });
    expect(selectArchForConfig(all, { model_type: "mini" })).toMatchObject({ root: "Lm" });
  });

  it("reports a model type no architecture handles", () => {
    expect(selectArchForConfig(all, { model_type: "other" })).toMatchObject({ code: "E0501" });
  });
});
