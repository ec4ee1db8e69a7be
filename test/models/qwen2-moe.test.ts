// Qwen2-MoE against independent truth: PyTorch's printed module tree (shared/seed/trees), the
// parameter count published for the checkpoint and re-derived by hand from its config.json, the
// parameter count transformers reported for the conformance checkpoint, FLOPs per token that
// count only the top-k experts, HF's rule for which layers are sparse, and the identity of
// top-k renormalisation when k = E.
import { describe, expect, it } from "vitest";
import { modelFor } from "../../src/compiler/pipeline.js";
import { computeStats } from "../../src/compiler/stats/stats.js";
import { walkInstances } from "../../src/compiler/elaborate/instance.js";
import { configValues } from "../../src/cli/checkpoint.js";
import { IntTensor } from "../../src/runtime/index.js";
import { expectClose } from "../runtime/close.js";
import {
  configJsonSession as session,
  itBindsConformanceParams,
  itCountsPublishedParams,
  itPrintsAsSeedTrees,
  lastLogits,
  preset,
  prompt,
  tinySizes,
  ws,
} from "./zoo-helpers.js";

describe("print matches PyTorch's module tree", () => {
  itPrintsAsSeedTrees([
    ["Qwen1.5-MoE-A2.7B", "qwen2-moe.txt"],
  ]);
});

describe("parameter counts (stats --json)", () => {
  // Unique tensors, a tied matrix counted once. Each total is the size the model card or
  // release publishes (14.3B), pinned to the exact value its published config.json gives by
  // hand. With V vocab, d hidden, L layers, h·hd query and k·hd key/value widths, f ffn:
  //   Qwen1.5-MoE-A2.7B: untied V 151936, d 2048, L 24, h = k = 16 × 128 with q/k/v biases,
  //     60 experts of 3·d·1408, a shared expert of 3·d·5632, router d·60, shared gate d·1
  const published: [string, number][] = [
    ["Qwen1.5-MoE-A2.7B", 14_315_784_192],
  ];
  itCountsPublishedParams(published);

  // transformers' num_parameters() of each conformance checkpoint (meta.json).
  itBindsConformanceParams(["qwen2_moe-tiny"]);
});

describe("MoE FLOPs per token count only the top-k experts", () => {
  // 2 × (every matrix a token passes through): attention, the router, k of the E experts
  // (and Qwen's shared expert and its gate), and the LM head; plus, for the token at position
  // 1000, its attention over 1000 keys: 2 · heads · 1000 · (head_dim for q·k + head_dim for p·v).
  const at = { context: 1000 };
  it("Qwen1.5-MoE-A2.7B: 4 experts of 60 plus the shared expert", () => {
    const [V, d, L] = [151936, 2048, 24];
    const perLayer = 4 * d * d + d * 60 + 4 * 3 * d * 1408 + 3 * d * 5632 + d;
    const ref = preset("Qwen1.5-MoE-A2.7B");
    expect(computeStats(modelFor(ref.arch, ref.preset), at).flopsPerToken).toBe(2 * (L * perLayer + V * d) + L * 2 * 16 * 1000 * (128 + 128));
  });
});

describe("Qwen2-MoE", () => {
  const tinyMoe = (extra: Record<string, unknown>) => ({
    architectures: ["Qwen2MoeForCausalLM"],
    model_type: "qwen2_moe",
    ...tinySizes,
    moe_intermediate_size: 16,
    shared_expert_intermediate_size: 40,
    num_experts: 4,
    num_experts_per_tok: 2,
    num_hidden_layers: 2,
    ...extra,
  });

  it("a layer is sparse iff it is not in mlp_only_layers and (layer + 1) % decoder_sparse_step == 0", () => {
    const { values } = configValues(ws, tinyMoe({ num_hidden_layers: 6, decoder_sparse_step: 2, mlp_only_layers: [3] }), "config.json");
    const m = modelFor(ws.archs.get("Qwen2Moe")!, undefined, values);
    const mlp = new Map([...walkInstances(m.root)].filter((x) => /^model\.layers\.\d+\.mlp$/.test(x.path)).map((x) => [x.path, x.className]));
    expect([0, 1, 2, 3, 4, 5].map((i) => mlp.get(`model.layers.${i}.mlp`))).toEqual([
      "Qwen2MoeMLP", "Qwen2MoeSparseMoeBlock", "Qwen2MoeMLP", "Qwen2MoeMLP", "Qwen2MoeMLP", "Qwen2MoeSparseMoeBlock",
    ]);
  });

  // shared/conformance/README.md names them router_logits.<layer>: numbered by layer, not by occurrence.
  it("emits router logits [B*T, E] for the sparse layers only, named by their layer", async () => {
    const routerNames = async (extra: Record<string, unknown>) => {
      const s = await session(tinyMoe(extra));
      const { emitted } = s.forward({ input_ids: new IntTensor(Int32Array.from([...prompt, ...prompt]), [2, prompt.length]) });
      for (const [k, t] of emitted) if (k.startsWith("router_logits.")) expect(t.shape).toEqual([2 * prompt.length, 4]);
      return [...emitted.keys()].filter((k) => k.startsWith("router_logits.")).sort();
    };
    // Layer 1 dense (mlp_only_layers): sparse layers 0 and 2.
    expect(await routerNames({ num_hidden_layers: 3, mlp_only_layers: [1] })).toEqual(["router_logits.0", "router_logits.2"]);
    // decoder_sparse_step 2 over 5 layers: (i + 1) % 2 == 0 at layers 1 and 3.
    expect(await routerNames({ num_hidden_layers: 5, decoder_sparse_step: 2 })).toEqual(["router_logits.1", "router_logits.3"]);
  });

  it("norm_topk_prob renormalises the top-k gates: a no-op when k = E, a change when k < E", async () => {
    const run = async (k: number, norm: boolean) => lastLogits(await session(tinyMoe({ num_experts_per_tok: k, norm_topk_prob: norm })), prompt);
    expectClose(await run(4, true), await run(4, false), 1e-5, 1e-5);
    expect(await run(1, true)).not.toEqual(await run(1, false));
  });
});
